-- +goose Up
-- Nothing to change in the main file: the position history moved to a
-- file a UTC day (<data dir>/positions/YYYYMMDD.db, store/sqlite/days.go),
-- and each day file says in its own meta table whether it was thinned.
-- PostgreSQL records its thinned days in this migration. The positions
-- table of 00003 stays, emptied into the day files by Migrate.
SELECT 1;

-- +goose Down
SELECT 'forward-only';
