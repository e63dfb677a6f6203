-- +goose Up
-- The audit (GET /api/v1/audit) lists one actor's events, newest first.
CREATE INDEX events_actor_id ON events (actor, id);

-- +goose Down
SELECT 'forward-only';
