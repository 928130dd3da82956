package sqlstore

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
)

func (t *Tx) PutAlias(org, userID, alias string) error {
	_, err := t.exec(`INSERT INTO member_aliases (org, alias, user_id) VALUES ($1, $2, $3)`,
		org, alias, userID)
	if err != nil {
		return fmt.Errorf("store: put alias %q of member %q of org %q: %w", alias, userID, org, err)
	}
	return nil
}

func (t *Tx) DeleteAlias(org, userID, alias string) error {
	return t.execOne(fmt.Sprintf("delete alias %q of member %q of org %q", alias, userID, org),
		`DELETE FROM member_aliases WHERE org = $1 AND user_id = $2 AND alias = $3`, org, userID, alias)
}

func (t *Tx) ListAliases(org, userID string) ([]string, error) {
	out, err := list(t, fmt.Sprintf("list aliases of member %q of org %q", userID, org), scanString,
		`SELECT alias FROM member_aliases WHERE org = $1 AND user_id = $2 ORDER BY alias`, org, userID)
	if out == nil && err == nil {
		out = []string{}
	}
	return out, err
}

func (t *Tx) ResolveAlias(org, alias string) (string, error) {
	return get(t, fmt.Sprintf("alias %q of org %q", alias, org), scanString,
		`SELECT user_id FROM member_aliases WHERE org = $1 AND alias = $2`, org, alias)
}

// allAliases are an org's aliases in the order given, for its snapshot.
func (t *Tx) allAliases(org string) ([]domain.Alias, error) {
	return list(t, fmt.Sprintf("snapshot aliases of org %q", org), func(s scanner) (domain.Alias, error) {
		a := domain.Alias{Org: org}
		return a, s.Scan(&a.UserID, &a.Alias)
	}, `SELECT user_id, alias FROM member_aliases WHERE org = $1 ORDER BY pos`, org)
}

func scanString(s scanner) (string, error) {
	var v string
	return v, s.Scan(&v)
}
