-- +goose Up
-- The days of the position history that were thinned (POSITION_THIN_AFTER),
-- and at which interval, so that the maintenance skips them. A day that
-- expires leaves its row behind; the prune removes it with the day.
CREATE TABLE positions_thinned (
    day      date PRIMARY KEY,
    every_us bigint NOT NULL CHECK (every_us > 0)
);

-- +goose Down
SELECT 'forward-only';
