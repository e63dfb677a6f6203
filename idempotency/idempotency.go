// Package idempotency is the vocabulary the web layer and the stores share
// for requests with an Idempotency-Key: the claim one request holds on its
// key, the stored result a retry gets instead, and the context that carries
// the claim from the handler to the transaction that marks it.
//
// A retried request with an Idempotency-Key must change nothing twice, and a
// store outage in the middle of the first must not leave the key stuck. So a
// claim is bound to the write it guards: the transaction that carries out
// the request marks the claim in the same commit (StatusCarriedOut). A claim
// that is still unmarked when its request ended badly (the store went away,
// the process died) carried nothing out; once it is StaleClaim old a retry
// takes it over and runs again, and should the first request still commit
// after that, its mark finds the claim gone and rolls it back.
package idempotency

import (
	"context"
	"crypto/rand"
	"time"
)

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
	token      string // this request's, so that a takeover shows
}

// NewClaim returns a claim on the actor's key with a token of its own.
func NewClaim(actor, key string) *Claim {
	return &Claim{Actor: actor, Key: key, token: rand.Text()}
}

// Token tells this request's claim from a retry's that took it over.
func (c *Claim) Token() string { return c.token }

// Result is the stored answer to a request with an Idempotency-Key, or
// StatusRunning or StatusCarriedOut.
type Result struct {
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

// ClaimFrom returns the claim in ctx, or nil when there is none.
func ClaimFrom(ctx context.Context) *Claim {
	c, _ := ctx.Value(claimKey{}).(*Claim)
	return c
}
