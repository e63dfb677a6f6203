-- +goose Up
-- Risk zones: the polygons of a hazard at a level, valid for a window,
-- each brought by one import (forecast). A newer import supersedes the
-- standing zones it replaces (superseded_at); their rows stay as history.
-- A zone's id is the one its file gave (or a new one), unique within its
-- forecast; geometry is compact GeoJSON in WGS-84, the bbox columns its
-- bounds.
CREATE TABLE zones (
    forecast      text NOT NULL,
    id            text NOT NULL,
    level         text NOT NULL,
    hazard        text NOT NULL,
    name          text NOT NULL DEFAULT '',
    valid_from    TIMESTAMP NOT NULL,
    valid_to      TIMESTAMP NOT NULL,
    geometry      text NOT NULL,
    min_lon       REAL NOT NULL,
    min_lat       REAL NOT NULL,
    max_lon       REAL NOT NULL,
    max_lat       REAL NOT NULL,
    superseded_at TIMESTAMP NULL,
    created_at    TIMESTAMP NOT NULL,
    created_by    text NOT NULL DEFAULT '',
    PRIMARY KEY (forecast, id)
);
CREATE INDEX zones_standing_idx ON zones (hazard, valid_to) WHERE superseded_at IS NULL;

-- The red zones a team has entered: one row, and one zone.entered event,
-- per team and zone, however many nodes saw the fix.
CREATE TABLE zone_entries (
    team       text NOT NULL,
    zone       text NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (team, zone)
);

-- +goose Down
SELECT 'forward-only';
