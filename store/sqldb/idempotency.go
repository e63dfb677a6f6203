package sqldb

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"dispatchd"
)

// A retried request with an Idempotency-Key must change nothing twice, and a
// store outage in the middle of the first must not leave the key stuck. So a
// claim is bound to the write it guards: the transaction that carries out
// the request marks the claim in the same commit (StatusCarriedOut). A claim
// that is still unmarked when its request ended badly (the store went away,
// the process died) carried nothing out; once it is StaleClaim old a retry
// takes it over and runs again, and should the first request still commit
// after that, its mark finds the claim gone and rolls it back.

// StaleClaim is how old an unmarked claim must be before a retry takes it
// over; younger ones answer "still running".
const StaleClaim = 15 * time.Second

// Stored statuses besides an HTTP status.
const (
	StatusRunning    = 0  // claimed; nothing carried out yet
	StatusCarriedOut = -1 // carried out, and StaleClaim later the answer is still not stored: it was lost
)

// Claim is an Idempotency-Key that one request holds.
type Claim struct {
	Actor, Key string
	id         string // this request's, so that a takeover shows
}

// IdempotentResult is the stored answer to a request with an
// Idempotency-Key, or StatusRunning or StatusCarriedOut.
type IdempotentResult struct {
	Method string
	Path   string
	Status int
	Body   []byte
}

type claimKey struct{}

// WithClaim returns ctx carrying c: every write transaction run with it
// marks the claim carried out in its own commit, or fails with a conflict
// if a retry took the claim over.
func WithClaim(ctx context.Context, c *Claim) context.Context {
	return context.WithValue(ctx, claimKey{}, c)
}

// ClaimIdempotent claims the actor's key for a request that starts now. If
// the key is held or was used, it returns that request's result instead and
// claims nothing, unless the holder is StaleClaim old with nothing carried
// out: then it takes the claim over.
func (s *Store) ClaimIdempotent(ctx context.Context, actor, key, method, path string, now time.Time) (*Claim, *IdempotentResult, error) {
	c := &Claim{Actor: actor, Key: key, id: rand.Text()}
	n, err := s.db.Exec(ctx, `INSERT INTO idempotency (actor, key, method, path, status, body, created_at, claim)
		VALUES ($1, $2, $3, $4, 0, $5, $6, $7)
		ON CONFLICT (actor, key) DO UPDATE SET method = excluded.method, path = excluded.path,
			created_at = excluded.created_at, claim = excluded.claim
		WHERE idempotency.status = 0 AND idempotency.created_at < $8`,
		actor, key, method, path, []byte{}, now, c.id, now.Add(-StaleClaim))
	if err != nil {
		return nil, nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if n == 1 {
		return c, nil, nil
	}
	var r IdempotentResult
	// Carried out a moment ago, the first request is still storing its
	// answer: to a retry it is still running.
	err = s.db.QueryRow(ctx, `SELECT method, path, CASE WHEN status = -1 AND created_at >= $3 THEN 0 ELSE status END, body
		FROM idempotency WHERE actor = $1 AND key = $2`, actor, key, now.Add(-StaleClaim)).
		Scan(&r.Method, &r.Path, &r.Status, &r.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read idempotency key: %w", err)
	}
	return nil, &r, nil
}

// CompleteIdempotent stores the answer to the claimed request, unless a
// retry took the claim over.
func (s *Store) CompleteIdempotent(ctx context.Context, c *Claim, status int, body []byte) error {
	_, err := s.db.Exec(ctx, `UPDATE idempotency SET status = $4, body = $5 WHERE actor = $1 AND key = $2 AND claim = $3`,
		c.Actor, c.Key, c.id, status, body)
	return err
}

// ReleaseIdempotent forgets a claim whose request failed in a way a retry
// may fix, unless it carried something out.
func (s *Store) ReleaseIdempotent(ctx context.Context, c *Claim) error {
	_, err := s.db.Exec(ctx, `DELETE FROM idempotency WHERE actor = $1 AND key = $2 AND claim = $3 AND status = 0`, c.Actor, c.Key, c.id)
	return err
}

// markClaim marks the claim in ctx, if any, carried out by the
// transaction q.
func markClaim(ctx context.Context, q Querier) error {
	c, _ := ctx.Value(claimKey{}).(*Claim)
	if c == nil {
		return nil
	}
	n, err := q.Exec(ctx, `UPDATE idempotency SET status = -1 WHERE actor = $1 AND key = $2 AND claim = $3 AND status <= 0`, c.Actor, c.Key, c.id)
	if err != nil {
		return fmt.Errorf("mark idempotency key: %w", err)
	}
	if n == 0 {
		return dispatchd.Errorf(dispatchd.ECONFLICT, "a retry with the same Idempotency-Key took this request over; this one changed nothing")
	}
	return nil
}
