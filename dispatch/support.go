package dispatch

import (
	"slices"
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
)

// Support requests (跨区域支援): the jurisdiction of an incident asks
// another, by default the level above, for teams and materials. The
// receiving side's commanders answer by dispatching their own resources
// onto the requesting incident with tasks and orders that name the request,
// or decline it with a reason; unanswered by its deadline it climbs one
// level, once.
//
// The states:
//
//	requested --answer--> answered --close--> closed
//	requested --decline-> declined
//	requested --deadline-> escalated --answer/decline/close--> ...
//	requested, escalated --close (the requesting side withdraws)--> closed
//
// requested, escalated and answered are open: tasks and orders may still
// answer it. declined and closed are final.

// SupportStatus is where a support request is.
type SupportStatus string

// The support request statuses.
const (
	SupportRequested SupportStatus = "requested"
	SupportAnswered  SupportStatus = "answered"
	SupportDeclined  SupportStatus = "declined"
	SupportEscalated SupportStatus = "escalated"
	SupportClosed    SupportStatus = "closed"
)

// SupportStatuses lists every support request status.
var SupportStatuses = []SupportStatus{SupportRequested, SupportAnswered, SupportDeclined, SupportEscalated, SupportClosed}

// OpenSupport lists the statuses in which a request may still be answered.
var OpenSupport = []SupportStatus{SupportRequested, SupportEscalated, SupportAnswered}

// Open reports whether a request in s may still be answered.
func (s SupportStatus) Open() bool { return slices.Contains(OpenSupport, s) }

// Limits of a support request.
const (
	DefaultRespondWithin = 1800
	minRespondWithin     = 60
	maxRespondWithin     = 86400
)

// SupportRequest is one jurisdiction's request to another for support.
type SupportRequest struct {
	ID       string `json:"id"`
	Incident string `json:"incident"`
	// IncidentType is the requesting incident's type: the desks that see
	// the request.
	IncidentType string `json:"incident_type"`
	// From is the requesting incident's region; To the region it is
	// addressed to now.
	From           string        `json:"from"`
	To             string        `json:"to"`
	Needs          plan.Needs    `json:"needs"`
	Note           string        `json:"note"`
	RespondWithinS int           `json:"respond_within_s"`
	RespondBy      time.Time     `json:"respond_by"`
	Status         SupportStatus `json:"status"`
	Escalated      bool          `json:"escalated"`
	// EscalatedFrom is whom it was addressed to before it escalated.
	EscalatedFrom string `json:"escalated_from,omitempty"`
	// Reason is why it was declined or closed.
	Reason   string        `json:"reason,omitempty"`
	Answered SupportTotals `json:"answered"`
	// Tasks and Orders are those that answered it.
	Tasks     []string  `json:"tasks"`
	Orders    []string  `json:"orders"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// ClosedAt is when it was declined or closed.
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// SupportTotals totals what answered a request: the teams tasked, and
// the items ordered, by item.
type SupportTotals struct {
	Teams int                 `json:"teams"`
	Items []resources.ItemQty `json:"items"`
}

// SupportAsk is the body of a new support request.
type SupportAsk struct {
	Incident string `json:"incident"`
	// To is the region asked; "" asks the level above the requester.
	To             string     `json:"to"`
	Needs          plan.Needs `json:"needs"`
	RespondWithinS int        `json:"respond_within_s"`
	Note           string     `json:"note"`
}

// Direction selects support requests by side.
type Direction string

// The directions: requests addressed to the jurisdiction, and those its
// incidents made.
const (
	Incoming Direction = "incoming"
	Outgoing Direction = "outgoing"
)

// SupportFilter selects support requests, newest first.
type SupportFilter struct {
	// Prefix is a region prefix ("" for all) that To (Incoming), From
	// (Outgoing) or either (no direction) lies within.
	Prefix    string
	Direction Direction
	// Types, when not nil, limits the requests to those incident types.
	Types    []string
	Incident string
	Status   []SupportStatus
	After    string
	Limit    int
}

// events scope: the incident's type, and both sides.
func (r *SupportRequest) scoped(ev *dispatchd.Event) *dispatchd.Event {
	return ev.Scoped(r.IncidentType, r.From, r.To, r.EscalatedFrom)
}

// visibleTo reports whether either side of the request lies within the
// actor's jurisdiction and its desk works the incident's type.
func (r *SupportRequest) visibleTo(a dispatchd.Actor) bool {
	return a.Scope().SeesType(r.IncidentType) && (a.Covers(r.From) || a.Covers(r.To))
}

// receivedBy reports whether the request is addressed within the actor's
// jurisdiction, to a desk that works its type.
func (r *SupportRequest) receivedBy(a dispatchd.Actor) bool {
	return a.Scope().SeesType(r.IncidentType) && a.Covers(r.To)
}

// answer counts a task or an order against the request.
func (r *SupportRequest) answer(t *Task, o *Order, now time.Time) {
	if t != nil {
		r.Tasks = append(r.Tasks, t.ID)
		r.Answered.Teams++
	}
	if o != nil {
		r.Orders = append(r.Orders, o.ID)
		for _, l := range o.Lines {
			i := slices.IndexFunc(r.Answered.Items, func(q resources.ItemQty) bool { return q.Item == l.Item })
			if i < 0 {
				r.Answered.Items = append(r.Answered.Items, resources.ItemQty{Item: l.Item})
				i = len(r.Answered.Items) - 1
			}
			r.Answered.Items[i].Qty += l.Qty
		}
	}
	r.Status, r.UpdatedAt = SupportAnswered, now
}

// end moves the request to a final status.
func (r *SupportRequest) end(st SupportStatus, reason string, now time.Time) {
	r.Status, r.Reason, r.UpdatedAt, r.ClosedAt = st, reason, now, &now
}

// coversIncident reports whether the incident is in the actor's own
// jurisdiction and desk.
func coversIncident(a dispatchd.Actor, in *Incident) bool {
	return a.Covers(in.Region) && a.Scope().SeesType(in.Type)
}
