-- +goose Up
-- The standard table of after-action reviews (复盘对标): the seconds a
-- metric (first_task, ack, on_scene, delivered) is held to for incidents
-- of a type ('' every type) and level (0 every level). Metrics no row
-- names keep the built-in defaults.
CREATE TABLE review_targets (
    metric  text NOT NULL,
    type    text NOT NULL,
    level   integer NOT NULL,
    seconds integer NOT NULL,
    PRIMARY KEY (metric, type, level)
);

-- +goose Down
SELECT 'forward-only';
