package engines

import (
	"context"
	"slices"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"github.com/gatehouse/gatehouse/bench/vi"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// CasbinModel is RBAC with domains: a role is held in a domain that is
// either the org or one dataset (g = user, role, domain), g2 links each
// dataset to its org (the resource hierarchy), and p gives each role its
// actions. A request names the org (the tenant, as in Gatehouse's URL), the
// dataset and the action; the matcher lets a role reach the dataset through
// the dataset itself or through the dataset's org.
const CasbinModel = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, act

[role_definition]
g = _, _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.act == p.act && (g(r.sub, p.sub, r.obj) || (g2(r.obj, r.dom) && g(r.sub, p.sub, r.dom)))
`

// CasbinPolicies lists the org as Casbin policy lines: p for each role and
// dataset permission of the vi scheme, g for memberships and grants, g2
// for dataset→org.
func CasbinPolicies(o *vi.Org) [][]string {
	org := "org:" + vi.OrgID
	var out [][]string
	s, _ := scheme.Get("vi")
	for _, r := range s.Roles {
		for _, p := range r.Perms {
			if strings.HasPrefix(p.Perm.ID, "dataset.") && p.Cond == nil {
				out = append(out, []string{"p", r.ID, p.Perm.ID})
			}
		}
	}
	out = append(out, []string{"g", "user:" + o.Owner, "owner", org})
	for _, a := range o.Admins {
		out = append(out, []string{"g", "user:" + a, "admin", org})
	}
	for _, m := range o.Members {
		out = append(out, []string{"g", "user:" + m, "member", org})
	}
	for _, d := range o.Datasets {
		out = append(out, []string{"g2", "dataset:" + d, org})
	}
	for _, g := range o.Grants {
		out = append(out, []string{"g", "user:" + g.User, g.Role, "dataset:" + g.Dataset})
	}
	return out
}

// sliceAdapter is a read-only persist.Adapter over policy lines in memory:
// Casbin's normal start-up path (LoadPolicy from an adapter) without a file.
type sliceAdapter struct{ lines [][]string }

func (a *sliceAdapter) LoadPolicy(m model.Model) error {
	for _, l := range a.lines {
		if err := persist.LoadPolicyArray(l, m); err != nil {
			return err
		}
	}
	return nil
}
func (a *sliceAdapter) SavePolicy(model.Model) error                              { return nil }
func (a *sliceAdapter) AddPolicy(string, string, []string) error                  { return nil }
func (a *sliceAdapter) RemovePolicy(string, string, []string) error               { return nil }
func (a *sliceAdapter) RemoveFilteredPolicy(string, string, int, ...string) error { return nil }

// Casbin is casbin/v2's Enforcer with CasbinModel.
type Casbin struct {
	e       *casbin.SyncedEnforcer
	org     string
	actions map[string][]string // action → roles that give it
}

// NewCasbin loads o into an enforcer.
func NewCasbin(o *vi.Org) (*Casbin, error) {
	m, err := model.NewModelFromString(CasbinModel)
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewSyncedEnforcer(m, &sliceAdapter{lines: CasbinPolicies(o)})
	if err != nil {
		return nil, err
	}
	c := &Casbin{e: e, org: "org:" + vi.OrgID, actions: map[string][]string{}}
	pol, err := e.GetPolicy()
	if err != nil {
		return nil, err
	}
	for _, p := range pol {
		c.actions[p[1]] = append(c.actions[p[1]], p[0])
	}
	return c, nil
}

func (c *Casbin) Name() string { return "Casbin" }

func (c *Casbin) Close() error { return nil }

func (c *Casbin) Check(_ context.Context, ck vi.Check) (bool, error) {
	return c.e.Enforce("user:"+ck.User, c.org, "dataset:"+ck.Dataset, "dataset."+ck.Perm)
}

func (c *Casbin) BatchCheck(_ context.Context, cs []vi.Check) ([]bool, error) {
	reqs := make([][]any, len(cs))
	for i, ck := range cs {
		reqs[i] = []any{"user:" + ck.User, c.org, "dataset:" + ck.Dataset, "dataset." + ck.Perm}
	}
	return c.e.BatchEnforce(reqs)
}

// ListDatasets uses the role manager: the domains where the user holds a
// role, keeping datasets where that role gives the action and expanding
// the org (through g2's reverse links) where an org role gives it.
func (c *Casbin) ListDatasets(_ context.Context, user, perm string) ([]string, error) {
	act := "dataset." + perm
	sub := "user:" + user
	domains, err := c.e.GetNamedRoleManager("g").GetDomains(sub)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, dom := range domains {
		if !c.gives(c.e.GetRolesForUserInDomain(sub, dom), act) {
			continue
		}
		if dom == c.org {
			all, err := c.e.GetNamedRoleManager("g2").GetUsers(c.org)
			if err != nil {
				return nil, err
			}
			for _, d := range all {
				out = append(out, strings.TrimPrefix(d, "dataset:"))
			}
			continue
		}
		if d, ok := strings.CutPrefix(dom, "dataset:"); ok {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (c *Casbin) gives(roles []string, act string) bool {
	for _, r := range roles {
		if slices.Contains(c.actions[act], r) {
			return true
		}
	}
	return false
}

// WhoCanAccess unions, for every role that gives the action, its users in
// the dataset's domain and (when g2 links the dataset to the org) in the
// org's.
func (c *Casbin) WhoCanAccess(_ context.Context, dataset, perm string) ([]string, error) {
	obj := "dataset:" + dataset
	inOrg, err := c.e.GetNamedRoleManager("g2").HasLink(obj, c.org)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range c.actions["dataset."+perm] {
		users := c.e.GetUsersForRoleInDomain(r, obj)
		if inOrg {
			users = append(users, c.e.GetUsersForRoleInDomain(r, c.org)...)
		}
		for _, u := range users {
			out = append(out, strings.TrimPrefix(u, "user:"))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
