-- +goose Up
-- Jurisdictions (DESIGN.md): the region tree, each user's jurisdiction and
-- desk, each incident's region as a column lists filter on, and on every
-- event the regions and the incident type it concerns, so that the feed,
-- the audit and the websockets show each actor only its own.
CREATE TABLE regions (
    code       text PRIMARY KEY,
    name       text NOT NULL,
    level      text NOT NULL,
    parent     text NOT NULL DEFAULT '',
    boundary   text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX regions_parent_idx ON regions (parent, code);

ALTER TABLE users ADD COLUMN jurisdiction text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN desk text NOT NULL DEFAULT '';

ALTER TABLE incidents ADD COLUMN region text NOT NULL DEFAULT '';
UPDATE incidents SET region = COALESCE(doc->>'region', '');
CREATE INDEX incidents_region_idx ON incidents (region, id);

-- regions is ' 330127 330100 ' (each code between spaces), so that a
-- subtree is one LIKE '% 3301%'; '' concerns the whole deployment.
ALTER TABLE events ADD COLUMN regions text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN hazard text NOT NULL DEFAULT '';

-- +goose Down
SELECT 'forward-only';
