-- Approval gates: permissions an organization marks as needing approval,
-- each with the role whose holders approve; and the approval windows they
-- open, kept after they end as the record of who approved what.

-- +goose Up
CREATE TABLE approval_gates (
    pos           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org           TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    permission    TEXT NOT NULL,
    approver_role TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ,
    UNIQUE (org, permission)
);

CREATE TABLE approvals (
    pos          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    subject_kind INTEGER NOT NULL,
    subject_id   TEXT NOT NULL,
    permission   TEXT NOT NULL,
    resource     TEXT NOT NULL,
    from_at      TIMESTAMPTZ NOT NULL,
    until_at     TIMESTAMPTZ NOT NULL,
    approver     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TIMESTAMPTZ,
    ended_at     TIMESTAMPTZ,
    ended_by     TEXT NOT NULL DEFAULT '',
    UNIQUE (org, id)
);
-- The snapshot reads the windows not ended early.
CREATE INDEX approvals_open ON approvals (org, ended_at, pos);

-- +goose Down
DROP TABLE approvals;
DROP TABLE approval_gates;
