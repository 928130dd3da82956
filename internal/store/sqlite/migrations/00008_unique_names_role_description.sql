-- Team and group names are unique in an organization, case aside: two
-- "QA" groups cannot be told apart on a page, in a grant or in the audit
-- log. Names duplicated before this migration are kept for the oldest of
-- them; every later one gets its id appended ("QA (g_7hx2…)"), so the
-- migration never refuses a database and nobody's access changes (grants
-- name ids, not names). Empty names (records replayed from scenario files)
-- are left alone; the service never writes one.
--
-- Custom roles get a description, editable with the role.

-- +goose Up
UPDATE teams SET name = name || ' (' || id || ')'
    WHERE name <> '' AND EXISTS (SELECT 1 FROM teams o
        WHERE o.org = teams.org AND lower(o.name) = lower(teams.name) AND o.pos < teams.pos);
UPDATE user_groups SET name = name || ' (' || id || ')'
    WHERE name <> '' AND EXISTS (SELECT 1 FROM user_groups o
        WHERE o.org = user_groups.org AND lower(o.name) = lower(user_groups.name) AND o.pos < user_groups.pos);
CREATE UNIQUE INDEX teams_name ON teams (org, lower(name)) WHERE name <> '';
CREATE UNIQUE INDEX user_groups_name ON user_groups (org, lower(name)) WHERE name <> '';
ALTER TABLE custom_roles ADD COLUMN description TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE custom_roles DROP COLUMN description;
DROP INDEX user_groups_name;
DROP INDEX teams_name;
