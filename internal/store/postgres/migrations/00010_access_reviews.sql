-- Access reviews: a review, the items it snapshotted when it opened (one
-- per member and grant or org role) and every decision taken on them. The
-- items keep what was held, not a reference to it, so the evidence stands
-- after the grants it names are gone.

-- +goose Up
CREATE TABLE access_reviews (
    pos             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org             TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    scope           TEXT NOT NULL,
    reviewers       JSONB NOT NULL,
    undecided       TEXT NOT NULL,
    due_at          TIMESTAMPTZ,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    closed_by       TEXT NOT NULL DEFAULT '',
    closed_revision BIGINT NOT NULL DEFAULT 0,
    UNIQUE (org, id)
);

CREATE TABLE access_review_items (
    pos        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org        TEXT NOT NULL,
    review     TEXT NOT NULL,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    grant_id   TEXT NOT NULL,
    role       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    via        TEXT NOT NULL,
    decision   TEXT NOT NULL,
    note       TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMPTZ,
    outcome    TEXT NOT NULL,
    UNIQUE (org, review, id),
    FOREIGN KEY (org, review) REFERENCES access_reviews (org, id) ON DELETE CASCADE
);

CREATE TABLE access_review_decisions (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org        TEXT NOT NULL,
    review     TEXT NOT NULL,
    item       TEXT NOT NULL,
    decision   TEXT NOT NULL,
    note       TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMPTZ,
    FOREIGN KEY (org, review, item) REFERENCES access_review_items (org, review, id) ON DELETE CASCADE
);
CREATE INDEX access_review_decisions_review ON access_review_decisions (org, review, seq);

-- +goose Down
DROP TABLE access_review_decisions;
DROP TABLE access_review_items;
DROP TABLE access_reviews;
