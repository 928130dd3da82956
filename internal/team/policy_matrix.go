package team

import (
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/scheme"
)

// The rights matrix marks what Gatehouse's own endpoints use each
// permission for, read off the policy table, so a scheme's catalog says
// which of its entries act here and which only the platform checks.

// Uses maps each permission of the scheme the policy asks for to what it
// is used for: "membership" (org.view), "user management" (the scheme's
// user_management permissions, which hand out roles under rule 2),
// "invite", "audit", or the actions whose rule names it.
func Uses(sc *scheme.Scheme) map[string]string {
	what := map[string][]string{}
	add := func(p, w string) {
		if !slices.Contains(what[p], w) {
			what[p] = append(what[p], w)
		}
	}
	add(orgViewPermission, "membership")
	managers := map[string]bool{}
	for _, um := range sc.UserManagement {
		managers[um.Permission] = true
		add(um.Permission, "user management")
	}
	for _, p := range sc.InvitePermissions {
		add(p, "invite")
	}
	if sc.AuditPermission != "" {
		add(sc.AuditPermission, "audit")
	}
	for _, r := range policy {
		for _, n := range r.needs {
			if n.perms == nil {
				continue
			}
			for _, p := range n.perms(sc) {
				if !managers[p] && p != sc.AuditPermission {
					add(p, string(r.action))
				}
			}
		}
	}
	out := make(map[string]string, len(what))
	for p, ws := range what {
		out[p] = strings.Join(ws, ", ")
	}
	return out
}

// MatrixOf is the scheme's rights matrix with extra (custom) roles, marked
// with Uses.
func MatrixOf(sc *scheme.Scheme, extra ...*scheme.Role) *scheme.Matrix {
	m := scheme.NewMatrix(sc, extra...)
	m.Uses = Uses(sc)
	return m
}
