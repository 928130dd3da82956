-- Personal access tokens: a user's bearer secret for scripts, acting as
-- that user within one organization. Only the hash is kept. A token belongs
-- to a membership: removing the member deletes the tokens with it, so a
-- later re-invitation never brings an old token back. An org may cap how
-- long its tokens live (pat_max_days; 0 is no cap).

-- +goose Up
CREATE TABLE personal_tokens (
    pos          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    org          TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BYTEA NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    FOREIGN KEY (org, user_id) REFERENCES members (org, user_id) ON DELETE CASCADE
);
CREATE INDEX personal_tokens_user ON personal_tokens (user_id);
ALTER TABLE orgs ADD COLUMN pat_max_days INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE orgs DROP COLUMN pat_max_days;
DROP TABLE personal_tokens;
