package sqldb

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/idempotency"
)

// The rules of a claim are in package idempotency.

// ClaimIdempotent claims the actor's key for a request that starts now. If
// the key is held or was used, it returns that request's result instead and
// claims nothing, unless the holder is idempotency.StaleClaim old with nothing carried
// out: then it takes the claim over.
func (s *Store) ClaimIdempotent(ctx context.Context, actor, key, method, path string, now time.Time) (*idempotency.Claim, *idempotency.Result, error) {
	c := idempotency.NewClaim(actor, key)
	n, err := s.db.Exec(ctx, `INSERT INTO idempotency (actor, key, method, path, status, body, created_at, claim)
		VALUES ($1, $2, $3, $4, 0, $5, $6, $7)
		ON CONFLICT (actor, key) DO UPDATE SET method = excluded.method, path = excluded.path,
			created_at = excluded.created_at, claim = excluded.claim
		WHERE idempotency.status = 0 AND idempotency.created_at < $8`,
		actor, key, method, path, []byte{}, now, c.Token(), now.Add(-idempotency.StaleClaim))
	if err != nil {
		return nil, nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if n == 1 {
		return c, nil, nil
	}
	var r idempotency.Result
	// Carried out a moment ago, the first request is still storing its
	// answer: to a retry it is still running.
	err = s.db.QueryRow(ctx, `SELECT method, path, CASE WHEN status = -1 AND created_at >= $3 THEN 0 ELSE status END, body
		FROM idempotency WHERE actor = $1 AND key = $2`, actor, key, now.Add(-idempotency.StaleClaim)).
		Scan(&r.Method, &r.Path, &r.Status, &r.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read idempotency key: %w", err)
	}
	return nil, &r, nil
}

// CompleteIdempotent stores the answer to the claimed request, unless a
// retry took the claim over.
func (s *Store) CompleteIdempotent(ctx context.Context, c *idempotency.Claim, status int, body []byte) error {
	_, err := s.db.Exec(ctx, `UPDATE idempotency SET status = $4, body = $5 WHERE actor = $1 AND key = $2 AND claim = $3`,
		c.Actor, c.Key, c.Token(), status, body)
	return err
}

// ReleaseIdempotent forgets a claim whose request failed in a way a retry
// may fix, unless it carried something out.
func (s *Store) ReleaseIdempotent(ctx context.Context, c *idempotency.Claim) error {
	_, err := s.db.Exec(ctx, `DELETE FROM idempotency WHERE actor = $1 AND key = $2 AND claim = $3 AND status = 0`, c.Actor, c.Key, c.Token())
	return err
}

// markClaim marks the claim in ctx, if any, carried out by the
// transaction q.
func markClaim(ctx context.Context, q Querier) error {
	c := idempotency.ClaimFrom(ctx)
	if c == nil {
		return nil
	}
	n, err := q.Exec(ctx, `UPDATE idempotency SET status = -1 WHERE actor = $1 AND key = $2 AND claim = $3 AND status <= 0`, c.Actor, c.Key, c.Token())
	if err != nil {
		return fmt.Errorf("mark idempotency key: %w", err)
	}
	if n == 0 {
		return dispatchd.Errorf(dispatchd.ECONFLICT, "a retry with the same Idempotency-Key took this request over; this one changed nothing")
	}
	return nil
}
