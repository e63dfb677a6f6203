package sqldb

import (
	"context"
	"fmt"
	"strings"
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

// AuditFilter selects events for the audit, newest first.
type AuditFilter struct {
	Actor string
	// Type is an event type (auth.login) or, ending in a dot, a family
	// of them (auth.).
	Type     string
	From, To time.Time // zero means open
	Before   int64     // the cursor: events older than this id; 0 means from the newest
	Limit    int
}

// ListAudit lists events for the audit, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]dispatchd.Event, error) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Actor != "" {
		add("actor = $%d", f.Actor)
	}
	if strings.HasSuffix(f.Type, ".") {
		add(`type LIKE $%d ESCAPE '\'`, strings.NewReplacer("%", `\%`, "_", `\_`).Replace(f.Type)+"%")
	} else if f.Type != "" {
		add("type = $%d", f.Type)
	}
	if !f.From.IsZero() {
		add("ts >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("ts < $%d", f.To)
	}
	if f.Before > 0 {
		add("id < $%d", f.Before)
	}
	args = append(args, f.Limit)
	q := fmt.Sprintf(`SELECT id, ts, type, actor, subject, data FROM events WHERE %s ORDER BY id DESC LIMIT $%d`, strings.Join(where, " AND "), len(args))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return scanEvents(rows)
}
