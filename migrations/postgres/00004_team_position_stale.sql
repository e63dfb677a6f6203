-- +goose Up
-- A team that has had a position but sent none for the stale-after time is
-- marked stale (event team.stale) until it reports again (team.fresh). The
-- flag is kept on the row so that it survives restarts, and so that nodes
-- that watch at once write each change once: a conditional update changes
-- the row, and appends the event, only when the flag is not already so.
ALTER TABLE teams ADD COLUMN position_stale boolean NOT NULL DEFAULT false;

-- +goose Down
SELECT 'forward-only';
