-- SCIM provisioning. A SCIM token is an org's bearer secret for its
-- identity provider; only the hash is kept. It belongs to the membership
-- of the user who made it and acts with what that user holds at each
-- request, so removing its maker ends it. What an identity provider says
-- of a member or group in one org (its externalId and the attributes
-- Gatehouse does not model, as JSON) is kept per org, never on the
-- account, which other orgs share, and goes with the membership or group.

-- +goose Up
CREATE TABLE scim_tokens (
    pos          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    org          TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    created_at   INTEGER,
    last_used_at INTEGER,
    FOREIGN KEY (org, created_by) REFERENCES members (org, user_id) ON DELETE CASCADE
);
CREATE INDEX scim_tokens_org ON scim_tokens (org);
CREATE TABLE scim_users (
    org         TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    PRIMARY KEY (org, user_id),
    FOREIGN KEY (org, user_id) REFERENCES members (org, user_id) ON DELETE CASCADE
);
CREATE TABLE scim_groups (
    org         TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    attributes  TEXT NOT NULL,
    PRIMARY KEY (org, group_id),
    FOREIGN KEY (org, group_id) REFERENCES user_groups (org, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE scim_groups;
DROP TABLE scim_users;
DROP TABLE scim_tokens;
