-- +goose Up
-- Nothing to change in SQLite: its position history stays one table, and
-- the prune deletes expired fixes in batches of 1,000, each committed on
-- its own, so that the one writer is never held for long (store/sqldb).
-- PostgreSQL partitions the same history by day in this migration.
SELECT 1;

-- +goose Down
SELECT 'forward-only';
