package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const ssoCols = `org, issuer, client_id, secret_sealed, default_role, groups_claim, group_map, enforce, configured_by, updated_at`

func scanSSO(s scanner) (domain.SSOConfig, error) {
	var v domain.SSOConfig
	var groups string
	var enforce int
	if err := s.Scan(&v.Org, &v.Issuer, &v.ClientID, &v.SecretSealed, &v.DefaultRole, &v.GroupsClaim, &groups,
		&enforce, &v.ConfiguredBy, ts(&v.UpdatedAt)); err != nil {
		return v, err
	}
	v.Enforce = enforce != 0
	v.Domains, v.GroupMap = []string{}, map[string]string{}
	return v, fromJSON([]byte(groups), &v.GroupMap)
}

func (t *Tx) GetSSO(org string) (domain.SSOConfig, error) {
	c, err := get(t, fmt.Sprintf("sso of org %q", org), scanSSO, `SELECT `+ssoCols+` FROM sso_configs WHERE org = $1`, org)
	if err != nil {
		return c, err
	}
	c.Domains, err = list(t, fmt.Sprintf("sso domains of org %q", org), scanString,
		`SELECT domain FROM sso_domains WHERE org = $1 ORDER BY domain`, org)
	if c.Domains == nil {
		c.Domains = []string{}
	}
	return c, err
}

func (t *Tx) SSOOrgOfDomain(domain string) (string, error) {
	return get(t, fmt.Sprintf("sso domain %q", domain), scanString, `SELECT org FROM sso_domains WHERE domain = $1`, domain)
}

func (t *Tx) PutSSO(c domain.SSOConfig) error {
	if c.Domains == nil {
		c.Domains = []string{}
	}
	if c.GroupMap == nil {
		c.GroupMap = map[string]string{}
	}
	groups, err := jsonText(c.GroupMap)
	if err != nil {
		return err
	}
	enforce := 0
	if c.Enforce {
		enforce = 1
	}
	_, err = t.exec(`INSERT INTO sso_configs (`+ssoCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (org) DO UPDATE SET issuer = $2, client_id = $3, secret_sealed = $4, default_role = $5,
		groups_claim = $6, group_map = $7, enforce = $8, configured_by = $9, updated_at = $10`,
		c.Org, c.Issuer, c.ClientID, c.SecretSealed, c.DefaultRole, c.GroupsClaim, groups, enforce, c.ConfiguredBy, t.tm(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: put sso of org %q: %w", c.Org, err)
	}
	if _, err := t.exec(`DELETE FROM sso_domains WHERE org = $1`, c.Org); err != nil {
		return fmt.Errorf("store: put sso domains of org %q: %w", c.Org, err)
	}
	for _, d := range c.Domains {
		if _, err := t.exec(`INSERT INTO sso_domains (domain, org) VALUES ($1, $2)`, d, c.Org); err != nil {
			return fmt.Errorf("store: sso domain %q of org %q: %w", d, c.Org, err)
		}
	}
	return nil
}

func (t *Tx) DeleteSSO(org string) error {
	return t.execOne(fmt.Sprintf("delete sso of org %q", org), `DELETE FROM sso_configs WHERE org = $1`, org)
}

func (t *Tx) PutSSOFlow(f domain.SSOFlow) error {
	if len(f.StateHash) == 0 {
		return fmt.Errorf("store: put sso flow: empty state hash")
	}
	// Flows that ended without a callback, an hour or more before this one
	// ends, go as new ones come: the table stays bounded without a sweeper.
	if _, err := t.exec(`DELETE FROM sso_flows WHERE expires_at <= $1`, t.tm(f.ExpiresAt.Add(-time.Hour))); err != nil {
		return fmt.Errorf("store: drop ended sso flows: %w", err)
	}
	_, err := t.exec(`INSERT INTO sso_flows (state_hash, org, nonce, verifier, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		f.StateHash, f.Org, f.Nonce, f.Verifier, t.tm(f.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: put sso flow of org %q: %w", f.Org, err)
	}
	return nil
}

func (t *Tx) TakeSSOFlow(stateHash []byte, now time.Time) (domain.SSOFlow, error) {
	if _, err := t.exec(`DELETE FROM sso_flows WHERE expires_at <= $1`, t.tm(now)); err != nil {
		return domain.SSOFlow{}, fmt.Errorf("store: drop ended sso flows: %w", err)
	}
	if len(stateHash) == 0 {
		return domain.SSOFlow{}, fmt.Errorf("store: sso flow: %w", store.ErrNotFound)
	}
	f, err := get(t, "sso flow", func(s scanner) (domain.SSOFlow, error) {
		var v domain.SSOFlow
		return v, s.Scan(&v.StateHash, &v.Org, &v.Nonce, &v.Verifier, ts(&v.ExpiresAt))
	}, `SELECT state_hash, org, nonce, verifier, expires_at FROM sso_flows WHERE state_hash = $1`, stateHash)
	if err != nil {
		return f, err
	}
	return f, t.execOne("take sso flow", `DELETE FROM sso_flows WHERE state_hash = $1`, stateHash)
}
