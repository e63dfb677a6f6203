-- +goose Up
-- The days of the position history that were thinned (POSITION_THIN_AFTER),
-- and at which interval, so that the maintenance skips them. A day that
-- expires leaves its row behind; the prune removes it with the day.
-- received_at (when the batch was written) is read by nothing: it goes,
-- eight bytes a fix. Dropping it touches only the catalog; rows written
-- before keep their bytes until their day expires.
ALTER TABLE positions DROP COLUMN received_at;

CREATE TABLE positions_thinned (
    day      date PRIMARY KEY,
    every_us bigint NOT NULL CHECK (every_us > 0)
);

-- +goose Down
SELECT 'forward-only';
