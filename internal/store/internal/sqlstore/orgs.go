package sqlstore

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const orgCols = `o.id, o.name, o.scheme, o.plan_name, o.seat_limit, o.billing_email, o.created_at, o.pat_max_days`

func scanOrg(s scanner, extra ...any) (domain.Org, error) {
	var o domain.Org
	dest := append([]any{&o.ID, &o.Name, &o.Scheme, &o.Plan.Name, &o.Plan.SeatLimit, &o.BillingEmail, ts(&o.CreatedAt), &o.PATMaxDays}, extra...)
	return o, s.Scan(dest...)
}

func (t *Tx) CreateOrg(o domain.Org) error {
	_, err := t.exec(`INSERT INTO orgs (id, name, scheme, plan_name, seat_limit, billing_email, created_at, pat_max_days)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		o.ID, o.Name, o.Scheme, o.Plan.Name, o.Plan.SeatLimit, o.BillingEmail, t.tm(o.CreatedAt), o.PATMaxDays)
	if err != nil {
		return fmt.Errorf("store: create org %q: %w", o.ID, err)
	}
	return nil
}

func (t *Tx) UpdateOrg(o domain.Org) error {
	return t.execOne(fmt.Sprintf("update org %q", o.ID),
		`UPDATE orgs SET name = $2, plan_name = $3, seat_limit = $4, billing_email = $5, pat_max_days = $6 WHERE id = $1`,
		o.ID, o.Name, o.Plan.Name, o.Plan.SeatLimit, o.BillingEmail, o.PATMaxDays)
}

func (t *Tx) GetOrg(id string) (domain.Org, error) {
	return get(t, fmt.Sprintf("org %q", id), func(s scanner) (domain.Org, error) { return scanOrg(s) },
		`SELECT `+orgCols+` FROM orgs o WHERE o.id = $1`, id)
}

func (t *Tx) ListOrgIDs() ([]string, error) {
	return list(t, "list orgs", func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, `SELECT id FROM orgs ORDER BY id`)
}

func (t *Tx) ListOrgsOfUser(userID string) ([]store.OrgRole, error) {
	return list(t, fmt.Sprintf("orgs of user %q", userID), func(s scanner) (store.OrgRole, error) {
		var r store.OrgRole
		var err error
		r.Org, err = scanOrg(s, &r.Role)
		return r, err
	}, `SELECT `+orgCols+`, m.role FROM members m JOIN orgs o ON o.id = m.org
		WHERE m.user_id = $1 ORDER BY o.id`, userID)
}
