-- Audit chains become keyed: HMAC-SHA256 under a key kept outside the
-- database. Each event records the scheme its hash was made with; the
-- events already here were made with the unkeyed SHA-256 formula (1).
-- audit_key records which key the chains were keyed with, once they are:
-- from then on an unkeyed chain is never accepted again, and a server given
-- another key file says so at start.

-- +goose Up
ALTER TABLE audit_events ADD COLUMN scheme SMALLINT NOT NULL DEFAULT 1;

-- The one update the chain ever allows: resealing an unkeyed event with the
-- key, which changes its hashes and scheme and nothing it records.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.scheme = 1 AND NEW.scheme = 2
        AND (NEW.org, NEW.seq, NEW.at, NEW.actor, NEW.action, NEW.target, NEW.before_doc, NEW.after_doc, NEW.request_id)
            IS NOT DISTINCT FROM
            (OLD.org, OLD.seq, OLD.at, OLD.actor, OLD.action, OLD.target, OLD.before_doc, OLD.after_doc, OLD.request_id)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
-- +goose StatementEnd

CREATE TABLE audit_key (
    id       SMALLINT PRIMARY KEY CHECK (id = 1),
    key_id   TEXT NOT NULL,
    keyed_at TIMESTAMPTZ NOT NULL
);
-- +goose StatementBegin
CREATE FUNCTION audit_key_write_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit key is recorded once';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_key_write_once BEFORE UPDATE OR DELETE ON audit_key
    FOR EACH ROW EXECUTE FUNCTION audit_key_write_once();

-- +goose Down
DROP TABLE audit_key;
DROP FUNCTION audit_key_write_once;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
-- +goose StatementEnd
ALTER TABLE audit_events DROP COLUMN scheme;
