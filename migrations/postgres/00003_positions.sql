-- +goose Up
-- Position history: every fix the filter accepted, late ones included,
-- written in batches with COPY. Positions are not events: no id, no key,
-- and nothing refers to them. ts is the device time; received_at is when
-- the batch was written.
CREATE TABLE positions (
    team_id     text NOT NULL,
    ts          timestamptz NOT NULL,
    lon         double precision NOT NULL,
    lat         double precision NOT NULL,
    speed       double precision,
    heading     double precision,
    accuracy    double precision,
    altitude    double precision,
    battery     double precision,
    received_at timestamptz NOT NULL
);
-- A team's track over a time range.
CREATE INDEX positions_team_ts_idx ON positions (team_id, ts);
-- Retention deletes by ts alone. Rows arrive roughly in ts order, so a BRIN
-- index finds the old ones at a fraction of a B-tree's size and write cost.
CREATE INDEX positions_ts_idx ON positions USING brin (ts);

-- +goose Down
SELECT 'forward-only';
