-- +goose Up
-- Pre-positioning (预置): a pre-positioning is stored as a row of incidents
-- of kind 'preposition' so that its tasks and orders take every path an
-- incident's do; kind keeps it off the incident board ('' an incident).
ALTER TABLE incidents ADD COLUMN kind text NOT NULL DEFAULT '';

-- The expected needs of a forecast zone of a hazard at a level (red,
-- orange): overrides of the built-in templates, one document each.
CREATE TABLE preposition_templates (
    hazard text NOT NULL,
    level  text NOT NULL,
    doc    text NOT NULL,
    PRIMARY KEY (hazard, level)
);

-- +goose Down
SELECT 'forward-only';
