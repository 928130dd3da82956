package authz_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/authz/reference"
	"github.com/gatehouse/gatehouse/internal/domain"
)

// TestEngineMatchesReference: for random orgs of the three schemes, and
// random sequences of removals (and a few puts) applied through
// Engine.Apply, the engine and the naive reference agree on Check,
// LookupResources (all pages, small random page sizes) and LookupSubjects.
// GATEHOUSE_RAPID_CHECKS sets the number of cases (see setRapidChecks).
func TestEngineMatchesReference(t *testing.T) {
	setRapidChecks(t)
	rapid.Check(t, func(t *rapid.T) {
		g := drawOrg(t, propertySize)
		e, ref := build(t, g)
		o, err := e.Org("o")
		if err != nil {
			t.Fatal("org not loaded")
		}
		compare(t, g, o, ref, 6, 2, 1)
		rev := o.Revision()
		for i := range rapid.IntRange(0, 6).Draw(t, "mutations") {
			c, ok := drawMutation(t, g, ref)
			if !ok {
				continue
			}
			rev++
			if err := e.Apply("o", "", rev, []domain.Change{c}); err != nil {
				t.Fatalf("mutation %d %s: engine: %v", i, c.Op, err)
			}
			if err := ref.Apply(c); err != nil {
				t.Fatalf("mutation %d %s: reference: %v", i, c.Op, err)
			}
			t.Logf("mutation %d: %s %s", i, c.Op, describe(c))
			if rapid.IntRange(0, 2).Draw(t, "compare_between") == 0 {
				compare(t, g, o, ref, 4, 1, 1)
			}
		}
		compare(t, g, o, ref, 16, 4, 3)
	})
}

func describe(c domain.Change) string {
	switch {
	case c.Member != nil:
		return c.Member.UserID + " " + c.Member.Role
	case c.Grant != nil:
		return c.Grant.ID + " " + c.Grant.Subject.String() + " " + c.Grant.Role + "@" + c.Grant.Scope.String()
	case c.Resource != nil:
		return c.Resource.Type + ":" + c.Resource.ID + " parent=" + c.Resource.Parent.String() + " team=" + c.Resource.Team + " owner=" + c.Resource.Owner
	case c.Team != nil:
		return c.Team.ID
	case c.Group != nil:
		return c.Group.ID
	case c.Membership != nil:
		return c.Membership.Parent + "/" + c.Membership.UserID
	case c.Role != nil:
		return c.Role.ID
	case c.Key != nil:
		return c.Key.ID
	case c.Gate != nil:
		return c.Gate.Permission
	case c.Approval != nil:
		return c.Approval.ID + " " + c.Approval.Subject.String() + " " + c.Approval.Permission + "@" + c.Approval.Scope()
	}
	return ""
}

// drawMutation draws one change to the current state (read from the
// reference): mostly removals, some replacements and additions.
func drawMutation(t *rapid.T, g *genOrg, ref *reference.State) (domain.Change, bool) {
	pick := func(list []string, label string) (string, bool) {
		if len(list) == 0 {
			return "", false
		}
		return rapid.SampledFrom(list).Draw(t, label), true
	}
	switch op := rapid.IntRange(0, 14).Draw(t, "mutation_op"); op {
	case 0, 1: // a member removed
		u, ok := pick(sortedKeys(ref.Members), "del_member")
		return domain.Change{Op: domain.OpDeleteMember, Member: &domain.Member{UserID: u}}, ok
	case 2, 3: // a grant removed
		id, ok := pick(sortedKeys(ref.Grants), "del_grant")
		return domain.Change{Op: domain.OpDeleteGrant, Grant: &domain.Grant{ID: id}}, ok
	case 4: // a resource removed, with its children and their grants
		r, ok := pick(sortedKeys(ref.Resources), "del_resource")
		ref, _ := domain.ParseRef(r)
		return domain.Change{Op: domain.OpDeleteResource, Resource: &domain.Resource{Type: ref.Type, ID: ref.ID}}, ok
	case 5: // a key revoked
		k, ok := pick(sortedKeys(ref.Keys), "del_key")
		return domain.Change{Op: domain.OpDeleteKey, Key: &domain.KeyRecord{ID: k}}, ok
	case 6: // a group deleted
		x, ok := pick(sortedKeys(ref.Groups), "del_group")
		return domain.Change{Op: domain.OpDeleteGroup, Group: &domain.Group{ID: x}}, ok
	case 7: // a team deleted
		x, ok := pick(g.teams, "del_team")
		return domain.Change{Op: domain.OpDeleteTeam, Team: &domain.Team{ID: x}}, ok
	case 8: // a user leaves a group
		x, ok := pick(g.groups, "del_gm_group")
		if !ok {
			return domain.Change{}, false
		}
		u, ok := pick(sortedKeys(ref.GroupMembers[x]), "del_gm_user")
		return domain.Change{Op: domain.OpDeleteGroupMember, Membership: &domain.Membership{Parent: x, UserID: u}}, ok
	case 9: // a custom role deleted
		x, ok := pick(sortedKeys(ref.Custom), "del_role")
		if ok && rapid.IntRange(0, 2).Draw(t, "del_role_in_use") != 0 {
			// Only roles nobody holds as membership role: the team layer
			// refuses to delete one in use (members keep a live role).
			for _, r := range ref.Members {
				ok = ok && r != x
			}
		}
		if ok {
			g.deleted[x] = true
		}
		return domain.Change{Op: domain.OpDeleteRole, Role: &domain.Role{ID: x}}, ok
	case 10: // a resource replaced: new owner, team, attributes, maybe another parent
		r, ok := pick(sortedKeys(ref.Resources), "put_resource")
		if !ok {
			return domain.Change{}, false
		}
		var existing []domain.Resource
		for _, k := range sortedKeys(ref.Resources) {
			existing = append(existing, ref.Resources[k])
		}
		nr := drawResource(t, g, existing, r)
		return domain.Change{Op: domain.OpPutResource, Resource: &nr}, true
	case 11: // a new grant
		gr, ok := drawGrant(t, g, sortedKeys(ref.Resources))
		return domain.Change{Op: domain.OpPutGrant, Grant: &gr}, ok
	case 12: // a gate set or lifted
		p := rapid.SampledFrom(g.s.PermissionIDs()).Draw(t, "mut_gate_perm")
		if _, gated := ref.Gates[p]; gated && rapid.Bool().Draw(t, "mut_gate_lift") {
			return domain.Change{Op: domain.OpDeleteGate, Gate: &domain.Gate{Permission: p}}, true
		}
		g.gated = append(g.gated, p)
		return domain.Change{Op: domain.OpPutGate, Gate: &domain.Gate{Permission: p, ApproverRole: g.s.TopRole}}, true
	case 13: // a window opened, or one ended early
		if id, ok := pick(sortedKeys(ref.Approvals), "mut_end_approval"); ok && rapid.Bool().Draw(t, "mut_end") {
			a := ref.Approvals[id]
			a.EndedAt = t0
			return domain.Change{Op: domain.OpPutApproval, Approval: &a}, true
		}
		a := drawApproval(t, g, sortedKeys(ref.Resources))
		return domain.Change{Op: domain.OpPutApproval, Approval: &a}, true
	default: // a membership role changed, or a user (re)joins
		u, _ := pick(g.users, "put_member")
		var roles []string
		for _, id := range g.roleIDs() {
			if r, ok := ref.Role(id); ok && g.s.GrantableAt(r, domain.OrgScope()) == nil {
				roles = append(roles, id)
			}
		}
		role, _ := pick(roles, "put_member_role")
		m := &domain.Member{UserID: u, Role: role, ExpiresAt: drawExpiry(t, "put_member_end")}
		if rapid.Bool().Draw(t, "put_member_default_maybe") {
			m.DefaultRole, _ = pick(g.roleIDs(), "put_member_default")
		}
		return domain.Change{Op: domain.OpPutMember, Member: m}, true
	}
}

// compare asks both models the same random questions.
func compare(t *rapid.T, g *genOrg, o *authz.Org, ref *reference.State, nChecks, nLookups, nSubjects int) {
	subjects := g.subjects()
	channels := append([]string{"", "web"}, g.s.Channels...)
	targets := func() []string {
		// Live resources, plus one that may have been deleted.
		out := append([]string{""}, sortedKeys(ref.Resources)...)
		return append(out, resourceRefs(g.snapshot.Resources)...)
	}()
	for range nChecks {
		req := authz.Request{
			Subject:  rapid.SampledFrom(subjects).Draw(t, "subject"),
			Resource: rapid.SampledFrom(targets).Draw(t, "resource"),
			Channel:  rapid.SampledFrom(channels).Draw(t, "channel"),
		}
		now := drawNow(t, "now")
		req.Now = now.UnixNano()
		typ := scopeTypeOfRef(req.Resource)
		if rapid.IntRange(0, 3).Draw(t, "any_perm") == 0 {
			req.Permission = rapid.SampledFrom(g.s.PermissionIDs()).Draw(t, "perm")
		} else {
			req.Permission = rapid.SampledFrom(permsFor(g.s, typ)).Draw(t, "perm")
		}
		d, err := o.Check(&req)
		want, werr := ref.Check(reference.Request{Subject: req.Subject, Permission: req.Permission, Resource: req.Resource, Channel: req.Channel, Now: now})
		if (err != nil) != (werr != nil) {
			t.Fatalf("check %+v at %s: engine error %v, reference error %v", req, now.Format(time.TimeOnly), err, werr)
		}
		if err != nil {
			continue
		}
		if d.Allowed != want {
			t.Fatalf("check %s %s %s ch=%q at %s: engine allowed=%v (reason %+v), reference %v",
				req.Subject, req.Permission, req.Resource, req.Channel, now.Format(time.TimeOnly), d.Allowed, d.Reason, want)
		}
		if d.Allowed {
			checkReason(t, ref, req.Subject, d.Reason, now)
		}
	}
	for range nLookups {
		subject := rapid.SampledFrom(subjects).Draw(t, "lookup_subject")
		typ := rapid.SampledFrom(g.s.Types).Draw(t, "lookup_type").ID
		perm := rapid.SampledFrom(permsFor(g.s, typ)).Draw(t, "lookup_perm")
		channel := rapid.SampledFrom(channels).Draw(t, "lookup_channel")
		now := drawNow(t, "lookup_now")
		limit := rapid.IntRange(0, 4).Draw(t, "page_size")
		got := lookupAll(t, o, &authz.ResourceQuery{Subject: subject, Permission: perm, Type: typ, Channel: channel, Limit: limit, Now: now.UnixNano()})
		want, err := ref.LookupResources(subject, perm, typ, channel, now)
		if err != nil {
			t.Fatalf("reference lookup: %v", err)
		}
		if !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("lookup_resources %s %s %s ch=%q at %s page %d: engine %v, reference %v",
				subject, perm, typ, channel, now.Format(time.TimeOnly), limit, got, want)
		}
	}
	for range nSubjects {
		resource := rapid.SampledFrom(append([]string{""}, sortedKeys(ref.Resources)...)).Draw(t, "ls_resource")
		perm := rapid.SampledFrom(permsFor(g.s, scopeTypeOfRef(resource))).Draw(t, "ls_perm")
		channel := rapid.SampledFrom(channels).Draw(t, "ls_channel")
		now := drawNow(t, "ls_now")
		res, _, err := o.LookupSubjects(&authz.SubjectQuery{Permission: perm, Resource: resource, Channel: channel, Now: now.UnixNano()})
		if err != nil {
			t.Fatalf("lookup_subjects %s %s: %v", perm, resource, err)
		}
		var got []string
		for _, r := range res {
			got = append(got, r.Subject)
			checkReason(t, ref, r.Subject, r.Reason, now)
		}
		want, err := ref.LookupSubjects(perm, resource, channel, now)
		if err != nil {
			t.Fatalf("reference lookup_subjects: %v", err)
		}
		if !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("lookup_subjects %s %s ch=%q at %s: engine %v, reference %v", perm, resource, channel, now.Format(time.TimeOnly), got, want)
		}
	}
}

func scopeTypeOfRef(ref string) string {
	if ref == "" {
		return "org"
	}
	typ, _, _ := strings.Cut(ref, ":")
	return typ
}

// lookupAll collects every page, checking that pages respect the limit and
// ids strictly increase across them.
func lookupAll(t *rapid.T, o *authz.Org, q *authz.ResourceQuery) []string {
	var all []string
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	for pages := 0; ; pages++ {
		p, err := o.LookupResources(q)
		if err != nil {
			t.Fatalf("lookup %+v: %v", q, err)
		}
		if len(p.IDs) > limit {
			t.Fatalf("lookup %+v: page of %d ids, limit %d", q, len(p.IDs), limit)
		}
		for _, id := range p.IDs {
			if len(all) > 0 && id <= all[len(all)-1] {
				t.Fatalf("lookup %+v: id %q after %q", q, id, all[len(all)-1])
			}
			all = append(all, id)
		}
		if p.Next == "" {
			return all
		}
		if len(p.IDs) == 0 || pages > 1000 {
			t.Fatalf("lookup %+v: page %d empty or endless, next %q", q, pages, p.Next)
		}
		q.PageToken = p.Next
	}
}

// checkReason verifies that an allowed decision names something that
// exists: the subject's membership role, or a live grant of the subject or
// of one of its groups with that role.
func checkReason(t *rapid.T, ref *reference.State, subject string, r domain.Reason, now time.Time) {
	switch {
	case r.Via == domain.ViaMembership:
		s, _ := domain.ParseSubject(subject)
		if s.Kind != domain.SubjectUser || ref.Members[s.ID] != r.Role || r.Scope != "org" {
			t.Fatalf("%s: reason %+v, but membership role is %q", subject, r, ref.Members[s.ID])
		}
	case r.Via == domain.ViaDirect || strings.HasPrefix(string(r.Via), "group:"):
		gr, ok := ref.Grants[r.Grant]
		holder := subject
		if r.Via != domain.ViaDirect {
			holder = string(r.Via)
		}
		role := gr.Role
		if s, _ := domain.ParseSubject(subject); role == domain.DefaultRole && s.Kind == domain.SubjectUser {
			role = ref.Defaults[s.ID] // a grant made with the default role names the one it gave
		}
		if !ok || gr.Subject.String() != holder || role != r.Role || gr.Expired(now) {
			t.Fatalf("%s: reason %+v names no live grant (%+v)", subject, r, gr)
		}
	default:
		t.Fatalf("%s: reason %+v: unknown via", subject, r)
	}
}
