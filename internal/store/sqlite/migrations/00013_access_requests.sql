-- Access requests: a member asks for a role on a resource or the org, and
-- a decider approves (making a grant) or denies it, or the member
-- withdraws it. The request keeps what was asked and decided, so the
-- record stands after the grant it made is gone.

-- +goose Up
CREATE TABLE access_requests (
    pos        INTEGER PRIMARY KEY,
    org        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    role       TEXT NOT NULL,
    resource   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    until_at   INTEGER,
    state      TEXT NOT NULL,
    created_at INTEGER,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at INTEGER,
    note       TEXT NOT NULL DEFAULT '',
    grant_id   TEXT NOT NULL DEFAULT '',
    grant_ends INTEGER,
    revision   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (org, id)
);
-- The filters a list takes, newest first within each.
CREATE INDEX access_requests_state ON access_requests (org, state, pos);
CREATE INDEX access_requests_user ON access_requests (org, user_id, pos);
CREATE INDEX access_requests_resource ON access_requests (org, resource, pos);

-- +goose Down
DROP TABLE access_requests;
