-- +goose Up
-- Checkpoints of the state the flight recorder rebuilds a moment from: the
-- state at event event_id (whose time is ts), gzipped; base_id names the
-- base checkpoint a delta is counted from (itself for a base).
CREATE TABLE checkpoints (
    event_id bigint PRIMARY KEY,
    ts       TIMESTAMP NOT NULL,
    base_id  bigint NOT NULL,
    data     BLOB NOT NULL
);
CREATE INDEX checkpoints_ts_idx ON checkpoints (ts);

-- A stock import's event carries only its depots: its levels are read back
-- from the ledger lines it wrote.
CREATE INDEX stock_ledger_event_idx ON stock_ledger (event_id);

-- +goose Down
SELECT 'forward-only';
