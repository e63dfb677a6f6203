package dispatchd

import (
	"encoding/json"
	"slices"
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
	// Regions are the regions the event concerns (an incident's, the
	// team's or depot's, a support request's two sides): who may see it.
	// Empty: the whole deployment only, or everyone for events of no
	// region (the catalog).
	Regions []string `json:"-"`
	// Hazard is the incident type an incident's, task's, order's or
	// support request's event concerns, for desks; "" for the others.
	Hazard string `json:"-"`
}

// Scoped sets the regions and hazard of the event and returns it.
func (e *Event) Scoped(hazard string, regions ...string) *Event {
	e.Hazard = hazard
	e.Regions = e.Regions[:0]
	for _, r := range regions {
		if r != "" && !slices.Contains(e.Regions, r) {
			e.Regions = append(e.Regions, r)
		}
	}
	return e
}

// Visible reports whether an actor of scope s may see the event: events
// that name regions need one within the scope, events that name a hazard
// need the desk to work it.
func (e *Event) Visible(s Scope) bool {
	if s.Everything() {
		return true
	}
	if e.Hazard != "" && !s.SeesType(e.Hazard) {
		return false
	}
	return len(e.Regions) == 0 || s.CoversAny(e.Regions)
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
	// Scope limits the events to those an actor of this scope may see
	// (Event.Visible).
	Scope Scope
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
