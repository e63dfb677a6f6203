-- +goose Up
-- Support requests (跨区域支援): an incident's jurisdiction asks another
-- (by default the one above) for teams and materials. Kept whole as a JSON
-- document like tasks and orders, with the columns lists filter, lock and
-- count on beside it. from_region is the requesting incident's region,
-- to_region whom it is addressed to now (escalation moves it up), hazard
-- the incident's type (desks see the requests of their types).
CREATE TABLE support_requests (
    id          text PRIMARY KEY,
    incident_id text NOT NULL REFERENCES incidents (id),
    from_region text NOT NULL,
    to_region   text NOT NULL,
    status      text NOT NULL,
    respond_by  TIMESTAMP NOT NULL,
    escalated   BOOLEAN NOT NULL,
    hazard      text NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX support_requests_incident_idx ON support_requests (incident_id, id);
CREATE INDEX support_requests_to_idx ON support_requests (to_region, id);
CREATE INDEX support_requests_from_idx ON support_requests (from_region, id);
-- What the escalator scans: unanswered requests by deadline.
CREATE INDEX support_requests_due_idx ON support_requests (respond_by) WHERE status = 'requested' AND NOT escalated;

-- The tasks and orders that answer a request name it, and count against it.
ALTER TABLE tasks ADD COLUMN support_request text NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN support_request text NOT NULL DEFAULT '';
CREATE INDEX tasks_support_idx ON tasks (support_request) WHERE support_request <> '';
CREATE INDEX orders_support_idx ON orders (support_request) WHERE support_request <> '';

-- +goose Down
SELECT 'forward-only';
