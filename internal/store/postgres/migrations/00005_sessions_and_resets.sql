-- Sessions get a public id (to list and end one without showing its token
-- hash), the time of last use (for the idle timeout) and where they came
-- from; password-reset tokens get a table of their own. (00004 is kept for
-- another change.)

-- +goose Up
ALTER TABLE sessions ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_used_at TIMESTAMPTZ;
ALTER TABLE sessions ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
UPDATE sessions SET id = 'ses_' || substr(md5(random()::text || encode(token_hash, 'hex')), 1, 20), last_used_at = created_at;
CREATE UNIQUE INDEX sessions_id ON sessions (id);

CREATE TABLE password_resets (
    token_hash BYTEA PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- +goose Down
DROP TABLE password_resets;
DROP INDEX sessions_id;
ALTER TABLE sessions DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN client_addr;
ALTER TABLE sessions DROP COLUMN last_used_at;
ALTER TABLE sessions DROP COLUMN id;
