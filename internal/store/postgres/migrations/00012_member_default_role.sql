-- A member's default role (Labelbox's "Default role" in the user profile):
-- the role a grant made "with the default role" gives them at its scope,
-- directly or through a group. '' is no default role.

-- +goose Up
ALTER TABLE members ADD COLUMN default_role TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE members DROP COLUMN default_role;
