-- The PostgreSQL twin of ../../sqlite/migrations/00001_init.sql: same tables,
-- same columns, same constraints; keep them in step.
--
-- Timestamps are timestamptz (microseconds), NULL for none. Tables whose
-- creation order matters have an identity pos as primary key with the
-- natural key as a UNIQUE constraint.

-- +goose Up
CREATE TABLE revision_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO revision_counter (id, value) VALUES (1, 0);

CREATE TABLE orgs (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    scheme        TEXT NOT NULL,
    plan_name     TEXT NOT NULL,
    seat_limit    INTEGER NOT NULL,
    billing_email TEXT NOT NULL,
    created_at    TIMESTAMPTZ
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ,
    last_login_at TIMESTAMPTZ
);

CREATE TABLE members (
    pos       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL,
    joined_at TIMESTAMPTZ,
    UNIQUE (org, user_id)
);
CREATE INDEX members_user ON members (user_id);

CREATE TABLE grants (
    pos          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    subject_kind INTEGER NOT NULL,
    subject_id   TEXT NOT NULL,
    role         TEXT NOT NULL,
    scope_kind   INTEGER NOT NULL,
    scope_type   TEXT NOT NULL,
    scope_id     TEXT NOT NULL,
    expires_at   TIMESTAMPTZ,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ,
    UNIQUE (org, id)
);
CREATE INDEX grants_subject ON grants (org, subject_kind, subject_id);
CREATE INDEX grants_scope ON grants (org, scope_kind, scope_type, scope_id);

CREATE TABLE resources (
    pos         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_type TEXT,
    parent_id   TEXT,
    team        TEXT NOT NULL,
    owner       TEXT NOT NULL,
    attributes  JSONB NOT NULL,
    created_at  TIMESTAMPTZ,
    UNIQUE (org, type, id),
    FOREIGN KEY (org, parent_type, parent_id) REFERENCES resources (org, type, id) ON DELETE CASCADE
);
CREATE INDEX resources_parent ON resources (org, parent_type, parent_id);

CREATE TABLE teams (
    pos  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org  TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id   TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (org, id)
);

CREATE TABLE team_members (
    pos     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org     TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    UNIQUE (org, team_id, user_id),
    FOREIGN KEY (org, team_id) REFERENCES teams (org, id) ON DELETE CASCADE
);
CREATE INDEX team_members_user ON team_members (org, user_id);

CREATE TABLE user_groups (
    pos  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org  TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id   TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (org, id)
);

CREATE TABLE group_members (
    pos      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org      TEXT NOT NULL,
    group_id TEXT NOT NULL,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    UNIQUE (org, group_id, user_id),
    FOREIGN KEY (org, group_id) REFERENCES user_groups (org, id) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members (org, user_id);

CREATE TABLE custom_roles (
    pos         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    scope_type  TEXT NOT NULL,
    also_at     JSONB NOT NULL,
    permissions JSONB NOT NULL,
    UNIQUE (org, id)
);

CREATE TABLE api_keys (
    pos          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BYTEA UNIQUE,
    prev_hash    BYTEA,
    prev_until   TIMESTAMPTZ,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    UNIQUE (org, id)
);
CREATE INDEX api_keys_prev_hash ON api_keys (prev_hash);

CREATE TABLE invitations (
    pos         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    grants      JSONB NOT NULL,
    token_hash  BYTEA UNIQUE,
    invited_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ,
    expires_at  TIMESTAMPTZ,
    accepted_at TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    UNIQUE (org, id)
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

-- No foreign key to orgs: the events, and the chain that proves them, must
-- stay readable whatever happens to the org's other rows.
CREATE TABLE audit_events (
    org        TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    before_doc BYTEA,
    after_doc  BYTEA,
    request_id TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (org, seq)
);

-- The chain would reveal tampering anyway; refusing it here keeps honest
-- code from ever rewriting history by mistake.
-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE changelog (
    revision BIGINT NOT NULL,
    org      TEXT NOT NULL,
    changes  JSON NOT NULL,
    PRIMARY KEY (revision, org)
);

-- +goose Down
DROP TABLE changelog;
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only;
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
