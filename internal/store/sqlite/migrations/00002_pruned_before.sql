-- The changelog's low-water mark: revisions before it may have been pruned,
-- so a follower that has not reached it must rebuild from a snapshot.

-- +goose Up
ALTER TABLE revision_counter ADD COLUMN pruned_before INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE revision_counter DROP COLUMN pruned_before;
