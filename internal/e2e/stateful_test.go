package e2e

// TestStatefulManagementAPI: a stateful property test of the management
// API over real HTTP. Each sequence seeds two organizations, A (vi,
// deepomatic or labelbox) and B (vi), then takes GATEHOUSE_STATEFUL_STEPS
// random steps: random actors (owners, admins, members, keys, outsiders,
// removed members, revoked or rotated keys, ended sessions) issue random
// operations (invite, accept, grant, revoke, change role, remove, transfer,
// keys, custom roles, resources, groups, teams, reads, checks, lookups,
// logout, time passing) with random targets, including ids of the other
// organization. After every step:
//
//   - the credential's answer is right: 401 exactly for dead credentials,
//     404 exactly for organizations the caller does not belong to;
//   - a refused request wrote nothing; a read wrote nothing; a request
//     about one organization changed no other, and its audit events name
//     its caller and request id;
//   - every change to grants, members, roles, keys, custom roles,
//     resources, groups and teams was within the power of its actor on the
//     state before the step (rule 2 recomputed with the reference model),
//     and everything that became allowed comes from such a change;
//   - vi organizations have exactly one Owner, the others at least one
//     holder of the top role (rule 3), in the store and in the engine;
//   - the engine's answers equal the reference's on the store's current
//     state (every subject × permission × target, plus lookups);
//   - no answer about one organization carries an identifier that only the
//     other has (tenant isolation), and no answer carries a secret, a token
//     or a password hash outside the answers that show them.
//
// At the end of each sequence the server log and both audit logs are
// scanned for every secret, token and password of the sequence, and both
// audit chains verify.

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gatehouse/gatehouse/internal/authz/reference"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

type statefulStats struct {
	started, sequences, steps, requests, writes, refused atomic.Int64
	compared, violations                                 atomic.Int64
	byOp                                                 [64]atomic.Int64
	okByOp                                               [64]atomic.Int64
}

// setRapidChecks makes rapid run n cases unless -rapid.checks was given.
func setRapidChecks(t *testing.T, n int) {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" && !rapidChecksSetHere })
	rapidChecksSetHere = true
	if !given {
		if err := flag.Set("rapid.checks", fmt.Sprint(n)); err != nil {
			t.Fatal(err)
		}
	}
	// Failures print the whole sequence; no fail files in the source tree.
	flag.Set("rapid.nofailfile", "true")
}

var rapidChecksSetHere bool

func TestStatefulManagementAPI(t *testing.T) {
	steps := envInt("GATEHOUSE_STATEFUL_STEPS", 50)
	schemes := []string{"vi", "vi", "deepomatic", "labelbox"}
	if v := os.Getenv("GATEHOUSE_STATEFUL_SCHEMES"); v != "" {
		schemes = strings.Split(v, ",")
	}
	// PostgreSQL runs the bulk: under -race a write on modernc SQLite
	// costs about three times the CPU and a snapshot fourteen times. SQLite
	// runs fewer sequences of the same test.
	phases := []struct {
		backend string
		seqs    int
	}{
		{"postgres", envInt("GATEHOUSE_STATEFUL_SEQUENCES", 1000)},
		{"sqlite", envInt("GATEHOUSE_STATEFUL_SQLITE_SEQUENCES", 60)},
	}
	// Sequences run on `workers` servers at once, each with its own
	// database and clock (a sequence moves time), each through rapid.
	workers := envInt("GATEHOUSE_STATEFUL_WORKERS", 2)
	for _, ph := range phases {
		setRapidChecks(t, (ph.seqs+workers-1)/workers)
		stats := &statefulStats{}
		var requests atomic.Int64
		began := time.Now()
		t.Run(ph.backend, func(t *testing.T) {
			for i := range workers {
				t.Run(fmt.Sprint(i), func(t *testing.T) {
					t.Parallel()
					s := startInproc(t, ph.backend, inprocOptions{})
					defer func() { requests.Add(s.requests.Load()) }()
					rapid.Check(t, func(rt *rapid.T) {
						w := newWorld(rt, s, stats, schemes)
						for range steps {
							w.doStep(rt)
						}
						w.finish(rt)
						stats.sequences.Add(1)
					})
				})
			}
		})
		t.Logf("stateful: backend %s, %d sequences × %d steps (%d steps) on %d servers, %d requests, %d writes committed, %d requests refused, %d engine/reference comparisons, %d violations, %v",
			ph.backend, stats.sequences.Load(), steps, stats.steps.Load(), workers, requests.Load(), stats.writes.Load(), stats.refused.Load(),
			stats.compared.Load(), stats.violations.Load(), time.Since(began).Round(time.Second))
		var b strings.Builder
		for i, name := range opNames {
			fmt.Fprintf(&b, " %s=%d/%d", name, stats.okByOp[i].Load(), stats.byOp[i].Load())
		}
		t.Logf("stateful: %s operations (succeeded/issued):%s", ph.backend, b.String())
	}
}

// stepInfo is one step: who did what, and what the server answered.
type stepInfo struct {
	op       string
	actor    *actor    // nil: no credential
	org      *worldOrg // the organization in the path; nil for none
	resp     *response
	input    string // path and body sent, so echoes are not taken for leaks
	read     bool   // must not write
	noOrg    bool   // not about an organization (me, logout, accept)
	accepted *worldInvitation
	acceptor *worldPerson
	// revealed: the credentials the answer handed the actor (a rotated
	// key's new secret, a resent invitation's token), for the power-flow
	// invariant.
	revealedKey string
	revealedInv *worldInvitation
	from        string // the client address the request comes from, when not the test's
	clock       bool   // time moved
	live        bool   // the actor's credential authenticated before the step
	active      bool   // and the actor belonged to the org
	session     bool   // login/logout: a store write without an audit event
	after       []func(t *rapid.T)
}

type op struct {
	name   string
	weight int
	run    func(t *rapid.T, w *world, si *stepInfo)
}

var ops []op
var opNames []string
var opTable []int

func init() {
	ops = []op{
		{"invite", 4, opInvite},
		{"accept", 3, opAccept},
		{"grant", 8, opGrant},
		{"revoke_grant", 4, opRevokeGrant},
		{"change_role", 4, opChangeRole},
		{"remove_member", 2, opRemoveMember},
		{"transfer", 2, opTransfer},
		{"create_key", 3, opCreateKey},
		{"rotate_key", 1, opRotateKey},
		{"transfer_key", 1, opTransferKey},
		{"revoke_key", 2, opRevokeKey},
		{"create_role", 2, opCreateRole},
		{"delete_role", 1, opDeleteRole},
		{"put_resource", 5, opPutResource},
		{"delete_resource", 2, opDeleteResource},
		{"group", 4, opGroup},
		{"team", 1, opTeam},
		{"read", 6, opRead},
		{"check", 4, opCheck},
		{"lookup", 2, opLookup},
		{"invitation", 2, opInvitation},
		{"org_settings", 1, opOrgSettings},
		{"logout", 1, opLogout},
		{"clock", 1, opClock},
	}
	for i, o := range ops {
		opNames = append(opNames, o.name)
		for range o.weight {
			opTable = append(opTable, i)
		}
	}
}

// doStep draws and runs one step, then checks every invariant.
func (w *world) doStep(t *rapid.T) {
	w.step++
	w.stats.steps.Add(1)
	// Every choice of the step comes from a generator seeded by one draw:
	// rapid reproduces a failing sequence exactly, and the choices are
	// uniform (rapid's own draws favour small values and boundaries, which
	// shrink well but would make some operations and targets rare).
	w.rng = rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "step"), uint64(w.step)))
	i := pick(w, opTable)
	o := w.orgs[0]
	if w.between(0, 99) < 35 {
		o = w.orgs[1]
	}
	si := &stepInfo{op: ops[i].name, org: o, actor: w.drawActor(t, o)}
	if si.actor != nil {
		si.live, si.active = w.live(si.actor), w.activeIn(si.actor, o)
	}
	w.stats.byOp[i].Add(1)
	ops[i].run(t, w, si)
	if si.resp != nil && si.resp.status < 300 {
		w.stats.okByOp[i].Add(1)
	}
	w.checkStep(t, si)
}

// drawActor: mostly someone of the org (present or past), sometimes
// anybody, rarely nobody.
func (w *world) drawActor(t *rapid.T, o *worldOrg) *actor {
	var home []*actor
	for _, a := range w.actors {
		switch {
		case a.person != nil && o.former[a.person.id]:
			home = append(home, a)
		case a.key != nil && a.key.org == o.id:
			home = append(home, a)
		}
	}
	n := w.between(0, 99)
	switch {
	case n < 2:
		return nil
	case n < 77 && len(home) > 0:
		return pick(w, home)
	}
	return pick(w, w.actors)
}

func (w *world) other(o *worldOrg) *worldOrg { return w.orgs[1-o.idx] }

// between, coin and pick are the step's uniform choices.
func (w *world) between(lo, hi int) int { return lo + w.rng.IntN(hi-lo+1) }
func (w *world) coin() bool             { return w.rng.IntN(2) == 0 }
func pick[T any](w *world, list []T) T  { return list[w.rng.IntN(len(list))] }

// request sends one request of the step.
func (w *world) request(t *rapid.T, si *stepInfo, method, path string, body any) *response {
	token := ""
	if si.actor != nil {
		token = si.actor.token
	}
	var hdr []string
	if si.from != "" {
		hdr = []string{"X-Forwarded-For", si.from}
	}
	r := w.s.do(t, token, method, path, body, hdr...)
	b, _ := json.Marshal(body)
	si.input += " " + path + " " + string(b)
	si.resp = r
	who := "nobody"
	if si.actor != nil {
		who = si.actor.label
	}
	w.logf("%s %s %s %s -> %d %s", who, method, path, b, r.status, truncateBody(r.body))
	return r
}

func truncateBody(b []byte) string {
	if len(b) > 160 {
		return string(b[:160]) + "…"
	}
	return string(b)
}

// --- draws of targets -------------------------------------------------

func (w *world) drawUserID(t *rapid.T, o *worldOrg) string {
	n := w.between(0, 99)
	switch {
	case n < 3:
		return "u_doesnotexist0000"
	case n < 70 && len(o.former) > 0:
		return pick(w, sortedStrings(o.former))
	}
	return pick(w, w.people).id
}

func (w *world) drawRole(t *rapid.T, o *worldOrg, orgOnly bool) string {
	var roles []string
	for _, r := range o.sc.Roles {
		if !orgOnly || r.ScopeType == scheme.OrgType {
			roles = append(roles, r.ID)
		}
	}
	roles = append(roles, o.roleIDs...)
	if w.between(0, 9) == 0 {
		roles = append(roles, w.other(o).roleIDs...)
		roles = append(roles, "no.such.role")
	}
	return pick(w, roles)
}

// drawRoleAt draws a role, mostly one that can be bound at scope.
func (w *world) drawRoleAt(t *rapid.T, o *worldOrg, scope string) string {
	st := scheme.OrgType
	if typ, _, ok := strings.Cut(scope, ":"); ok {
		st = typ
	}
	var fit []string
	for _, r := range o.sc.Roles {
		if r.ScopeType == st || slices.Contains(r.AlsoAt, st) {
			fit = append(fit, r.ID)
		}
	}
	for _, id := range o.roleIDs {
		if r, ok := o.ref.Role(id); ok && (r.ScopeType == st || slices.Contains(r.AlsoAt, st)) {
			fit = append(fit, id)
		}
	}
	if len(fit) > 0 && w.between(0, 3) > 0 {
		return pick(w, fit)
	}
	return w.drawRole(t, o, false)
}

// drawInvitee draws an email: mostly someone who is not a member yet.
func (w *world) drawInvitee(o *worldOrg) string {
	var out []string
	for _, p := range w.people {
		if _, member := o.ref.Members[p.id]; !member {
			out = append(out, p.email)
		}
	}
	if len(out) > 0 && w.between(0, 4) > 0 {
		return pick(w, out)
	}
	if w.between(0, 3) == 0 {
		return fmt.Sprintf("new-%d-%d@people.test", w.seq, w.step)
	}
	return pick(w, w.people).email
}

func (w *world) drawRef(t *rapid.T, o *worldOrg) string {
	n := w.between(0, 99)
	other := w.other(o)
	switch {
	case n < 75 && len(o.refs) > 0:
		return pick(w, o.refs)
	case n < 92 && len(other.refs) > 0:
		return pick(w, other.refs)
	}
	typ := pick(w, o.sc.Types).ID
	return typ + ":" + o.prefix + "-nothing"
}

func (w *world) drawScope(t *rapid.T, o *worldOrg) string {
	n := w.between(0, 99)
	switch {
	case n < 25:
		return "org"
	case n < 40:
		return pick(w, o.sc.Types).ID + ":*"
	case n < 50 && len(o.teamIDs)+len(w.other(o).teamIDs) > 0:
		return "team:" + pick(w, append(slices.Clone(o.teamIDs), w.other(o).teamIDs...))
	}
	return w.drawRef(t, o)
}

func (w *world) drawSubject(t *rapid.T, o *worldOrg) string {
	n := w.between(0, 99)
	other := w.other(o)
	switch {
	case n < 60:
		return "user:" + w.drawUserID(t, o)
	case n < 75 && len(o.groupIDs)+len(other.groupIDs) > 0:
		return "group:" + pick(w, append(slices.Clone(o.groupIDs), other.groupIDs...))
	case len(o.keyIDs)+len(other.keyIDs) > 0:
		return "key:" + pick(w, append(slices.Clone(o.keyIDs), other.keyIDs...))
	}
	return "user:" + w.drawUserID(t, o)
}

// drawID draws an id of a kind: mostly of this org, sometimes of the
// other (which must answer as if it did not exist), rarely made up.
func (w *world) drawID(t *rapid.T, here, there []string, label string) string {
	n := w.between(0, 99)
	switch {
	case n < 70 && len(here) > 0:
		return pick(w, here)
	case n < 92 && len(there) > 0:
		return pick(w, there)
	}
	return label + "_doesnotexist00"
}

func (w *world) drawExpiry(t *rapid.T) any {
	if w.between(0, 3) == 0 {
		return w.s.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
	}
	return nil
}

func base(o *worldOrg) string { return "/v1/orgs/" + o.id }

// --- operations ---------------------------------------------------------

func opInvite(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	email := w.drawInvitee(o)
	body := map[string]any{"email": email, "role": w.drawRole(t, o, true)}
	var grants []map[string]any
	for range w.between(0, 2) {
		scope := w.drawScope(t, o)
		grants = append(grants, map[string]any{"role": w.drawRoleAt(t, o, scope), "scope": scope})
	}
	if len(grants) > 0 {
		body["grants"] = grants
	}
	r := w.request(t, si, "POST", base(o)+"/invitations", body)
	if r.status == 201 {
		inv := &worldInvitation{id: r.str(t, "id"), org: o.id, token: r.str(t, "token"), email: email, inviter: si.actor.subject(),
			role: body["role"].(string)}
		for _, g := range grants {
			inv.grants = append(inv.grants, domain.InvitedGrant{Role: g["role"].(string), Scope: g["scope"].(string)})
		}
		o.invs = append(o.invs, inv)
		o.known[inv.id] = true
		o.known[email] = true
		for _, p := range w.people {
			if p.email == email {
				o.known[p.id] = true
			}
		}
		w.remember(inv.token)
	}
}

func opAccept(t *rapid.T, w *world, si *stepInfo) {
	si.noOrg = true
	invs := append(slices.Clone(si.org.invs), w.other(si.org).invs...)
	if len(invs) == 0 {
		si.read = true
		w.request(t, si, "GET", "/v1/me", nil)
		return
	}
	inv := pick(w, invs)
	var p *worldPerson
	for _, x := range w.people {
		if x.email == inv.email {
			p = x
		}
	}
	si.actor = nil
	si.accepted, si.acceptor = inv, p
	body := map[string]any{"token": inv.token}
	switch {
	case p == nil:
		// A new account: a production-cost password hash, so rarely.
		if w.between(0, 19) != 0 {
			body["token"] = "gsi_" + strings.Repeat("x", 43)
			w.request(t, si, "POST", "/v1/invitations/accept", body)
			return
		}
		body["name"], body["password"] = "Newcomer", "pw-newcomer-"+randomText()
		w.remember(body["password"].(string))
	case w.between(0, 9) == 0:
		body["email"], body["password"] = p.email, "not-the-password"
		// A guesser elsewhere: its failures slow down its own address,
		// never the person's sign-ins from theirs (issue 12, finding 3).
		si.from = fmt.Sprintf("198.51.100.%d", w.between(1, 254))
	default:
		body["email"], body["password"] = p.email, p.password
	}
	r := w.request(t, si, "POST", "/v1/invitations/accept", body)
	if r.status == 200 {
		w.remember(r.str(t, "token"))
		if p == nil {
			p = &worldPerson{id: r.str(t, "user_id"), email: inv.email, password: body["password"].(string)}
			p.session = &actor{label: "newcomer", token: r.str(t, "token"), person: p}
			w.people = append(w.people, p)
			w.byID[p.id] = p
			w.actors = append(w.actors, p.session)
			si.acceptor = p
		}
	}
}

func opGrant(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	scope := w.drawScope(t, o)
	body := map[string]any{"subject": w.drawSubject(t, o), "role": w.drawRoleAt(t, o, scope), "scope": scope}
	if e := w.drawExpiry(t); e != nil {
		body["expires_at"] = e
	}
	w.request(t, si, "POST", base(o)+"/grants", body)
}

func opRevokeGrant(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	id := w.drawID(t, o.grantIDs, w.other(o).grantIDs, "gr")
	w.request(t, si, "DELETE", base(o)+"/grants/"+id, nil)
}

func opChangeRole(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	w.request(t, si, "PATCH", base(o)+"/members/"+w.drawUserID(t, o), map[string]any{"role": w.drawRole(t, o, true)})
}

func opRemoveMember(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	w.request(t, si, "DELETE", base(o)+"/members/"+w.drawUserID(t, o), nil)
}

func opTransfer(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	w.request(t, si, "POST", base(o)+"/transfer-ownership", map[string]any{"user_id": w.drawUserID(t, o)})
}

func opCreateKey(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	scope := w.drawScope(t, o)
	body := map[string]any{"name": "k", "role": w.drawRoleAt(t, o, scope), "scope": scope}
	if e := w.drawExpiry(t); e != nil {
		body["expires_at"] = e
	}
	r := w.request(t, si, "POST", base(o)+"/keys", body)
	if r.status == 201 {
		k := &worldKey{id: r.str(t, "id"), org: o.id, current: r.str(t, "secret")}
		if e, ok := body["expires_at"].(string); ok {
			k.expires, _ = time.Parse(time.RFC3339Nano, e)
		}
		w.keys[k.id] = k
		w.remember(k.current)
		w.actors = append(w.actors, &actor{label: fmt.Sprintf("key%d", w.step), token: k.current, key: k})
	}
}

func opRotateKey(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	id := w.drawID(t, o.keyIDs, w.other(o).keyIDs, "k")
	overlap := pick(w, []int{0, 3600})
	r := w.request(t, si, "POST", base(o)+"/keys/"+id+"/rotate", map[string]any{"overlap_seconds": overlap})
	if r.status == 200 {
		k := w.keys[id]
		if k == nil {
			w.fail(t, "rotated key %s the test never saw", id)
		}
		k.prev, k.prevUntil = k.current, w.s.clock.Now().Add(time.Duration(overlap)*time.Second)
		k.current = r.str(t, "secret")
		si.revealedKey = id
		w.remember(k.current)
		w.actors = append(w.actors, &actor{label: fmt.Sprintf("key%d-rotated", w.step), token: k.current, key: k})
	}
}

// opTransferKey hands a key to a member; the new owner must cover it, so
// the key never holds more with them than its grants and they allow.
func opTransferKey(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	id := w.drawID(t, o.keyIDs, w.other(o).keyIDs, "k")
	w.request(t, si, "POST", base(o)+"/keys/"+id+"/transfer", map[string]any{"owner": w.drawUserID(t, o)})
}

func opRevokeKey(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	id := w.drawID(t, o.keyIDs, w.other(o).keyIDs, "k")
	r := w.request(t, si, "DELETE", base(o)+"/keys/"+id, nil)
	if r.status == 204 {
		w.keys[id].revoked = true
	}
}

func opCreateRole(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	scopeType := scheme.OrgType
	if w.coin() {
		scopeType = pick(w, o.sc.Types).ID
	}
	var perms []map[string]any
	for range w.between(1, 3) {
		p := pick(w, o.sc.Permissions)
		perms = append(perms, map[string]any{"id": p.ID})
	}
	id := fmt.Sprintf("cr%d%s.r%d", w.seq, o.prefix[len(o.prefix)-1:], w.step)
	r := w.request(t, si, "POST", base(o)+"/roles", map[string]any{"id": id, "name": "Custom " + id, "scope_type": scopeType, "permissions": perms})
	if r.status == 201 {
		o.roleIDs = append(o.roleIDs, id)
		o.known[id] = true
	}
}

func opDeleteRole(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	id := w.drawID(t, o.roleIDs, w.other(o).roleIDs, "role")
	if w.between(0, 9) == 0 {
		id = pick(w, o.sc.Roles).ID
	}
	w.request(t, si, "DELETE", base(o)+"/roles/"+id, nil)
}

func opPutResource(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	typ := pick(w, o.sc.Types)
	var id string
	if w.between(0, 2) == 0 {
		// Replace an existing one (possibly of the other org).
		ref := w.drawRef(t, o)
		tt, rid, _ := strings.Cut(ref, ":")
		if ot, ok := o.sc.Type(tt); ok {
			typ = ot
		}
		id = rid
	} else {
		id = o.newResourceID(typ.ID)
	}
	body := map[string]any{"name": "R " + id}
	if typ.Parent != scheme.OrgType {
		var parents []string
		for _, ref := range append(slices.Clone(o.refs), w.other(o).refs...) {
			if strings.HasPrefix(ref, typ.Parent+":") {
				parents = append(parents, ref)
			}
		}
		if len(parents) > 0 {
			body["parent"] = pick(w, parents)
		}
	}
	if typ.Teams && len(o.teamIDs) > 0 && w.coin() {
		body["team"] = pick(w, o.teamIDs)
	}
	switch w.between(0, 3) {
	case 0:
		body["owner"] = w.drawUserID(t, o)
	case 1:
		if si.actor != nil && si.actor.person != nil {
			body["owner"] = si.actor.person.id
		}
	}
	if len(typ.Attributes) > 0 {
		body["attributes"] = map[string]string{typ.Attributes[0]: pick(w, []string{"label", "rework", "done"})}
	}
	r := w.request(t, si, "PUT", base(o)+"/resources/"+typ.ID+"/"+id, body)
	if r.status == 200 {
		o.known[id] = true
	}
}

func opDeleteResource(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	typ, id, _ := strings.Cut(w.drawRef(t, o), ":")
	w.request(t, si, "DELETE", base(o)+"/resources/"+typ+"/"+id, nil)
}

func opGroup(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	switch w.between(0, 5) {
	case 0:
		r := w.request(t, si, "POST", base(o)+"/groups", map[string]any{"name": w.uniqName("g")})
		if r.status == 201 {
			id := r.str(t, "id")
			o.groupIDs = append(o.groupIDs, id)
			o.known[id] = true
		}
	case 1, 2:
		id := w.drawID(t, o.groupIDs, w.other(o).groupIDs, "g")
		w.request(t, si, "PUT", base(o)+"/groups/"+id+"/members/"+w.drawUserID(t, o), nil)
	case 3:
		id := w.drawID(t, o.groupIDs, w.other(o).groupIDs, "g")
		w.request(t, si, "DELETE", base(o)+"/groups/"+id+"/members/"+w.drawUserID(t, o), nil)
	case 4:
		id := w.drawID(t, o.groupIDs, w.other(o).groupIDs, "g")
		w.request(t, si, "DELETE", base(o)+"/groups/"+id, nil)
	default:
		id := w.drawID(t, o.groupIDs, w.other(o).groupIDs, "g")
		w.request(t, si, "PATCH", base(o)+"/groups/"+id, map[string]any{"name": w.uniqName("renamed")})
	}
}

func opTeam(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	switch w.between(0, 3) {
	case 0:
		r := w.request(t, si, "POST", base(o)+"/teams", map[string]any{"name": w.uniqName("t")})
		if r.status == 201 {
			id := r.str(t, "id")
			o.teamIDs = append(o.teamIDs, id)
			o.known[id] = true
		}
	case 1:
		id := w.drawID(t, o.teamIDs, w.other(o).teamIDs, "t")
		w.request(t, si, "PUT", base(o)+"/teams/"+id+"/members/"+w.drawUserID(t, o), nil)
	case 2:
		id := w.drawID(t, o.teamIDs, w.other(o).teamIDs, "t")
		w.request(t, si, "DELETE", base(o)+"/teams/"+id+"/members/"+w.drawUserID(t, o), nil)
	default:
		id := w.drawID(t, o.teamIDs, w.other(o).teamIDs, "t")
		w.request(t, si, "DELETE", base(o)+"/teams/"+id, nil)
	}
}

// readRule says who may read: nil means any member.
type readRule func(w *world, o *worldOrg, actor string, now time.Time) bool

func opRead(t *rapid.T, w *world, si *stepInfo) {
	si.read = true
	o := si.org
	audit := func(w *world, o *worldOrg, a string, now time.Time) bool {
		return holdsAtOrg(o, a, o.sc.AuditPermission, now)
	}
	managerOrAudit := func(w *world, o *worldOrg, a string, now time.Time) bool {
		return managesUsers(o, a, now) || holdsAtOrg(o, a, o.sc.AuditPermission, now)
	}
	perm := func(p string) readRule {
		return func(w *world, o *worldOrg, a string, now time.Time) bool { return holdsAtOrg(o, a, p, now) }
	}
	user := w.drawUserID(t, o)
	ref := w.drawRef(t, o)
	typ, id, _ := strings.Cut(ref, ":")
	reads := []struct {
		path string
		rule readRule
	}{
		{base(o), nil},
		{base(o) + "/members", perm("members.view")},
		{base(o) + "/members/" + user, func(w *world, o *worldOrg, a string, now time.Time) bool {
			_, member := o.ref.Members[user]
			// One's own always; another's with members.view and user
			// management or audit.
			return member && (a == "user:"+user || holdsAtOrg(o, a, "members.view", now) && managerOrAudit(w, o, a, now))
		}},
		{base(o) + "/grants", managerOrAudit},
		{base(o) + "/grants?subject=" + url.QueryEscape(w.drawSubject(t, o)), nil},
		{base(o) + "/invitations", managerOrAudit},
		{base(o) + "/keys", perm("keys.manage")},
		{base(o) + "/roles", nil},
		{base(o) + "/permissions", nil},
		{base(o) + "/matrix?format=md", nil},
		{base(o) + "/resources?type=" + typ, nil},
		{base(o) + "/resources/" + typ + "/" + id, func(w *world, o *worldOrg, a string, now time.Time) bool {
			_, exists := o.ref.Resources[ref]
			return exists && seesResource(o, a, ref, now)
		}},
		{base(o) + "/resources/" + typ + "/" + id + "/access", nil},
		{base(o) + "/audit?limit=5", audit},
		{base(o) + "/audit/verify", audit},
		{base(o) + "/billing", perm("billing.view")},
		{base(o) + "/groups", perm("members.view")},
		{base(o) + "/teams", func(w *world, o *worldOrg, a string, now time.Time) bool {
			return holdsAtOrg(o, a, "members.view", now) || managesATeam(o, a, now)
		}},
		{"/v1/me", nil},
	}
	rd := pick(w, reads)
	if rd.path == "/v1/me" {
		si.noOrg = true
	}
	r := w.request(t, si, "GET", rd.path, nil)
	if rd.rule == nil || si.actor == nil || !si.live || !si.active {
		return
	}
	may := rd.rule(w, o, si.actor.subject(), w.s.clock.Now())
	switch {
	case may && r.status != 200:
		w.fail(t, "GET %s by %s: status %d, but the reference says it may read: %s", rd.path, si.actor.label, r.status, r.body)
	case !may && r.status == 200:
		w.fail(t, "GET %s by %s: 200, but the reference says it may not read", rd.path, si.actor.label)
	}
}

func opCheck(t *rapid.T, w *world, si *stepInfo) {
	si.read = true
	o := si.org
	body := map[string]any{"at_least_revision": w.rev}
	self := w.between(0, 2) > 0
	if !self {
		body["subject"] = w.drawSubject(t, o)
	}
	target := ""
	if w.between(0, 3) > 0 {
		target = w.drawRef(t, o)
		body["resource"] = target
	}
	perms := permsFor(o, target)
	if len(perms) == 0 || w.between(0, 19) == 0 {
		perms = o.sc.PermissionIDs()
	}
	perm := pick(w, perms)
	body["permission"] = perm
	if len(o.sc.Channels) > 0 && w.coin() {
		body["context"] = map[string]any{"channel": pick(w, o.sc.Channels)}
	}
	r := w.request(t, si, "POST", base(o)+"/check", body)
	if r.status != 200 {
		return
	}
	subject, _ := body["subject"].(string)
	if subject == "" {
		subject = si.actor.subject()
	}
	ch := ""
	if c, ok := body["context"].(map[string]any); ok {
		ch = c["channel"].(string)
	}
	want, err := o.ref.Check(reference.Request{Subject: subject, Permission: perm, Resource: target, Channel: ch, Now: w.s.clock.Now()})
	if err != nil {
		w.fail(t, "check answered 200 where the reference errs (%v)", err)
	}
	if got := r.obj(t)["allowed"].(bool); got != want {
		w.fail(t, "check %s %s %q over HTTP: %v, reference %v", subject, perm, target, got, want)
	}
	if rev := r.num(t, "revision"); rev < w.rev {
		w.fail(t, "check with at_least_revision %d answered from revision %d", w.rev, rev)
	}
}

func opLookup(t *rapid.T, w *world, si *stepInfo) {
	si.read = true
	o := si.org
	typ := pick(w, o.sc.Types).ID
	perms := permsFor(o, typ+":x")
	if len(perms) == 0 {
		perms = o.sc.PermissionIDs()
	}
	perm := pick(w, perms)
	var got []string
	token := ""
	for range 20 {
		r := w.request(t, si, "POST", base(o)+"/lookup/resources", map[string]any{"permission": perm, "type": typ, "limit": 2,
			"page_token": token, "at_least_revision": w.rev})
		if r.status != 200 {
			return
		}
		var page struct {
			Items []string `json:"items"`
			Next  string   `json:"next_page_token"`
		}
		json.Unmarshal(r.body, &page)
		got = append(got, page.Items...)
		if token = page.Next; token == "" {
			break
		}
	}
	want, err := o.ref.LookupResources(si.actor.subject(), perm, typ, "", w.s.clock.Now())
	if err == nil && !slices.Equal(got, want) && len(got)+len(want) > 0 {
		w.fail(t, "lookup/resources %s %s for %s over HTTP: %v, reference %v", perm, typ, si.actor.label, got, want)
	}
}

func opInvitation(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	var here, there []string
	for _, i := range o.invs {
		here = append(here, i.id)
	}
	for _, i := range w.other(o).invs {
		there = append(there, i.id)
	}
	id := w.drawID(t, here, there, "inv")
	if w.coin() {
		r := w.request(t, si, "POST", base(o)+"/invitations/"+id+"/resend", nil)
		if r.status == 200 {
			for _, i := range o.invs {
				if i.id == id {
					// A new token is a new invitation: its resender is its
					// inviter, whose power acceptance is judged by.
					if got := r.str(t, "invited_by"); got != si.actor.subject() {
						w.fail(t, "resent invitation %s names %s as inviter, not its resender %s", id, got, si.actor.subject())
					}
					i.token, i.inviter = r.str(t, "token"), si.actor.subject()
					w.remember(i.token)
					si.revealedInv = i
				}
			}
		}
		return
	}
	w.request(t, si, "DELETE", base(o)+"/invitations/"+id, nil)
}

func opOrgSettings(t *rapid.T, w *world, si *stepInfo) {
	o := si.org
	switch w.between(0, 2) {
	case 0:
		w.request(t, si, "PATCH", base(o), map[string]any{"name": "Renamed " + o.id})
	case 1:
		w.request(t, si, "PATCH", base(o)+"/billing", map[string]any{"seat_limit": 30, "billing_email": "pay@" + o.id + ".test"})
	default:
		w.request(t, si, "PATCH", base(o), map[string]any{"id": w.other(o).id})
	}
}

func opLogout(t *rapid.T, w *world, si *stepInfo) {
	si.noOrg, si.session = true, true
	if si.actor == nil || si.actor.person == nil || si.actor.person.session != si.actor {
		si.read = true
		w.request(t, si, "GET", "/v1/me", nil)
		return
	}
	p := si.actor.person
	r := w.request(t, si, "POST", "/v1/auth/logout", nil)
	if r.status != 204 {
		w.fail(t, "logout of a live session: %d", r.status)
	}
	p.loggedOut = append(p.loggedOut, si.actor.token)
	old := si.actor
	// The very next request with the ended session is refused.
	if r := w.s.do(t, old.token, "GET", "/v1/me", nil); r.status != 401 {
		w.fail(t, "request right after logout: %d, want 401", r.status)
	}
	// The person logs in again; the old actor stays, dead.
	tok := w.s.login(t, p.email, p.password)
	w.remember(tok)
	p.session = &actor{label: old.label + "'", token: tok, person: p}
	w.actors = append(w.actors, p.session)
	old.label += "(logged out)"
}

func opClock(t *rapid.T, w *world, si *stepInfo) {
	si.clock, si.read, si.noOrg = true, true, true
	w.s.clock.Advance(61 * time.Minute)
	w.logf("clock +61m")
	si.actor = nil
	w.request(t, si, "GET", "/healthz", nil)
}

// --- invariants -----------------------------------------------------------

// live reports whether the actor's credential authenticates now. A key
// authenticates only while its owner is a member (rule 10).
func (w *world) live(a *actor) bool {
	if a.person != nil {
		return a.person.session == a
	}
	for _, o := range w.orgs {
		if o.id == a.key.org {
			if _, member := o.ref.Members[o.ref.Keys[a.key.id].Owner]; !member {
				return false
			}
		}
	}
	return a.key.live(a.token, w.s.clock.Now())
}

// activeIn reports whether the actor may see the org at all.
func (w *world) activeIn(a *actor, o *worldOrg) bool {
	if a.key != nil {
		return a.key.org == o.id
	}
	if _, ok := o.ref.Members[a.person.id]; !ok {
		return false
	}
	return holdsAtOrg(o, a.subject(), "org.view", w.s.clock.Now())
}

// checkStep checks every invariant after a step.
func (w *world) checkStep(t *rapid.T, si *stepInfo) {
	r := si.resp
	if r == nil {
		w.fail(t, "step %s sent nothing", si.op)
	}
	now := w.s.clock.Now()
	authed := !(si.op == "accept" || si.op == "clock")
	// Credentials: dead ones get 401, live ones never; outsiders get 404.
	if authed {
		switch {
		case si.actor == nil:
			if r.status != 401 {
				w.fail(t, "no credential: %d, want 401", r.status)
			}
		case !si.live:
			if r.status != 401 {
				w.fail(t, "%s's dead credential: %d, want 401", si.actor.label, r.status)
			}
		case r.status == 401:
			w.fail(t, "%s's live credential: 401", si.actor.label)
		case !si.noOrg && !si.active && r.status != 404:
			w.fail(t, "%s does not belong to %s: %d, want 404", si.actor.label, si.org.id, r.status)
		}
	}
	if r.status == 400 {
		w.fail(t, "a well-formed request answered 400: %s", r.body)
	}
	if r.status >= 400 {
		w.stats.refused.Add(1)
	}
	// Writes: which organizations changed, and only the one asked about.
	rev := w.s.currentRevision(t)
	moved := rev != w.rev
	var changed []*worldOrg
	accountOnly := false
	if moved {
		for _, o := range w.orgs {
			if seq := w.s.lastAuditSeq(t, o.id); seq != o.auditSeq {
				if w.accountEventsOnly(t, o) {
					accountOnly = true
					continue
				}
				changed = append(changed, o)
			}
		}
	}
	// Sign-ins (failed ones too) and sign-outs are audited in every org of
	// the person, as bookkeeping of the account, not of the org: a write
	// that recorded only those changed no organization.
	wrote := moved && (len(changed) > 0 || !accountOnly)
	if wrote && !si.session {
		if r.status >= 400 {
			w.fail(t, "a refused request (%d) moved the revision from %d to %d", r.status, w.rev, rev)
		}
		if si.read {
			w.fail(t, "a read moved the revision from %d to %d", w.rev, rev)
		}
	}
	w.rev = rev
	for _, o := range changed {
		w.stats.writes.Add(1)
		switch {
		case si.accepted != nil:
			if o.id != si.accepted.org {
				w.fail(t, "accepting an invitation of %s wrote %s", si.accepted.org, o.id)
			}
		case si.noOrg || o != si.org:
			w.fail(t, "a request about %v wrote %s", orgName(si), o.id)
		}
		w.checkAuditEvents(t, si, o)
		oldSnap, oldRef := o.snap, o.ref
		w.reload(t, o)
		prev := &worldOrg{idx: o.idx, id: o.id, sc: o.sc, snap: oldSnap, ref: oldRef}
		d := diffOf(&oldSnap, &o.snap)
		w.verifyChanges(t, si, prev, d, now)
		if d.empty() {
			continue // an invitation, a rename, billing: no access changed
		}
		gained := w.recompute(t, o, now, o.allowed)
		w.attribute(t, si, o, d, gained)
		w.compareLookups(t, o, now)
	}
	if si.clock {
		for _, o := range w.orgs {
			if !o.expires() {
				continue // nothing here depends on time
			}
			if gained := w.recompute(t, o, now, o.allowed); len(gained) > 0 {
				w.fail(t, "time passing gave %s %s on %q", gained[0].subject, gained[0].perm, gained[0].resource)
			}
		}
	}
	for _, o := range w.orgs {
		n := o.topHolders()
		if o.sc.UniqueTop && n != 1 || n < 1 {
			w.fail(t, "%s has %d holders of %s", o.id, n, o.sc.TopRole)
		}
		eo, _ := w.s.svc.Engine().Org(o.id)
		if m := eo.RoleHolders(o.sc.TopRole); m != n {
			w.fail(t, "%s: the engine counts %d holders of %s, the store %d", o.id, m, o.sc.TopRole, n)
		}
	}
	w.checkIsolation(t, si)
	for _, f := range si.after {
		f(t)
	}
}

func orgName(si *stepInfo) string {
	if si.noOrg || si.org == nil {
		return "no organization"
	}
	return si.org.id
}

// accountEvents are the events about a person's account, appended to every
// org the person belongs to.
var accountEvents = map[string]bool{"session.login": true, "session.login_failed": true, "session.logout": true, "session.end": true}

// accountEventsOnly reports whether o's new audit events are all account
// events, and if so takes them as seen.
func (w *world) accountEventsOnly(t *rapid.T, o *worldOrg) bool {
	evs := w.s.auditOf(t, o.id)
	last := o.auditSeq
	for _, e := range evs {
		if e.Seq <= o.auditSeq {
			continue
		}
		if !accountEvents[e.Action] {
			return false
		}
		if e.Actor != "anonymous" && !strings.HasPrefix(e.Actor, "user:") {
			w.fail(t, "%s: account event %d (%s) names %s", o.id, e.Seq, e.Action, e.Actor)
		}
		last = e.Seq
	}
	o.auditSeq = last
	return true
}

// checkAuditEvents: the step's new audit events name its actor and carry
// its request id.
func (w *world) checkAuditEvents(t *rapid.T, si *stepInfo, o *worldOrg) {
	evs := w.s.auditOf(t, o.id)
	want := ""
	switch {
	case si.accepted != nil && si.acceptor != nil:
		want = "user:" + si.acceptor.id
	case si.actor != nil:
		want = si.actor.subject()
	}
	reqID := si.resp.header.Get("X-Request-Id")
	n := 0
	for _, e := range evs {
		if e.Seq <= o.auditSeq {
			continue
		}
		n++
		if want != "" && e.Actor != want {
			w.fail(t, "%s: audit event %d (%s) names %s, the request was %s's", o.id, e.Seq, e.Action, e.Actor, want)
		}
		if e.RequestID != reqID {
			w.fail(t, "%s: audit event %d carries request id %s, the request's was %s", o.id, e.Seq, e.RequestID, reqID)
		}
		o.auditSeq = e.Seq
	}
	if n == 0 {
		w.fail(t, "%s changed but no audit event was added", o.id)
	}
}

// checkIsolation: an answer about one org carries nothing that only the
// other has, except what the request itself sent.
func (w *world) checkIsolation(t *rapid.T, si *stepInfo) {
	if si.noOrg || si.org == nil {
		return
	}
	body := string(si.resp.body)
	other := w.other(si.org)
	for id := range other.known {
		if si.org.known[id] || len(id) < 6 || strings.Contains(si.input, id) {
			continue
		}
		if strings.Contains(body, id) {
			w.fail(t, "an answer about %s carries %q, which only %s has: %s", si.org.id, id, other.id, body)
		}
	}
}

// finish scans the log and the audit logs of the sequence and verifies
// both chains.
func (w *world) finish(t *rapid.T) {
	if os.Getenv("GATEHOUSE_STATEFUL_TRACE") != "" {
		fmt.Fprintf(os.Stderr, "sequence %d:\n  %s\n", w.seq, strings.Join(w.trace, "\n  "))
	}
	log, off := w.s.logs.Since(w.logOff)
	w.logOff = off
	scanForSecrets(t, "the server log", log, w.secrets)
	for _, o := range w.orgs {
		w.verifyAudit(t, o)
	}
	w.s.forget(w.secrets)
}

// --- what changed, and was it allowed ---------------------------------------

type orgDiff struct {
	grantsAdded, grantsRemoved   []domain.Grant
	membersAdded, membersRemoved []domain.Member
	rolesChanged                 [][2]domain.Member
	keysAdded                    []domain.KeyRecord
	keysChanged                  [][2]domain.KeyRecord
	customAdded, customRemoved   []domain.Role
	resAdded, resRemoved         []domain.Resource
	resChanged                   [][2]domain.Resource
	groupsAdded, groupsRemoved   []string
	gmAdded, gmRemoved           []domain.Membership
	teamsAdded, teamsRemoved     []string
	tmAdded, tmRemoved           []domain.Membership
}

func (d *orgDiff) empty() bool {
	return len(d.grantsAdded)+len(d.grantsRemoved)+len(d.membersAdded)+len(d.membersRemoved)+len(d.rolesChanged)+
		len(d.keysAdded)+len(d.keysChanged)+len(d.customAdded)+len(d.customRemoved)+len(d.resAdded)+len(d.resRemoved)+
		len(d.resChanged)+len(d.groupsAdded)+len(d.groupsRemoved)+len(d.gmAdded)+len(d.gmRemoved)+len(d.teamsAdded)+
		len(d.teamsRemoved)+len(d.tmAdded)+len(d.tmRemoved) == 0
}

func diffOf(a, b *domain.Snapshot) orgDiff {
	var d orgDiff
	ga, gb := map[string]domain.Grant{}, map[string]domain.Grant{}
	for _, g := range a.Grants {
		ga[g.ID] = g
	}
	for _, g := range b.Grants {
		gb[g.ID] = g
		if _, ok := ga[g.ID]; !ok {
			d.grantsAdded = append(d.grantsAdded, g)
		}
	}
	for _, g := range a.Grants {
		if _, ok := gb[g.ID]; !ok {
			d.grantsRemoved = append(d.grantsRemoved, g)
		}
	}
	ma, mb := map[string]domain.Member{}, map[string]domain.Member{}
	for _, m := range a.Members {
		ma[m.UserID] = m
	}
	for _, m := range b.Members {
		mb[m.UserID] = m
		old, ok := ma[m.UserID]
		switch {
		case !ok:
			d.membersAdded = append(d.membersAdded, m)
		case old.Role != m.Role:
			d.rolesChanged = append(d.rolesChanged, [2]domain.Member{old, m})
		}
	}
	for _, m := range a.Members {
		if _, ok := mb[m.UserID]; !ok {
			d.membersRemoved = append(d.membersRemoved, m)
		}
	}
	ka := map[string]domain.KeyRecord{}
	for _, k := range a.Keys {
		ka[k.ID] = k
	}
	for _, k := range b.Keys {
		old, ok := ka[k.ID]
		switch {
		case !ok:
			d.keysAdded = append(d.keysAdded, k)
		case !old.RevokedAt.Equal(k.RevokedAt) || string(old.Hash) != string(k.Hash) || !old.ExpiresAt.Equal(k.ExpiresAt) || old.Owner != k.Owner:
			d.keysChanged = append(d.keysChanged, [2]domain.KeyRecord{old, k})
		}
	}
	ra, rb := map[string]bool{}, map[string]bool{}
	for _, r := range a.Roles {
		ra[r.ID] = true
	}
	for _, r := range b.Roles {
		rb[r.ID] = true
		if !ra[r.ID] {
			d.customAdded = append(d.customAdded, r)
		}
	}
	for _, r := range a.Roles {
		if !rb[r.ID] {
			d.customRemoved = append(d.customRemoved, r)
		}
	}
	xa, xb := map[string]domain.Resource{}, map[string]domain.Resource{}
	for _, r := range a.Resources {
		xa[r.Type+":"+r.ID] = r
	}
	for _, r := range b.Resources {
		k := r.Type + ":" + r.ID
		xb[k] = r
		old, ok := xa[k]
		switch {
		case !ok:
			d.resAdded = append(d.resAdded, r)
		case old.Name != r.Name || old.Parent != r.Parent || old.Team != r.Team || old.Owner != r.Owner || !maps.Equal(old.Attributes, r.Attributes):
			d.resChanged = append(d.resChanged, [2]domain.Resource{old, r})
		}
	}
	for _, r := range a.Resources {
		if _, ok := xb[r.Type+":"+r.ID]; !ok {
			d.resRemoved = append(d.resRemoved, r)
		}
	}
	d.groupsAdded, d.groupsRemoved = setDiff(idsOf(a.Groups), idsOf(b.Groups))
	d.teamsAdded, d.teamsRemoved = setDiff(teamIDsOf(a.Teams), teamIDsOf(b.Teams))
	d.gmAdded, d.gmRemoved = membershipDiff(a.GroupMembers, b.GroupMembers)
	d.tmAdded, d.tmRemoved = membershipDiff(a.TeamMembers, b.TeamMembers)
	return d
}

func idsOf(gs []domain.Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func teamIDsOf(ts []domain.Team) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func setDiff(a, b []string) (added, removed []string) {
	for _, x := range b {
		if !slices.Contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			removed = append(removed, x)
		}
	}
	return
}

func membershipDiff(a, b []domain.Membership) (added, removed []domain.Membership) {
	key := func(m domain.Membership) string { return m.Parent + "/" + m.UserID }
	ka, kb := map[string]bool{}, map[string]bool{}
	for _, m := range a {
		ka[key(m)] = true
	}
	for _, m := range b {
		kb[key(m)] = true
		if !ka[key(m)] {
			added = append(added, m)
		}
	}
	for _, m := range a {
		if !kb[key(m)] {
			removed = append(removed, m)
		}
	}
	return
}

// verifyChanges: every change of the step was within its actor's power on
// the state before it (prev).
func (w *world) verifyChanges(t *rapid.T, si *stepInfo, prev *worldOrg, d orgDiff, now time.Time) {
	actor := ""
	if si.actor != nil {
		actor = si.actor.subject()
	}
	inviter := ""
	if si.accepted != nil {
		inviter = si.accepted.inviter
	}
	// Power flow: a secret or token an answer reveals hands its power to
	// the actor, who must have been able to grant that power before the
	// step (a key's grants as for creating it, an invitation's role and
	// grants as for inviting).
	if si.revealedKey != "" {
		for _, g := range prev.snap.Grants {
			if g.Subject != domain.KeySubject(si.revealedKey) {
				continue
			}
			role, ok := prev.ref.Role(g.Role)
			if !ok {
				continue
			}
			if err := covers(prev, actor, role, g.Scope, now); err != nil {
				w.fail(t, "rotating key %s revealed %s at %s to %s, who does not hold it: %v", si.revealedKey, g.Role, g.Scope, actor, err)
			}
		}
	}
	if inv := si.revealedInv; inv != nil {
		if inv.role != prev.sc.BaseRole {
			if err := mayGrant(prev, actor, inv.role, domain.OrgScope(), now); err != nil {
				w.fail(t, "resending invitation %s revealed a %s token to %s: %v", inv.id, inv.role, actor, err)
			}
		}
		for _, ig := range inv.grants {
			sc, _ := domain.ParseScope(ig.Scope)
			if err := mayGrant(prev, actor, ig.Role, sc, now); err != nil {
				w.fail(t, "resending invitation %s revealed %s at %s to %s: %v", inv.id, ig.Role, ig.Scope, actor, err)
			}
		}
	}
	newKeys := map[string]bool{}
	for _, k := range d.keysAdded {
		newKeys[k.ID] = true
		if k.CreatedBy != actor || !holdsAtOrg(prev, actor, "keys.manage", now) {
			w.fail(t, "key %s made by %s (request by %s) without keys.manage", k.ID, k.CreatedBy, actor)
		}
	}
	for _, kk := range d.keysChanged {
		if !holdsAtOrg(prev, actor, "keys.manage", now) {
			w.fail(t, "key %s changed by %s without keys.manage", kk[0].ID, actor)
		}
		if kk[0].Owner == kk[1].Owner {
			continue
		}
		// A transfer: both the actor and the new owner held what the key holds.
		for _, g := range prev.snap.Grants {
			role, ok := prev.ref.Role(g.Role)
			if g.Subject != domain.KeySubject(kk[1].ID) || !ok {
				continue
			}
			for _, who := range []string{actor, "user:" + kk[1].Owner} {
				if err := covers(prev, who, role, g.Scope, now); err != nil {
					w.fail(t, "key %s went to %s (by %s) holding %s at %s beyond %s: %v", kk[1].ID, kk[1].Owner, actor, g.Role, g.Scope, who, err)
				}
			}
		}
	}
	for _, g := range d.grantsAdded {
		switch {
		case g.Subject.Kind == domain.SubjectKey && newKeys[g.Subject.ID]:
			role, ok := prev.ref.Role(g.Role)
			if !ok {
				w.fail(t, "key %s holds unknown role %s", g.Subject.ID, g.Role)
			}
			if err := covers(prev, actor, role, g.Scope, now); err != nil {
				w.fail(t, "key %s holds %s at %s, more than its creator: %v", g.Subject.ID, g.Role, g.Scope, err)
			}
			// Rule 2: nobody makes a holder of the top role but a holder,
			// and where it is unique only transfer does.
			if g.Role == prev.sc.TopRole {
				a, _ := domain.ParseSubject(actor)
				if prev.sc.UniqueTop || a.Kind != domain.SubjectUser || prev.ref.Members[a.ID] != prev.sc.TopRole {
					w.fail(t, "%s made key %s holding the top role %s", actor, g.Subject.ID, g.Role)
				}
			}
		case si.accepted != nil:
			if g.CreatedBy != inviter {
				w.fail(t, "grant %s of an accepted invitation names %s, the inviter was %s", g.ID, g.CreatedBy, inviter)
			}
			if err := mayGrant(prev, inviter, g.Role, g.Scope, now); err != nil {
				w.fail(t, "accepting %s's invitation granted %s at %s: %v", inviter, g.Role, g.Scope, err)
			}
		default:
			if g.CreatedBy != actor {
				w.fail(t, "grant %s names %s as granter, the request was %s's", g.ID, g.CreatedBy, actor)
			}
			if err := mayGrant(prev, actor, g.Role, g.Scope, now); err != nil {
				w.fail(t, "%s granted %s %s at %s: %v", actor, g.Subject, g.Role, g.Scope, err)
			}
		}
	}
	removedUsers := map[string]bool{}
	for _, m := range d.membersRemoved {
		removedUsers[m.UserID] = true
	}
	removedRes := map[string]bool{}
	for _, r := range d.resRemoved {
		removedRes[r.Type+":"+r.ID] = true
	}
	removedGroups := map[string]bool{}
	for _, g := range d.groupsRemoved {
		removedGroups[g] = true
	}
	for _, g := range d.grantsRemoved {
		switch {
		case g.Subject.Kind == domain.SubjectUser && removedUsers[g.Subject.ID]:
		case g.Scope.Kind == domain.ScopeResource && removedRes[g.Scope.String()]:
		default:
			// Revoked one by one, or with its group or team: the power to
			// make it.
			if err := mayGrant(prev, actor, g.Role, g.Scope, now); err != nil {
				w.fail(t, "%s took away %s's %s at %s: %v", actor, g.Subject, g.Role, g.Scope, err)
			}
		}
	}
	for _, m := range d.membersAdded {
		inv := si.accepted
		if inv == nil || si.acceptor == nil || m.UserID != si.acceptor.id || m.Role != inv.role {
			w.fail(t, "member %s (%s) appeared outside an acceptance of their invitation", m.UserID, m.Role)
		}
		if m.Role == prev.sc.BaseRole {
			if !managesUsers(prev, inviter, now) && len(inv.grants) == 0 {
				w.fail(t, "%s invited %s as %s without managing users", inviter, m.UserID, m.Role)
			}
		} else if err := mayGrant(prev, inviter, m.Role, domain.OrgScope(), now); err != nil {
			w.fail(t, "accepting %s's invitation made %s a %s: %v", inviter, m.UserID, m.Role, err)
		}
	}
	for _, m := range d.membersRemoved {
		if actor == "user:"+m.UserID {
			continue // leaving
		}
		if err := mayGrant(prev, actor, m.Role, domain.OrgScope(), now); err != nil {
			w.fail(t, "%s removed %s (%s): %v", actor, m.UserID, m.Role, err)
		}
	}
	transfer := si.op == "transfer" && len(d.rolesChanged) == 2
	for _, rc := range d.rolesChanged {
		old, cur := rc[0], rc[1]
		if transfer {
			self := "user:"+old.UserID == actor
			ok := self && old.Role == prev.sc.TopRole && cur.Role == prev.sc.TransferRole ||
				!self && old.Role == prev.sc.TransferRole && cur.Role == prev.sc.TopRole
			if !ok || !prev.sc.UniqueTop {
				w.fail(t, "transfer by %s turned %s from %s into %s", actor, old.UserID, old.Role, cur.Role)
			}
			continue
		}
		if err := mayGrant(prev, actor, cur.Role, domain.OrgScope(), now); err != nil {
			w.fail(t, "%s made %s a %s: %v", actor, old.UserID, cur.Role, err)
		}
		if old.Role != prev.sc.BaseRole {
			if err := mayGrant(prev, actor, old.Role, domain.OrgScope(), now); err != nil {
				w.fail(t, "%s changed the role of %s, a %s: %v", actor, old.UserID, old.Role, err)
			}
		}
	}
	for _, r := range d.customAdded {
		if !managesUsers(prev, actor, now) {
			w.fail(t, "%s created role %s without managing users", actor, r.ID)
		}
		for _, p := range r.Permissions {
			perm, _ := prev.sc.Permission(p.ID)
			wide := perm.Type != scheme.OrgType && func() bool {
				h := prev.ref.Held(actor, p.ID, domain.TypeScope(perm.Type), now)
				return h.Unconditional || len(h.Conditions) > 0
			}()
			if !holdsAtOrg(prev, actor, p.ID, now) && !wide {
				w.fail(t, "%s created role %s holding %s, which it does not hold across the org", actor, r.ID, p.ID)
			}
		}
	}
	for _, r := range d.customRemoved {
		if !managesUsers(prev, actor, now) {
			w.fail(t, "%s deleted role %s without managing users", actor, r.ID)
		}
	}
	for _, r := range d.resAdded {
		if !mayRegister(prev, actor, r, now) {
			w.fail(t, "%s registered %s:%s without its create permission", actor, r.Type, r.ID)
		}
	}
	removedTeams := map[string]bool{}
	for _, id := range d.teamsRemoved {
		removedTeams[id] = true
	}
	for _, rc := range d.resChanged {
		old, cur := rc[0], rc[1]
		if old.Team != "" && removedTeams[old.Team] && cur.Team == "" {
			old.Team = ""
			if old.Name == cur.Name && old.Parent == cur.Parent && old.Owner == cur.Owner && maps.Equal(old.Attributes, cur.Attributes) {
				continue // detached from its deleted team
			}
		}
		ref := old.Type + ":" + old.ID
		if !seesResource(prev, actor, ref, now) || !mayRegister(prev, actor, rc[0], now) || !mayRegister(prev, actor, cur, now) {
			w.fail(t, "%s replaced %s (%+v -> %+v) without the power to remove and register it", actor, ref, rc[0], cur)
		}
		// Conditions hold against the people they limit: a changed owner or
		// attribute may not be what gave the power to change it, so the
		// power must hold whatever value the field takes.
		if v, ok := mayChangeFields(prev, actor, rc[0], cur, now); !ok {
			w.fail(t, "%s changed %s's %s though its power to depends on it", actor, ref, v)
		}
	}
	for _, r := range d.resRemoved {
		if !r.Parent.IsZero() && removedRes[r.Parent.String()] {
			continue // went with its parent
		}
		if !seesResource(prev, actor, r.Type+":"+r.ID, now) || !mayRegister(prev, actor, r, now) {
			w.fail(t, "%s removed %s:%s without the power to", actor, r.Type, r.ID)
		}
	}
	if len(d.groupsAdded)+len(d.groupsRemoved)+len(d.teamsAdded)+len(d.teamsRemoved) > 0 && !managesUsers(prev, actor, now) {
		w.fail(t, "%s created or deleted a group or team without managing users", actor)
	}
	for _, gm := range append(slices.Clone(d.gmAdded), d.gmRemoved...) {
		if removedUsers[gm.UserID] || removedGroups[gm.Parent] {
			continue
		}
		if !managesUsers(prev, actor, now) {
			w.fail(t, "%s changed the members of group %s without managing users", actor, gm.Parent)
		}
		for _, g := range prev.snap.Grants {
			if g.Subject == domain.GroupSubject(gm.Parent) {
				if err := mayGrant(prev, actor, g.Role, g.Scope, now); err != nil {
					w.fail(t, "%s changed the members of group %s, which holds %s at %s: %v", actor, gm.Parent, g.Role, g.Scope, err)
				}
			}
		}
	}
	for _, tm := range append(slices.Clone(d.tmAdded), d.tmRemoved...) {
		if removedUsers[tm.UserID] || removedTeams[tm.Parent] {
			continue
		}
		if inv := si.accepted; inv != nil && si.acceptor != nil && tm.UserID == si.acceptor.id {
			// An invitation's role on a team rosters the invitee there: the
			// inviter must still be able to grant that role on that team.
			rostered := false
			for _, ig := range inv.grants {
				if ig.Scope != domain.TeamScope(tm.Parent).String() {
					continue
				}
				rostered = true
				if err := mayGrant(prev, inviter, ig.Role, domain.TeamScope(tm.Parent), now); err != nil {
					w.fail(t, "accepting %s's invitation rostered %s in team %s: %v", inviter, tm.UserID, tm.Parent, err)
				}
			}
			if rostered {
				continue
			}
		}
		ok := managesUsers(prev, actor, now)
		for _, um := range prev.sc.UserManagement {
			if um.ScopeTypes == nil || slices.Contains(um.ScopeTypes, scheme.TeamType) {
				ok = ok || prev.ref.Held(actor, um.Permission, domain.TeamScope(tm.Parent), now).Unconditional
			}
		}
		if !ok {
			w.fail(t, "%s changed the members of team %s without managing users there", actor, tm.Parent)
		}
	}
}

// attribute: everything that became allowed comes from a change of the
// step to its subject (a grant, a role, a group) or to its resource (or an
// ancestor of it).
func (w *world) attribute(t *rapid.T, si *stepInfo, o *worldOrg, d orgDiff, gained []accessKey) {
	if len(gained) == 0 {
		return
	}
	subjects := map[string]bool{}
	groups := map[string]bool{}
	for _, g := range d.grantsAdded {
		subjects[g.Subject.String()] = true
		if g.Subject.Kind == domain.SubjectGroup {
			groups[g.Subject.ID] = true
		}
	}
	for _, m := range d.membersAdded {
		subjects["user:"+m.UserID] = true
	}
	for _, rc := range d.rolesChanged {
		subjects["user:"+rc[1].UserID] = true
	}
	for _, gm := range d.gmAdded {
		subjects["user:"+gm.UserID] = true
	}
	for g, members := range o.ref.GroupMembers {
		if groups[g] {
			for u := range members {
				subjects["user:"+u] = true
			}
		}
	}
	// A key handed to another owner holds, within its grants, what the new
	// owner holds.
	for _, kk := range d.keysChanged {
		if kk[0].Owner != kk[1].Owner {
			subjects["key:"+kk[1].ID] = true
		}
	}
	// A key holds what its owner holds too, so it gains where its owner did.
	for id, k := range o.ref.Keys {
		if subjects["user:"+k.Owner] {
			subjects["key:"+id] = true
		}
	}
	resources := map[string]bool{}
	for _, r := range d.resAdded {
		resources[r.Type+":"+r.ID] = true
	}
	for _, rc := range d.resChanged {
		resources[rc[1].Type+":"+rc[1].ID] = true
	}
	touched := func(ref string) bool {
		for ref != "" {
			if resources[ref] {
				return true
			}
			ref = o.ref.Resources[ref].Parent.String()
		}
		return false
	}
	for _, k := range gained {
		if subjects[k.subject] || k.resource != "" && touched(k.resource) {
			continue
		}
		w.fail(t, "%s gained %s on %q (channel %q) through no change to it or to the resource (step %s)", k.subject, k.perm, k.resource, k.channel, si.op)
	}
}
