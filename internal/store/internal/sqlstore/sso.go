package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const ssoCols = `org, issuer, client_id, secret_sealed, domains, default_role, groups_claim, group_map, enforce, configured_by, updated_at`

func scanSSO(s scanner) (domain.SSOConfig, error) {
	var v domain.SSOConfig
	var domains, groups string
	var enforce int
	if err := s.Scan(&v.Org, &v.Issuer, &v.ClientID, &v.SecretSealed, &domains, &v.DefaultRole, &v.GroupsClaim, &groups,
		&enforce, &v.ConfiguredBy, ts(&v.UpdatedAt)); err != nil {
		return v, err
	}
	v.Enforce = enforce != 0
	v.Domains, v.GroupMap = []string{}, map[string]string{}
	if err := fromJSON([]byte(domains), &v.Domains); err != nil {
		return v, err
	}
	return v, fromJSON([]byte(groups), &v.GroupMap)
}

func (t *Tx) GetSSO(org string) (domain.SSOConfig, error) {
	return get(t, fmt.Sprintf("sso of org %q", org), scanSSO, `SELECT `+ssoCols+` FROM sso_configs WHERE org = $1`, org)
}

func (t *Tx) PutSSO(c domain.SSOConfig) error {
	if c.Domains == nil {
		c.Domains = []string{}
	}
	if c.GroupMap == nil {
		c.GroupMap = map[string]string{}
	}
	domains, err := jsonText(c.Domains)
	if err != nil {
		return err
	}
	groups, err := jsonText(c.GroupMap)
	if err != nil {
		return err
	}
	enforce := 0
	if c.Enforce {
		enforce = 1
	}
	_, err = t.exec(`INSERT INTO sso_configs (`+ssoCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (org) DO UPDATE SET issuer = $2, client_id = $3, secret_sealed = $4, domains = $5, default_role = $6,
		groups_claim = $7, group_map = $8, enforce = $9, configured_by = $10, updated_at = $11`,
		c.Org, c.Issuer, c.ClientID, c.SecretSealed, domains, c.DefaultRole, c.GroupsClaim, groups, enforce, c.ConfiguredBy, t.tm(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: put sso of org %q: %w", c.Org, err)
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
