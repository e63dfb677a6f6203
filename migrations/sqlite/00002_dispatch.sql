-- +goose Up
-- Incidents, tasks and orders are kept whole as JSON documents (doc), with
-- the columns that lists filter and lock on beside them. The document is
-- what the domain reads; the columns are written from it in the same
-- statement, so they never disagree.
CREATE TABLE incidents (
    id          text PRIMARY KEY,
    type        text NOT NULL,
    level       integer NOT NULL CHECK (level BETWEEN 1 AND 4),
    status      text NOT NULL,
    lon         REAL NOT NULL,
    lat         REAL NOT NULL,
    exercise    BOOLEAN NOT NULL,
    reported_at TIMESTAMP NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX incidents_status_idx ON incidents (status, id);
CREATE INDEX incidents_reported_idx ON incidents (reported_at);

CREATE TABLE tasks (
    id          text PRIMARY KEY,
    incident_id text NOT NULL REFERENCES incidents (id),
    team_id     text NOT NULL,
    status      text NOT NULL,
    ack_by      TIMESTAMP NOT NULL,
    escalated   BOOLEAN NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX tasks_incident_idx ON tasks (incident_id, id);
CREATE INDEX tasks_team_idx ON tasks (team_id, id);
-- What the escalator scans: unanswered tasks by deadline.
CREATE INDEX tasks_due_idx ON tasks (ack_by) WHERE status = 'assigned' AND NOT escalated;
-- A team works one task at a time, whatever the code above does.
CREATE UNIQUE INDEX tasks_active_team_idx ON tasks (team_id)
    WHERE status IN ('assigned', 'acknowledged', 'en_route', 'on_scene');

CREATE TABLE orders (
    id          text PRIMARY KEY,
    incident_id text NOT NULL REFERENCES incidents (id),
    depot_id    text NOT NULL,
    status      text NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX orders_incident_idx ON orders (incident_id, id);
CREATE INDEX orders_depot_idx ON orders (depot_id, id);

-- +goose Down
SELECT 'forward-only';
