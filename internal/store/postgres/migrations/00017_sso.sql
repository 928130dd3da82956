-- OIDC sign-in per organization. One configuration per org; its client
-- secret is kept only sealed with the server's key (secret_sealed), never
-- in the clear; group_map is JSON. An email domain leads to one org
-- (sso_domains), so the console can pick the org from an email. An sso_flow is one
-- sign-in in progress: its state is kept only as a hash, it is taken
-- (deleted) by the callback that uses it, so a replayed state finds
-- nothing, and it ends at expires_at. A session opened through an org's
-- identity provider acts in that org alone (sessions.org; '' is a password
-- session, which acts wherever its user is a member).

-- +goose Up
CREATE TABLE sso_configs (
    org           TEXT PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    issuer        TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    secret_sealed BYTEA NOT NULL,
    default_role  TEXT NOT NULL,
    groups_claim  TEXT NOT NULL,
    group_map     TEXT NOT NULL,
    enforce       INTEGER NOT NULL DEFAULT 0,
    configured_by TEXT NOT NULL,
    updated_at    TIMESTAMPTZ
);
CREATE TABLE sso_domains (
    domain TEXT PRIMARY KEY,
    org    TEXT NOT NULL REFERENCES sso_configs (org) ON DELETE CASCADE
);
CREATE INDEX sso_domains_org ON sso_domains (org);
CREATE TABLE sso_flows (
    state_hash BYTEA PRIMARY KEY,
    org        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    expires_at TIMESTAMPTZ
);
ALTER TABLE sessions ADD COLUMN org TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE sessions DROP COLUMN org;
DROP TABLE sso_flows;
DROP TABLE sso_domains;
DROP TABLE sso_configs;
