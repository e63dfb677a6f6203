package dispatchd

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Event is one committed change: the audit log, the timeline of an incident,
// the feed for websockets and the resume point of a client. Stores append it
// in the same transaction as the change and assign ID in commit order with no
// gap a reader could skip.
type Event struct {
	ID      int64           `json:"id"`
	TS      time.Time       `json:"ts"`
	Type    string          `json:"type"`
	Actor   string          `json:"actor"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`
}

// EventFilter selects events for the audit, newest first.
type EventFilter struct {
	Actor string
	// Type is an event type (auth.login) or, ending in a dot, a family
	// of them (auth.).
	Type     string
	From, To time.Time // zero means open
	Before   int64     // the cursor: events older than this id; 0 means from the newest
	Limit    int
}

// NewEvent builds an event whose data is v encoded as JSON. The store sets ID
// (and TS when it is zero) when it appends the event.
func NewEvent(typ string, actor Actor, subject string, v any) Event {
	data, err := json.Marshal(v)
	if err != nil {
		// Every value passed here is a plain domain struct; failing to
		// encode one is a programming error.
		panic("encode event data: " + err.Error())
	}
	return Event{TS: time.Now().UTC(), Type: typ, Actor: actor.Name(), Subject: subject, Data: data}
}

// NewID returns a new opaque, time-ordered id (UUIDv7).
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}
