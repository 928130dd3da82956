-- A membership can end on a date (a contractor's engagement): from then on
-- the member holds no access and no seat. NULL is a membership without end.
-- An invitation can carry that end for the membership it creates.

-- +goose Up
ALTER TABLE members ADD COLUMN expires_at INTEGER;
ALTER TABLE invitations ADD COLUMN membership_expires_at INTEGER;

-- +goose Down
ALTER TABLE invitations DROP COLUMN membership_expires_at;
ALTER TABLE members DROP COLUMN expires_at;
