-- Audit chains become keyed: HMAC-SHA256 under a key kept outside the
-- database. Each event records the scheme its hash was made with; the
-- events already here were made with the unkeyed SHA-256 formula (1).
-- audit_key records which key the chains were keyed with, once they are:
-- from then on an unkeyed chain is never accepted again, and a server given
-- another key file says so at start.

-- +goose Up
ALTER TABLE audit_events ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;

-- The one update the chain ever allows: resealing an unkeyed event with the
-- key, which changes its hashes and scheme and nothing it records.
DROP TRIGGER audit_events_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN NOT (OLD.scheme = 1 AND NEW.scheme = 2
    AND NEW.org IS OLD.org AND NEW.seq IS OLD.seq AND NEW.at IS OLD.at
    AND NEW.actor IS OLD.actor AND NEW.action IS OLD.action AND NEW.target IS OLD.target
    AND NEW.before_doc IS OLD.before_doc AND NEW.after_doc IS OLD.after_doc
    AND NEW.request_id IS OLD.request_id)
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
-- +goose StatementEnd

CREATE TABLE audit_key (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    key_id   TEXT NOT NULL,
    keyed_at INTEGER NOT NULL
);
-- +goose StatementBegin
CREATE TRIGGER audit_key_no_update BEFORE UPDATE ON audit_key
BEGIN
    SELECT RAISE(ABORT, 'the audit key is recorded once');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_key_no_delete BEFORE DELETE ON audit_key
BEGIN
    SELECT RAISE(ABORT, 'the audit key is recorded once');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_key;
DROP TRIGGER audit_events_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
-- +goose StatementEnd
ALTER TABLE audit_events DROP COLUMN scheme;
