-- A membership can end on a date (a contractor's engagement): from then on
-- the member holds no access and no seat. NULL is a membership without end.

-- +goose Up
ALTER TABLE members ADD COLUMN expires_at INTEGER;

-- +goose Down
ALTER TABLE members DROP COLUMN expires_at;
