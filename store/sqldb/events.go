package sqldb

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
)

// ListEvents returns up to limit events with ids above since, in id order.
func (s *Store) ListEvents(ctx context.Context, since int64, limit int) ([]dispatchd.Event, error) {
	rows, err := s.db.Query(ctx, `SELECT id, ts, type, actor, subject, data FROM events WHERE id > $1 ORDER BY id LIMIT $2`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return scanEvents(rows)
}

func scanEvents(rows Rows) ([]dispatchd.Event, error) {
	defer rows.Close()
	out := []dispatchd.Event{}
	for rows.Next() {
		var ev dispatchd.Event
		var data []byte
		if err := rows.Scan(&ev.ID, &ev.TS, &ev.Type, &ev.Actor, &ev.Subject, &data); err != nil {
			return nil, err
		}
		ev.Data = data
		out = append(out, ev)
	}
	return out, rows.Err()
}

// LastEventID returns the id of the newest event, 0 when there is none.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&id)
	return id, err
}

// IdempotentResult is the stored answer to a request with an
// Idempotency-Key. Status 0 means the first request is still running.
type IdempotentResult struct {
	Method string
	Path   string
	Status int
	Body   []byte
}

// ClaimIdempotent records that the actor's request with key has started. If
// the key was used before it returns that request's result instead, and
// claims nothing.
func (s *Store) ClaimIdempotent(ctx context.Context, actor, key, method, path string, now time.Time) (*IdempotentResult, error) {
	n, err := s.db.Exec(ctx, `INSERT INTO idempotency (actor, key, method, path, status, body, created_at)
		VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT (actor, key) DO NOTHING`, actor, key, method, path, []byte{}, now)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if n == 1 {
		return nil, nil
	}
	var r IdempotentResult
	err = s.db.QueryRow(ctx, `SELECT method, path, status, body FROM idempotency WHERE actor = $1 AND key = $2`, actor, key).
		Scan(&r.Method, &r.Path, &r.Status, &r.Body)
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	return &r, nil
}

// CompleteIdempotent stores the answer to a claimed request.
func (s *Store) CompleteIdempotent(ctx context.Context, actor, key string, status int, body []byte) error {
	_, err := s.db.Exec(ctx, `UPDATE idempotency SET status = $3, body = $4 WHERE actor = $1 AND key = $2`, actor, key, status, body)
	return err
}

// ReleaseIdempotent forgets a claim whose request failed in a way a retry
// may fix.
func (s *Store) ReleaseIdempotent(ctx context.Context, actor, key string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM idempotency WHERE actor = $1 AND key = $2 AND status = 0`, actor, key)
	return err
}

// DeleteIdempotentBefore removes answers older than t and returns how many.
func (s *Store) DeleteIdempotentBefore(ctx context.Context, t time.Time) (int64, error) {
	return s.db.Exec(ctx, `DELETE FROM idempotency WHERE created_at < $1`, t)
}
