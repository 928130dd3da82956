package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

const auditPageSize = 50

type auditData struct {
	Actor, Action string
	Actions       []option
	Actors        []option
	Events        []auditRow
	// Older, Newer and Newest link the pages around this one.
	Older, Newer, Newest string
	Verify               *team.AuditVerification
}

// auditRow is an event as a person reads it: names, the action in words,
// and what changed as labelled fields; the raw record stays at hand.
type auditRow struct {
	team.AuditView
	ActorName, TargetName, ActionWords string
	Fields                             []auditField
	Raw                                string
}

// auditField is one field of what an event changed: its value before, after, or both.
type auditField struct {
	Label, Before, After string
	Changed              bool
}

func (h *handler) auditView(c *orgCtx) (*view, error) {
	q := c.r.URL.Query()
	if c.r.Method == http.MethodPost {
		q = url.Values{}
	}
	ctx := c.r.Context()
	d := auditData{Actor: q.Get("actor"), Action: q.Get("action")}
	for _, a := range team.AuditActionsOf(c.sc) {
		d.Actions = append(d.Actions, option{a, actionWords(a)})
	}
	actors, err := h.svc.AuditActors(ctx, c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	actor := d.Actor
	if actor != "" && !strings.Contains(actor, ":") {
		actor = domain.UserSubject(actor).String()
	}
	for _, a := range actors {
		d.Actors = append(d.Actors, option{a.Subject, actorLabel(a)})
	}
	f := team.AuditFilter{Actor: actor, Action: d.Action}
	link := func(k, v string) string {
		nq := url.Values{}
		for k, v := range map[string]string{"actor": d.Actor, "action": d.Action, k: v} {
			if v != "" {
				nq.Set(k, v)
			}
		}
		if len(nq) == 0 {
			return c.path("audit")
		}
		return c.path("audit") + "?" + nq.Encode()
	}
	var p team.Page[team.AuditView]
	newer := false
	if n := q.Get("newer"); n != "" {
		after, perr := strconv.ParseInt(n, 10, 64)
		if perr != nil {
			after = -1 // the service refuses it in words
		}
		if p, newer, err = h.svc.ListAuditNewer(ctx, c.actor, c.org.ID, after, auditPageSize, f); err != nil {
			return nil, err
		}
		if !newer {
			// Back at the top: the newest page, whole.
			q.Del("newer")
			p, err = h.svc.ListAudit(ctx, c.actor, c.org.ID, "", auditPageSize, f)
		}
	} else {
		p, err = h.svc.ListAudit(ctx, c.actor, c.org.ID, q.Get("page"), auditPageSize, f)
		newer = q.Get("page") != ""
	}
	if err != nil {
		return nil, err
	}
	v := c.view("audit", "Audit log")
	for _, e := range p.Items {
		d.Events = append(d.Events, auditRowOf(v, e))
	}
	if p.Next != "" {
		d.Older = link("page", p.Next)
	}
	if newer {
		d.Newest = link("", "")
		if len(p.Items) > 0 {
			d.Newer = link("newer", strconv.FormatInt(p.Items[0].Seq, 10))
		}
	}
	v.Data = d
	return v, nil
}

func actorLabel(a team.AuditActor) string {
	subj, _ := domain.ParseSubject(a.Subject)
	label := a.Name
	switch {
	case subj.Kind == domain.SubjectKey:
		label = "Secret key " + a.Name
	case a.Email != "":
		label += " (" + a.Email + ")"
	}
	if !a.Member {
		if subj.Kind == domain.SubjectKey {
			label += ", revoked"
		} else {
			label += ", former member"
		}
	}
	return label
}

func (h *handler) audit(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.auditView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "audit", v)
}

func (h *handler) verifyAudit(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	res, err := h.svc.VerifyAudit(r.Context(), c.actor, c.org.ID)
	if err != nil {
		c.fail(err)
		return
	}
	v, err := h.auditView(c)
	if err != nil {
		c.fail(err)
		return
	}
	d := v.Data.(auditData)
	d.Verify = &res
	v.Data = d
	c.render(http.StatusOK, "audit", v)
}

// auditActionWords says each action the log records as a person would.
var auditActionWords = map[string]string{
	"org.create": "Organization created", "org.bootstrap": "Organization set up",
	string(team.ActOrgRename): "Organization renamed", string(team.ActOrgTransfer): "Ownership transferred",
	string(team.ActBillingUpdate): "Plan or billing changed",
	string(team.ActMemberRole):    "Member's role changed", string(team.ActMemberRemove): "Member removed",
	string(team.ActInvitationCreate): "Invitation sent", string(team.ActInvitationResend): "Invitation sent again",
	string(team.ActInvitationRevoke): "Invitation revoked", string(team.ActInvitationAccept): "Invitation accepted",
	string(team.ActGrantCreate): "Access granted", string(team.ActGrantDelete): "Access revoked",
	string(team.ActRoleCreate): "Custom role created", "role.update": "Custom role changed",
	string(team.ActRoleDelete): "Custom role deleted",
	string(team.ActKeyCreate):  "Secret key created", string(team.ActKeyRotate): "Secret key rotated",
	string(team.ActKeyRevoke): "Secret key revoked", string(team.ActKeyTransfer): "Secret key handed over",
	string(team.ActTeamCreate): "Team created", string(team.ActTeamRename): "Team renamed",
	string(team.ActTeamDelete): "Team deleted", string(team.ActTeamMemberAdd): "Put on a team",
	string(team.ActTeamMemberRemove): "Taken off a team",
	string(team.ActGroupCreate):      "Group created", string(team.ActGroupRename): "Group renamed",
	string(team.ActGroupDelete): "Group deleted", string(team.ActGroupMemberAdd): "Added to a group",
	string(team.ActGroupMemberRemove): "Removed from a group",
	string(team.ActResourcePut):       "Resource registered or changed", string(team.ActResourceDelete): "Resource deleted",
	"session.login": "Signed in", "session.login_failed": "Sign-in failed", "session.logout": "Signed out",
	"session.end": "Sessions ended", "password.change": "Password changed",
	"password.reset_request": "Password reset asked for", "password.reset": "Password reset",
	string(team.ActTokenCreate): "Personal access token created", "token.revoke": "Personal access token revoked",
	"token.use_failed": "Personal access token refused", string(team.ActTokenPolicy): "Token lifetime cap changed",
}

func actionWords(a string) string {
	if w, ok := auditActionWords[a]; ok {
		return w
	}
	return sentenceCase(strings.NewReplacer(".", " ", "_", " ").Replace(a))
}

func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func auditRowOf(v *view, e team.AuditView) auditRow {
	row := auditRow{AuditView: e, ActionWords: actionWords(e.Action)}
	row.ActorName = v.auditName(e.Names, e.Actor)
	row.TargetName = v.auditTarget(e)
	row.Fields = v.auditFields(e)
	var raw strings.Builder
	if b := prettyJSON(e.Before); b != "" {
		raw.WriteString("before: " + b + "\n")
	}
	if a := prettyJSON(e.After); a != "" {
		raw.WriteString("after: " + a + "\n")
	}
	row.Raw = raw.String()
	return row
}

// auditName names a subject from the event's names, else as the page can.
func (v *view) auditName(names map[string]string, s string) string {
	if s == "" {
		return "the server"
	}
	if n := names[s]; n != "" {
		if strings.HasPrefix(s, "key:") {
			return "secret key " + n
		}
		if strings.HasPrefix(s, "group:") {
			return "group " + n
		}
		return n
	}
	if strings.HasPrefix(s, "user:") {
		return "a former member"
	}
	return v.Subject(s)
}

// auditTarget says what an event acted on.
func (v *view) auditTarget(e team.AuditView) string {
	kind, id, _ := strings.Cut(e.Target, ":")
	n := e.Names[e.Target]
	switch kind {
	case "user", "group", "key":
		return v.auditName(e.Names, e.Target)
	case "org":
		return "the organization"
	case "email":
		return id
	case "role":
		return "role " + v.RoleName(id)
	case "team":
		if n != "" {
			return "team " + n
		}
		return "a deleted team"
	case "":
		return ""
	}
	if n != "" {
		return v.TypeName(kind) + " " + n
	}
	return v.TypeName(kind) + " " + id
}

// auditFieldLabels are the words for the fields events record.
var auditFieldLabels = map[string]string{
	"role": "Role", "scope": "Where", "subject": "Who", "expires_at": "Expires", "created_by": "Created by",
	"created_at": "Created", "last_used_at": "Last used", "revoked_at": "Revoked", "owner": "Owner",
	"name": "Name", "email": "Email", "plan": "Plan", "seat_limit": "Seat limit", "billing_email": "Billing email",
	"grants": "Grants", "members": "Members", "prefix": "Key prefix", "status": "Status", "invited_by": "Invited by",
	"stopped_keys": "Keys stopped", "user_id": "Member", "invitation": "Invitation", "key": "Key",
	"resource": "Resource", "removed": "Also removed", "permissions": "Permissions", "scope_type": "Granted at",
	"type": "Type", "parent": "Parent", "team": "Team", "attributes": "Attributes", "reason": "Reason",
	"via": "Through", "accepted_at": "Accepted", "also_at": "Also granted at", "description": "Description",
	"sessions": "Sessions", "client_addr": "From address", "user_agent": "Browser", "org": "Organization",
}

// auditSkipped fields are ids and bookkeeping: the raw record has them.
var auditSkipped = map[string]bool{"id": true, "revision": true, "hash": true, "secret": true, "builtin": true}

func fieldLabel(k string) string {
	if l, ok := auditFieldLabels[k]; ok {
		return l
	}
	return sentenceCase(strings.ReplaceAll(k, "_", " "))
}

// auditFields lays an event's before and after side by side, field by
// field, in words.
func (v *view) auditFields(e team.AuditView) []auditField {
	before, after := map[string]any{}, map[string]any{}
	var keys []string
	read := func(raw json.RawMessage, into map[string]any) {
		var x any
		if len(raw) == 0 || json.Unmarshal(raw, &x) != nil || x == nil {
			return
		}
		m, ok := x.(map[string]any)
		if !ok {
			m = map[string]any{"value": x}
		}
		for k, val := range m {
			into[k] = val
			if !slices.Contains(keys, k) && !auditSkipped[k] {
				keys = append(keys, k)
			}
		}
	}
	read(e.After, after)
	read(e.Before, before)
	order := func(k string) int {
		i := slices.Index([]string{"name", "email", "subject", "role", "scope", "expires_at", "owner"}, k)
		if i < 0 {
			return 100
		}
		return i
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		if d := order(a) - order(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	var out []auditField
	for _, k := range keys {
		f := auditField{Label: fieldLabel(k)}
		bv, hadB := before[k]
		av, hadA := after[k]
		if hadB {
			f.Before = v.auditValue(e.Names, k, bv)
		}
		if hadA {
			f.After = v.auditValue(e.Names, k, av)
		}
		f.Changed = hadB && hadA && f.Before != f.After
		if hadB && hadA && !f.Changed {
			f.Before = "" // unchanged: said once
		}
		out = append(out, f)
	}
	return out
}

// auditValue says one recorded value in words: names for ids, role names,
// scopes and times as the rest of the console says them.
func (v *view) auditValue(names map[string]string, key string, val any) string {
	switch x := val.(type) {
	case nil:
		if strings.HasSuffix(key, "_at") {
			return "never"
		}
		return "none"
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return v.auditString(names, key, x)
	case []any:
		if len(x) == 0 {
			return "none"
		}
		var parts []string
		for _, y := range x {
			parts = append(parts, v.auditValue(names, strings.TrimSuffix(key, "s"), y))
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		if r, ok := x["role"].(string); ok {
			s := v.RoleName(r)
			if sc, ok := x["scope"].(string); ok {
				s += " on " + v.auditString(names, "scope", sc)
			}
			if ex, ok := x["expires_at"].(string); ok && ex != "" {
				s += " until " + v.auditString(names, "expires_at", ex)
			}
			return s
		}
		if n, ok := x["name"].(string); ok && n != "" {
			return n
		}
		var ks []string
		for k := range x {
			if !auditSkipped[k] {
				ks = append(ks, k)
			}
		}
		slices.Sort(ks)
		var parts []string
		for _, k := range ks {
			parts = append(parts, fieldLabel(k)+": "+v.auditValue(names, k, x[k]))
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

func (v *view) auditString(names map[string]string, key, s string) string {
	if s == "" {
		return "none"
	}
	if key == "scope" {
		if sc, err := domain.ParseScope(s); err == nil && names[s] != "" {
			if sc.Kind == domain.ScopeTeam {
				return "team " + names[s]
			}
			return v.TypeName(sc.Type) + " " + names[s]
		}
		return v.Scope(s)
	}
	if n := names[s]; n != "" {
		return n
	}
	switch {
	case key == "role" || strings.HasSuffix(key, "_role"):
		return v.RoleName(s)
	case strings.HasSuffix(key, "_at"):
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return when(t)
		}
	case key == "permission" && v.Scheme != nil:
		if p, ok := v.Scheme.Permission(s); ok && p.Description != "" {
			return p.Description
		}
	}
	return s
}
