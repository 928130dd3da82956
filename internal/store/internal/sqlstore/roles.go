package sqlstore

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
)

const roleCols = `org, id, name, scope_type, also_at, permissions, description`

func scanRole(s scanner) (domain.Role, error) {
	var r domain.Role
	var alsoAt, perms []byte
	if err := s.Scan(&r.Org, &r.ID, &r.Name, &r.ScopeType, &alsoAt, &perms, &r.Description); err != nil {
		return r, err
	}
	if err := fromJSON(alsoAt, &r.AlsoAt); err != nil {
		return r, err
	}
	return r, fromJSON(perms, &r.Permissions)
}

// PutRole stores a custom role. Builtin is not stored: a stored role never
// is one.
func (t *Tx) PutRole(r domain.Role) error {
	what := fmt.Sprintf("put role %q of org %q", r.ID, r.Org)
	alsoAt, err := jsonText(r.AlsoAt)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	perms, err := jsonText(r.Permissions)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	_, err = t.exec(`INSERT INTO custom_roles (`+roleCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (org, id) DO UPDATE SET name = excluded.name, scope_type = excluded.scope_type,
			also_at = excluded.also_at, permissions = excluded.permissions, description = excluded.description`,
		r.Org, r.ID, r.Name, r.ScopeType, alsoAt, perms, r.Description)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

func (t *Tx) DeleteRole(org, id string) error {
	return t.execOne(fmt.Sprintf("delete role %q of org %q", id, org),
		`DELETE FROM custom_roles WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) GetRole(org, id string) (domain.Role, error) {
	return get(t, fmt.Sprintf("role %q of org %q", id, org), scanRole,
		`SELECT `+roleCols+` FROM custom_roles WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) ListRoles(org string) ([]domain.Role, error) {
	return list(t, fmt.Sprintf("list roles of org %q", org), scanRole,
		`SELECT `+roleCols+` FROM custom_roles WHERE org = $1 ORDER BY pos`, org)
}
