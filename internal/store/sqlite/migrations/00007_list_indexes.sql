-- Lists read a page in one index range. Keys are listed in creation order,
-- and by owner when a member leaves; both were a scan of the org's keys.
-- Grants are listed by subject or by scope in id order, and the indexes
-- lacked the id, so SQLite walked every grant of the org in id order and
-- filtered: 0.37 ms for each key of a key list at 1,000 grants.

-- +goose Up
CREATE INDEX api_keys_org_pos ON api_keys (org, pos);
CREATE INDEX api_keys_owner ON api_keys (org, owner);
DROP INDEX grants_subject;
CREATE INDEX grants_subject ON grants (org, subject_kind, subject_id, id);
DROP INDEX grants_scope;
CREATE INDEX grants_scope ON grants (org, scope_kind, scope_type, scope_id, id);

-- +goose Down
DROP INDEX grants_scope;
CREATE INDEX grants_scope ON grants (org, scope_kind, scope_type, scope_id);
DROP INDEX grants_subject;
CREATE INDEX grants_subject ON grants (org, subject_kind, subject_id);
DROP INDEX api_keys_owner;
DROP INDEX api_keys_org_pos;
