-- Indexes that hand a snapshot its rows in creation order: without them the
-- start-up read of a large org sorted a million grants. In SQLite every
-- index ends with the rowid (pos), so an index on org alone is ordered by
-- (org, pos).

-- +goose Up
CREATE INDEX grants_org ON grants (org);
CREATE INDEX members_org ON members (org);
CREATE INDEX resources_org ON resources (org);

-- +goose Down
DROP INDEX resources_org;
DROP INDEX members_org;
DROP INDEX grants_org;
