package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

// accessBlock is one heading of a member's access: a type directly under
// the organization with what its resources and their contents are reached
// by, or the teams. A child type (a project's labels) is no heading of
// its own: its access comes from a grant on its parent and is one row there.
type accessBlock struct {
	ID, Heading string
	Rows        []accessRow
}

// accessRow is one role held somewhere, and the types it acts on there.
type accessRow struct {
	Target  string // "Retail shelves", "All Projects", "Night shift"
	Ref     string // the copyable id of the target, when it has one
	Role    string
	Through string
	Grant   string
	Reaches string // "Labels, Issues and Metrics"
}

// topOf is the type directly under the organization that typ lies in.
func topOf(sc *scheme.Scheme, typ string) string {
	for t, ok := sc.Type(typ); ok; t, ok = sc.Type(t.Parent) {
		if t.Parent == scheme.OrgType {
			return t.ID
		}
	}
	return typ
}

// reachableTypes are the top types some role of the org acts on, in or
// below: the headings a member's access can ever fill.
func (c *orgCtx) reachableTypes() map[string]bool {
	out := map[string]bool{}
	for _, r := range c.loadRoles() {
		for _, p := range r.Permissions {
			if pd, ok := c.sc.Permission(p.ID); ok && pd.Type != scheme.OrgType {
				out[topOf(c.sc, pd.Type)] = true
			}
		}
	}
	return out
}

// accessBlocks arranges an effective access list by where it holds, with
// names: each top type once, a child type as a word of its parent's row,
// a team by its name. manage says whether the reader can grant (it picks
// the empty states' next step).
func (c *orgCtx) accessBlocks(access map[string][]domain.Access, manage bool) accessView {
	v := &view{c: c}
	c.collectionNames()
	// A child type's entry names its parent's scope: those names are looked
	// up too.
	scopes := map[string][]domain.Access{}
	for _, list := range access {
		for _, a := range list {
			if ref, err := domain.ParseRef(a.ID); err == nil && ref.Type != scheme.TeamType {
				scopes[ref.Type] = append(scopes[ref.Type], domain.Access{ID: ref.ID})
			}
		}
	}
	c.nameResources(access)
	c.nameResources(scopes)
	type key struct{ block, target, role, via, grant string }
	rows := map[key]*accessRow{}
	reach := map[key][]string{}
	var order []key
	for _, t := range c.sc.Types {
		for _, a := range access[t.ID] {
			k := key{role: a.Role, via: string(a.Via), grant: a.Grant}
			row := accessRow{Role: v.RoleName(a.Role), Through: v.Via(a), Grant: a.Grant}
			switch {
			case a.ID == "*":
				if sc, err := domain.ParseScope(a.Scope); err == nil && sc.Kind == domain.ScopeType {
					k.block, row.Target = topOf(c.sc, sc.Type), "All "+v.TypeLabel(sc.Type)
				} else {
					k.block, row.Target = topOf(c.sc, t.ID), "All "+v.TypeLabel(topOf(c.sc, t.ID))
				}
			case strings.HasPrefix(a.ID, scheme.TeamType+":"):
				id := strings.TrimPrefix(a.ID, scheme.TeamType+":")
				k.block, row.Target, row.Ref = scheme.TeamType, v.teamName(id), id
			case strings.Contains(a.ID, ":"):
				ref, err := domain.ParseRef(a.ID)
				if err != nil {
					continue
				}
				k.block, row.Target, row.Ref = topOf(c.sc, ref.Type), v.resourceName(a.ID), ref.ID
				if ref.Type != k.block {
					row.Target = v.TypeName(ref.Type) + " " + row.Target
				}
			default:
				k.block, row.Target, row.Ref = topOf(c.sc, t.ID), v.resourceName(t.ID+":"+a.ID), a.ID
				if t.ID != k.block {
					row.Target = v.TypeName(t.ID) + " " + row.Target
				}
			}
			k.target = row.Target
			if _, ok := rows[k]; !ok {
				rows[k] = &row
				order = append(order, k)
			}
			reach[k] = append(reach[k], v.TypeLabel(t.ID))
		}
	}
	reachable := c.reachableTypes()
	var blocks []accessBlock
	add := func(id, heading string) {
		b := accessBlock{ID: id, Heading: heading}
		for _, k := range order {
			if k.block == id {
				r := *rows[k]
				r.Reaches = wordList(reach[k])
				b.Rows = append(b.Rows, r)
			}
		}
		blocks = append(blocks, b)
	}
	for _, t := range c.topTypes() {
		if reachable[t.ID] {
			add(t.ID, t.Plural)
		}
	}
	for _, t := range c.sc.Types {
		if t.Teams {
			add(scheme.TeamType, "Teams")
			break
		}
	}
	out := accessView{}
	var none []string
	for _, b := range blocks {
		if len(b.Rows) > 0 {
			out.Held = append(out.Held, b)
		} else {
			out.None = append(out.None, b)
			none = append(none, b.Heading)
		}
	}
	if len(none) > 0 {
		out.Next = "an admin of the organization can grant a role on one."
		if manage {
			out.Next = "grant a role on one with the form below."
		}
	}
	return out
}

// accessView is a member's access as the page shows it: a heading and a
// table for each place where something is held, then one sentence naming
// the places where nothing is, and the next step.
type accessView struct {
	Held, None []accessBlock
	Next       string
}

// wordList joins words as a sentence does: "A, B and C", each once.
func wordList(ws []string) string {
	var seen []string
	for _, w := range ws {
		if !slices.Contains(seen, w) {
			seen = append(seen, w)
		}
	}
	switch len(seen) {
	case 0:
		return ""
	case 1:
		return seen[0]
	}
	return strings.Join(seen[:len(seen)-1], ", ") + " and " + seen[len(seen)-1]
}

// resourceName is a resource's display name, or its id when the name is
// not known to the reader.
func (v *view) resourceName(ref string) string {
	if v.c != nil && v.c.resources != nil {
		if n := v.c.resources[ref]; n != "" {
			return n
		}
	}
	_, id, _ := strings.Cut(ref, ":")
	return id
}

// teamName is a team's name, or "a team" when the reader cannot list it.
func (v *view) teamName(id string) string {
	if v.c != nil {
		v.c.collectionNames()
		if n, ok := v.c.teams[id]; ok {
			return n
		}
	}
	return "a team"
}

type ownAccessData struct {
	M      team.MemberDetail
	Blocks accessView
}

// ownAccess is "Your access": what the signed-in member holds and where,
// for those whose role does not list the members (where the Member
// Access dialog opens from).
func (h *handler) ownAccess(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	m, err := h.svc.GetMember(r.Context(), c.actor, c.org.ID, c.actor.UserID())
	if err != nil {
		c.fail(err)
		return
	}
	v := c.view("access", "Your access")
	v.Data = ownAccessData{M: m, Blocks: c.accessBlocks(m.Access, false)}
	c.render(http.StatusOK, "access", v)
}

// mayInvite: where the scheme invites with fewer permissions than it
// manages users with (Labelbox: only members.invite invites; a Team
// Manager adds existing members to projects), one of them must be held at
// the organization. Elsewhere user management invites; the service still
// judges each invitation.
func (c *orgCtx) mayInvite() bool {
	restricted := false
	for _, um := range c.sc.UserManagement {
		restricted = restricted || !slices.Contains(c.sc.InvitePermissions, um.Permission)
	}
	if !restricted {
		return true
	}
	for _, p := range c.sc.InvitePermissions {
		res, err := c.h.svc.Check(c.r.Context(), c.actor, c.org.ID, team.CheckRequest{Permission: p})
		if err == nil && res.Allowed {
			return true
		}
	}
	return false
}

// refuseInvite is the refusal of the Invite dialog to one who may not invite.
func (c *orgCtx) refuseInvite() {
	if len(c.sc.InvitePermissions) == 0 {
		c.fail(fault.E(fault.Forbidden, "%s may not invite new members", c.actor.Subject))
		return
	}
	c.fail(fault.E(fault.Forbidden, "%s lacks permission %s on the organization", c.actor.Subject, c.sc.InvitePermissions[0]))
}
