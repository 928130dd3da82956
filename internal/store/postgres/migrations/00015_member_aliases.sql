-- Member aliases: the external ids a member is known by (an IdP subject,
-- an email, a user name), each naming one member of its organization.
-- They go with the membership: removing the member removes them.

-- +goose Up
CREATE TABLE member_aliases (
    pos        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org        TEXT NOT NULL,
    alias      TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    UNIQUE (org, alias),
    FOREIGN KEY (org, user_id) REFERENCES members (org, user_id) ON DELETE CASCADE
);
-- A member's page lists her aliases.
CREATE INDEX member_aliases_member ON member_aliases (org, user_id, alias);

-- +goose Down
DROP TABLE member_aliases;
