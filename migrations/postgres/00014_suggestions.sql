-- +goose Up
-- Proposed and chosen: every suggestion served is kept compactly (its id
-- is a hash of the incident, the event it was computed at and its picks
-- and plan lines, so an unchanged suggestion served again is one row), and
-- every dispatch that names one keeps what it chose of it and why picks
-- were passed over. Both are JSON documents like tasks and orders; they
-- are written once and never changed.
CREATE TABLE suggestions (
    id          text PRIMARY KEY,
    incident_id text NOT NULL,
    event_id    bigint NOT NULL,
    asked_at    timestamptz NOT NULL,
    doc         jsonb NOT NULL
);
CREATE INDEX suggestions_incident_idx ON suggestions (incident_id, asked_at);

CREATE TABLE suggestion_choices (
    id            text PRIMARY KEY,
    incident_id   text NOT NULL REFERENCES incidents (id),
    suggestion_id text NOT NULL REFERENCES suggestions (id),
    doc           jsonb NOT NULL
);
CREATE INDEX suggestion_choices_incident_idx ON suggestion_choices (incident_id, id);

-- +goose Down
SELECT 'forward-only';
