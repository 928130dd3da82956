-- Indexes that hand a snapshot its rows in creation order: without them the
-- start-up read of a large org sorted a million grants.

-- +goose Up
CREATE INDEX grants_org_pos ON grants (org, pos);
CREATE INDEX members_org_pos ON members (org, pos);
CREATE INDEX resources_org_pos ON resources (org, pos);

-- +goose Down
DROP INDEX resources_org_pos;
DROP INDEX members_org_pos;
DROP INDEX grants_org_pos;
