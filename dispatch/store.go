package dispatch

import (
	"context"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

// Lock names the rows a change reads and must hold until it commits. The
// store locks them in one fixed order (incident, its tasks and orders,
// support requests, tasks, orders, teams, stock), each class sorted, so
// that two changes never wait on each other in a cycle. The teams of locked tasks and the
// stock of locked orders are locked too, without being named.
type Lock struct {
	Incident string
	// Children also locks every task and order of the incident.
	Children bool
	Tasks    []string
	Orders   []string
	Teams    []string
	Stock    []StockKey
	// Depots are read, not locked: their names, and whether they exist.
	Depots []string
	// Support lists support requests to lock (after the incident, before
	// the tasks); Children also locks the incident's.
	Support []string
}

// Snapshot is what a change sees: the locked rows as they are. A row that
// does not exist is absent from its map.
type Snapshot struct {
	Incident *Incident
	Tasks    map[string]*Task
	Orders   map[string]*Order
	Teams    map[string]*resources.Team
	// Busy maps each locked team that has an active task to that task.
	Busy   map[string]string
	Stock  map[StockKey]resources.Stock
	Depots map[string]*resources.Depot
	// Support holds the locked support requests.
	Support map[string]*SupportRequest
}

// LedgerEntry is a ledger line and the index, in Change.Events, of the
// event it belongs to.
type LedgerEntry struct {
	Line  resources.LedgerLine
	Event int
}

// Change is what a decision writes, all in one transaction: rows are
// inserted or replaced whole, teams get a new status.
type Change struct {
	Incident   *Incident
	Tasks      []*Task
	Orders     []*Order
	TeamStatus map[string]resources.TeamStatus
	Stock      []resources.Stock
	Ledger     []LedgerEntry
	Events     []*dispatchd.Event
	// Support are support requests to insert or replace, before the tasks
	// and orders.
	Support []*SupportRequest
	// Proposal is the record of the suggestion a dispatch names, written
	// unless it is stored already; Choice what the dispatch chose of it.
	Proposal *Proposal
	Choice   *Choice
}

// Store keeps incidents, tasks and orders.
type Store interface {
	// Apply locks the rows named by lock, passes decide what they hold and
	// writes the change it returns with its events, in one transaction.
	// ENOTFOUND when lock.Incident does not exist; an error from decide
	// aborts and is returned as is.
	Apply(ctx context.Context, lock Lock, decide func(*Snapshot) (*Change, error)) error

	// GetIncident returns an incident, or ENOTFOUND.
	GetIncident(ctx context.Context, id string) (*Incident, error)
	ListIncidents(ctx context.Context, f IncidentFilter) ([]Incident, error)
	// GetTask returns a task, or ENOTFOUND.
	GetTask(ctx context.Context, id string) (*Task, error)
	ListTasks(ctx context.Context, f TaskFilter) ([]Task, error)
	// GetOrder returns an order, or ENOTFOUND.
	GetOrder(ctx context.Context, id string) (*Order, error)
	ListOrders(ctx context.Context, f OrderFilter) ([]Order, error)
	// DueTasks returns up to limit assigned, unescalated tasks whose ack_by
	// is at or before now, oldest deadline first.
	DueTasks(ctx context.Context, now time.Time, limit int) ([]string, error)
	// IncidentEvents returns every event about the incident, its tasks, its
	// orders and its support requests, in id order.
	IncidentEvents(ctx context.Context, incident string) ([]dispatchd.Event, error)
	// GetSupportRequest returns a support request, or ENOTFOUND.
	GetSupportRequest(ctx context.Context, id string) (*SupportRequest, error)
	ListSupportRequests(ctx context.Context, f SupportFilter) ([]SupportRequest, error)
	// DueSupportRequests returns up to limit requested, unescalated
	// support requests whose respond_by is at or before now, oldest
	// deadline first.
	DueSupportRequests(ctx context.Context, now time.Time, limit int) ([]string, error)
	// SetPositionStale sets the team's position_stale flag to stale and
	// appends ev, in one transaction, unless the flag already is so or the
	// team does not exist; it reports whether it changed the team. When
	// several callers make the same change at once, one of them writes it.
	SetPositionStale(ctx context.Context, team string, stale bool, ev *dispatchd.Event) (bool, error)
	// ReviewTargets returns the targets of the review standard, sorted by
	// metric, type and level.
	ReviewTargets(ctx context.Context) ([]Target, error)
	// SetReviewTargets replaces every target with ts and appends ev, in
	// one transaction.
	SetReviewTargets(ctx context.Context, ts []Target, ev *dispatchd.Event) error
	// PrepositionTemplates returns the stored pre-positioning templates,
	// sorted by hazard and level.
	PrepositionTemplates(ctx context.Context) ([]Template, error)
	// SetPrepositionTemplates replaces every template with ts and appends
	// ev, in one transaction.
	SetPrepositionTemplates(ctx context.Context, ts []Template, ev *dispatchd.Event) error
	// SaveProposals stores the records not stored yet; a record whose id
	// is stored already is left as it is.
	SaveProposals(ctx context.Context, ps []*Proposal) error
	// GetProposal returns the record of a suggestion served, or ENOTFOUND.
	GetProposal(ctx context.Context, id string) (*Proposal, error)
	// IncidentChoices returns the choices made of the incident's
	// suggestions, in id order.
	IncidentChoices(ctx context.Context, incident string) ([]Choice, error)
}
