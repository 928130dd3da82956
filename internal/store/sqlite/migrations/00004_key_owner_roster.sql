-- Every secret key has an owning member whose current power bounds the
-- key's (PRODUCT.md rule 10). Existing keys get their creator as owner; a
-- key made by another key inherits that key's owner, resolved down chains
-- of up to eight keys. A key left without an owner holds nothing.
--
-- A team-scoped grant now needs its user on the team's roster, and leaving
-- the roster ends it; grants made before that rule put their users on the
-- roster, so nobody's access changes and the rule holds from here on.

-- +goose Up
ALTER TABLE api_keys ADD COLUMN owner TEXT NOT NULL DEFAULT '';
UPDATE api_keys SET owner = substr(created_by, 6) WHERE created_by LIKE 'user:%';
UPDATE api_keys SET owner = COALESCE((SELECT k.owner FROM api_keys k
    WHERE k.org = api_keys.org AND 'key:' || k.id = api_keys.created_by), '') WHERE owner = '';
UPDATE api_keys SET owner = COALESCE((SELECT k.owner FROM api_keys k
    WHERE k.org = api_keys.org AND 'key:' || k.id = api_keys.created_by), '') WHERE owner = '';
UPDATE api_keys SET owner = COALESCE((SELECT k.owner FROM api_keys k
    WHERE k.org = api_keys.org AND 'key:' || k.id = api_keys.created_by), '') WHERE owner = '';
UPDATE api_keys SET owner = COALESCE((SELECT k.owner FROM api_keys k
    WHERE k.org = api_keys.org AND 'key:' || k.id = api_keys.created_by), '') WHERE owner = '';
UPDATE api_keys SET owner = COALESCE((SELECT k.owner FROM api_keys k
    WHERE k.org = api_keys.org AND 'key:' || k.id = api_keys.created_by), '') WHERE owner = '';
UPDATE api_keys SET owner = COALESCE((SELECT k.owner FROM api_keys k
    WHERE k.org = api_keys.org AND 'key:' || k.id = api_keys.created_by), '') WHERE owner = '';
UPDATE api_keys SET owner = COALESCE((SELECT k.owner FROM api_keys k
    WHERE k.org = api_keys.org AND 'key:' || k.id = api_keys.created_by), '') WHERE owner = '';
UPDATE api_keys SET owner = COALESCE((SELECT k.owner FROM api_keys k
    WHERE k.org = api_keys.org AND 'key:' || k.id = api_keys.created_by), '') WHERE owner = '';
INSERT INTO team_members (org, team_id, user_id)
    SELECT DISTINCT g.org, g.scope_id, g.subject_id FROM grants g
    JOIN teams t ON t.org = g.org AND t.id = g.scope_id
    JOIN users u ON u.id = g.subject_id
    WHERE g.scope_kind = 4 AND g.subject_kind = 1
    ON CONFLICT DO NOTHING;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN owner;
