-- +goose Up
-- Position history: every fix the filter accepted, late ones included,
-- written in batches. Positions are not events: no id, no key, and nothing
-- refers to them. ts is the device time; received_at is when the batch was
-- written.
CREATE TABLE positions (
    team_id     text NOT NULL,
    ts          TIMESTAMP NOT NULL,
    lon         REAL NOT NULL,
    lat         REAL NOT NULL,
    speed       REAL,
    heading     REAL,
    accuracy    REAL,
    altitude    REAL,
    battery     REAL,
    received_at TIMESTAMP NOT NULL
);
-- A team's track over a time range.
CREATE INDEX positions_team_ts_idx ON positions (team_id, ts);
-- Retention deletes by ts alone.
CREATE INDEX positions_ts_idx ON positions (ts);

-- +goose Down
SELECT 'forward-only';
