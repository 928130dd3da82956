-- Named assignments ("QA lead", "security lead"): who an organization names
-- for a duty the platform has no permission for, so that its RACI report
-- names a person where the seed says "record the approver in your SOP".
-- They grant nothing. One row per assignment and holder; a name is
-- unique in an organization and scope (All or one resource), case aside.

-- +goose Up
CREATE TABLE named_assignments (
    pos        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    scope      TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX named_assignments_name ON named_assignments (org, lower(name), scope);

CREATE TABLE named_assignment_holders (
    assignment BIGINT NOT NULL REFERENCES named_assignments (pos) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    PRIMARY KEY (assignment, user_id)
);

-- +goose Down
DROP TABLE named_assignment_holders;
DROP TABLE named_assignments;
