-- The SQLite twin of ../../postgres/migrations/00001_init.sql: same tables,
-- same columns, same constraints; keep them in step.
--
-- Timestamps are INTEGER microseconds since the Unix epoch (UTC), NULL for
-- none. Tables whose creation order matters have pos INTEGER PRIMARY KEY (the
-- rowid) with the natural key as a UNIQUE constraint.

-- +goose Up
CREATE TABLE revision_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO revision_counter (id, value) VALUES (1, 0);

CREATE TABLE orgs (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    scheme        TEXT NOT NULL,
    plan_name     TEXT NOT NULL,
    seat_limit    INTEGER NOT NULL,
    billing_email TEXT NOT NULL,
    created_at    INTEGER
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER,
    last_login_at INTEGER
);

CREATE TABLE members (
    pos       INTEGER PRIMARY KEY,
    org       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL,
    joined_at INTEGER,
    UNIQUE (org, user_id)
);
CREATE INDEX members_user ON members (user_id);

CREATE TABLE grants (
    pos          INTEGER PRIMARY KEY,
    org          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    subject_kind INTEGER NOT NULL,
    subject_id   TEXT NOT NULL,
    role         TEXT NOT NULL,
    scope_kind   INTEGER NOT NULL,
    scope_type   TEXT NOT NULL,
    scope_id     TEXT NOT NULL,
    expires_at   INTEGER,
    created_by   TEXT NOT NULL,
    created_at   INTEGER,
    UNIQUE (org, id)
);
CREATE INDEX grants_subject ON grants (org, subject_kind, subject_id);
CREATE INDEX grants_scope ON grants (org, scope_kind, scope_type, scope_id);

CREATE TABLE resources (
    pos         INTEGER PRIMARY KEY,
    org         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_type TEXT,
    parent_id   TEXT,
    team        TEXT NOT NULL,
    owner       TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    created_at  INTEGER,
    UNIQUE (org, type, id),
    FOREIGN KEY (org, parent_type, parent_id) REFERENCES resources (org, type, id) ON DELETE CASCADE
);
CREATE INDEX resources_parent ON resources (org, parent_type, parent_id);

CREATE TABLE teams (
    pos  INTEGER PRIMARY KEY,
    org  TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id   TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (org, id)
);

CREATE TABLE team_members (
    pos     INTEGER PRIMARY KEY,
    org     TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    UNIQUE (org, team_id, user_id),
    FOREIGN KEY (org, team_id) REFERENCES teams (org, id) ON DELETE CASCADE
);
CREATE INDEX team_members_user ON team_members (org, user_id);

CREATE TABLE user_groups (
    pos  INTEGER PRIMARY KEY,
    org  TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id   TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (org, id)
);

CREATE TABLE group_members (
    pos      INTEGER PRIMARY KEY,
    org      TEXT NOT NULL,
    group_id TEXT NOT NULL,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    UNIQUE (org, group_id, user_id),
    FOREIGN KEY (org, group_id) REFERENCES user_groups (org, id) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members (org, user_id);

CREATE TABLE custom_roles (
    pos         INTEGER PRIMARY KEY,
    org         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    scope_type  TEXT NOT NULL,
    also_at     TEXT NOT NULL,
    permissions TEXT NOT NULL,
    UNIQUE (org, id)
);

CREATE TABLE api_keys (
    pos          INTEGER PRIMARY KEY,
    org          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BLOB UNIQUE,
    prev_hash    BLOB,
    prev_until   INTEGER,
    created_by   TEXT NOT NULL,
    created_at   INTEGER,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    UNIQUE (org, id)
);
CREATE INDEX api_keys_prev_hash ON api_keys (prev_hash);

CREATE TABLE invitations (
    pos         INTEGER PRIMARY KEY,
    org         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    grants      TEXT NOT NULL,
    token_hash  BLOB UNIQUE,
    invited_by  TEXT NOT NULL,
    created_at  INTEGER,
    expires_at  INTEGER,
    accepted_at INTEGER,
    revoked_at  INTEGER,
    UNIQUE (org, id)
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER,
    expires_at INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);

-- No foreign key to orgs: the events, and the chain that proves them, must
-- stay readable whatever happens to the org's other rows.
CREATE TABLE audit_events (
    org        TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    before_doc BLOB,
    after_doc  BLOB,
    request_id TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (org, seq)
);

-- The chain would reveal tampering anyway; refusing it here keeps honest
-- code from ever rewriting history by mistake.
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
-- +goose StatementEnd

CREATE TABLE changelog (
    revision INTEGER NOT NULL,
    org      TEXT NOT NULL,
    changes  TEXT NOT NULL,
    PRIMARY KEY (revision, org)
);

-- +goose Down
DROP TABLE changelog;
DROP TABLE audit_events;
DROP TABLE sessions;
DROP TABLE invitations;
DROP TABLE api_keys;
DROP TABLE custom_roles;
DROP TABLE group_members;
DROP TABLE user_groups;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE resources;
DROP TABLE grants;
DROP TABLE members;
DROP TABLE users;
DROP TABLE orgs;
DROP TABLE revision_counter;
