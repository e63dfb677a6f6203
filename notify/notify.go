// Package notify reaches people whose page is closed: an outbox of
// messages written in the transaction of what caused them (a warning's
// recipients, a task to a lead who is not connected), one sender per
// deployment that drains it through channels (SMS over SMPP, a signed
// webhook) with retries, backoff and a rate per channel, and the one-tap
// answer codes that the links in those messages carry.
//
// A message's body may hold Link ("{link}"): the sender replaces it with
// a fresh one-tap link when it sends, and stores only the code's SHA-256,
// so that no answer code is ever kept in plain text. A message sent again
// carries a new link; every code sent stays valid until it expires.
package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"time"

	"dispatchd"
)

// Channels a message goes by.
const (
	SMS     = "sms"
	Webhook = "webhook"
)

// Link is the placeholder in a body for the one-tap link.
const Link = "{link}"

// Message states: pending until the channel's gateway acknowledges it
// (sent) or it is given up (failed).
const (
	Pending = "pending"
	Sent    = "sent"
	Failed  = "failed"
)

// Delivered is what a delivery receipt says of a message that reached the
// phone; Failed, of one that did not.
const Delivered = "delivered"

// Kinds of what a message is about, and of the subject of an answer code.
const (
	KindWarning = "warning" // a warning to a responsible person
	KindNotice  = "notice"  // a "not answered" notice to a superior
	KindTask    = "task"    // a task to a team lead
)

// Message is one row of the outbox.
type Message struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	// Recipient is the phone number for SMS; for the webhook, the phone
	// the bureau's gateway should reach.
	Recipient string `json:"recipient"`
	Body      string `json:"body"`
	// Subject is the warning recipient's or the task's id; Kind says which.
	Subject string `json:"subject"`
	Kind    string `json:"kind"`
	State   string `json:"state"`
	// Attempts counts the sends tried; NextAt is when the next may start.
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at"`
	GatewayID string    `json:"gateway_id"`
	LastError string    `json:"last_error"`
	// LinkExpires is when the codes of the links sent for it expire; zero
	// when the body has no link.
	LinkExpires time.Time  `json:"link_expires"`
	CreatedAt   time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at"`
	FinalAt     *time.Time `json:"final_at"`
}

// NewMessage returns a pending message, due at now.
func NewMessage(channel, recipient, body, kind, subject string, linkExpires, now time.Time) Message {
	return Message{
		ID: dispatchd.NewID(), Channel: channel, Recipient: recipient, Body: body,
		Kind: kind, Subject: subject, State: Pending, NextAt: now,
		LinkExpires: linkExpires, CreatedAt: now,
	}
}

// Code is a stored one-tap answer code: only its hash.
type Code struct {
	Hash    []byte
	Kind    string // KindWarning or KindNotice (a warning recipient), KindTask
	Subject string
	Expires time.Time
	Created time.Time
}

// codeBytes is the randomness of a code: 128 bits.
const codeBytes = 16

// NewCode returns a random code, as it goes in a link (22 characters of
// base64url), and its hash, as it is stored.
func NewCode() (code string, hash []byte) {
	b := make([]byte, codeBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	code = base64.RawURLEncoding.EncodeToString(b)
	return code, HashCode(code)
}

// HashCode returns the stored form of a code.
func HashCode(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// ValidCode reports whether s has the form of a code, before any lookup.
func ValidCode(s string) bool {
	if len(s) != 22 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// Store keeps the outbox, the answer codes and the sender's lease.
type Store interface {
	// Enqueue inserts messages and appends the event, in one transaction.
	// Other stores write messages in their own transactions (a warning's).
	Enqueue(ctx context.Context, msgs []Message, ev *dispatchd.Event) error
	// Due returns at most limit pending messages of the channel whose
	// NextAt is not after now, oldest first.
	Due(ctx context.Context, channel string, now time.Time, limit int) ([]Message, error)
	// Claim counts an attempt of each message still pending and due at
	// now, pushes its NextAt to retryAt (so that a sender that dies
	// mid-send retries it then, and no other sender claims it before) and
	// stores the codes of the links it is about to send, in one
	// transaction. It returns the ids it claimed, which may be sent.
	Claim(ctx context.Context, ids []string, now, retryAt time.Time, codes []Code) ([]string, error)
	// Acked records what the gateways answered: sent with a gateway id,
	// or, for a refusal not worth retrying, failed; or pending again at a
	// later NextAt. One transaction for the batch.
	Acked(ctx context.Context, results []Result) error
	// ByGatewayID returns the message a gateway's id names; not_found.
	ByGatewayID(ctx context.Context, channel, gatewayID string) (*Message, error)
	// Code returns the stored code of a hash; not_found when unknown.
	Code(ctx context.Context, hash []byte) (*Code, error)
	// Lease takes or renews the named lease for holder until until, when
	// it is free, expired or already holder's; it reports whether holder
	// has it.
	Lease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	// Release gives up holder's lease.
	Release(ctx context.Context, name, holder string) error
}

// Result is what became of one send.
type Result struct {
	ID        string
	State     string // Sent, Failed or Pending (retry at NextAt)
	GatewayID string
	Error     string
	NextAt    time.Time
	At        time.Time
}

// CodeBook looks up stored codes by hash; the outbox store is one. Code
// answers not_found for an unknown hash.
type CodeBook interface {
	Code(ctx context.Context, hash []byte) (*Code, error)
}

// Subject returns the subject of code when book holds it, it is of one of
// kinds and it has not expired at now; not_found otherwise, the same for
// every reason, so that a guess learns nothing; unavailable without a
// book.
func Subject(ctx context.Context, book CodeBook, code string, now time.Time, kinds ...string) (string, error) {
	if book == nil {
		return "", dispatchd.Errorf(dispatchd.EUNAVAILABLE, "answer links are not configured")
	}
	gone := dispatchd.Errorf(dispatchd.ENOTFOUND, "this link is unknown or has expired")
	if !ValidCode(code) {
		return "", gone
	}
	c, err := book.Code(ctx, HashCode(code))
	if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
		return "", gone
	}
	if err != nil {
		return "", err
	}
	if !slices.Contains(kinds, c.Kind) || !now.Before(c.Expires) {
		return "", gone
	}
	return c.Subject, nil
}
