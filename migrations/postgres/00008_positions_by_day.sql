-- +goose Up
-- Position history partitioned by the UTC day of the device time (ts), so
-- that expiry drops whole days instead of deleting rows: retention is by
-- device time, and a team's track is read by device time, so both touch
-- only the days they ask for. A day's partition is positions_pYYYYMMDD;
-- the store creates them a few days ahead (and this migration creates
-- today and the next three). A fix for a day that has no partition yet (a
-- device clock far off, or late fixes from a day never created) goes to
-- positions_default, never failing its batch; it moves into the day's
-- partition when that is created, and the prune deletes the default's
-- expired rows in batches. The existing rows are copied over.
ALTER TABLE positions RENAME TO positions_unpartitioned;
ALTER INDEX positions_team_ts_idx RENAME TO positions_unpartitioned_team_ts_idx;
ALTER INDEX positions_ts_idx RENAME TO positions_unpartitioned_ts_idx;

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
) PARTITION BY RANGE (ts);
-- A team's track over a time range: read from each day's index in turn.
CREATE INDEX positions_team_ts_idx ON positions (team_id, ts);
-- The default partition's expired rows are found by ts alone.
CREATE INDEX positions_ts_idx ON positions USING brin (ts);
CREATE TABLE positions_default PARTITION OF positions DEFAULT;

-- +goose StatementBegin
DO $$
DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
    d date;
BEGIN
    -- The days the existing rows fall on (within the last 400 days; the
    -- rest go to the default partition), today, and three days ahead.
    FOR d IN
        SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date FROM positions_unpartitioned
            WHERE ts >= (today - 400)::timestamp AT TIME ZONE 'UTC'
              AND ts < (today + 4)::timestamp AT TIME ZONE 'UTC'
        UNION
        SELECT generate_series(today, today + 3, interval '1 day')::date
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF positions FOR VALUES FROM (%L) TO (%L)',
            'positions_p' || to_char(d, 'YYYYMMDD'),
            to_char(d, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(d + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
    END LOOP;
END
$$;
-- +goose StatementEnd

INSERT INTO positions (team_id, ts, lon, lat, speed, heading, accuracy, altitude, battery, received_at)
    SELECT team_id, ts, lon, lat, speed, heading, accuracy, altitude, battery, received_at FROM positions_unpartitioned;
DROP TABLE positions_unpartitioned;

-- +goose Down
SELECT 'forward-only';
