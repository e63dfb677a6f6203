// Package recorder rebuilds the operating picture at a past moment: the
// open incidents, tasks and orders, the teams, depots and stock levels as
// the websocket snapshot shows them, from checkpoints of that state taken
// every few minutes and the events committed after them.
package recorder

import (
	"time"

	"dispatchd/dispatch"
	"dispatchd/resources"
)

// StockKey names one stock line: an item at a depot.
type StockKey struct {
	Depot string
	Item  string
}

// Level is the quantity of one stock line.
type Level struct {
	OnHand   int64
	Reserved int64
}

// Ref is what scoping needs of an incident that is no longer open but
// whose tasks or orders still are.
type Ref struct {
	Region string `json:"region"`
	Type   string `json:"type"`
}

// Model is the whole state at one event, unscoped: the fold applies events
// to it, a checkpoint stores it, At filters it for an actor.
type Model struct {
	EventID int64
	TS      time.Time
	// Incidents, Tasks and Orders hold only the open ones.
	Incidents map[string]dispatch.Incident
	Tasks     map[string]dispatch.Task
	Orders    map[string]dispatch.Order
	// Refs holds the closed incidents that open tasks or orders name.
	Refs   map[string]Ref
	Teams  map[string]resources.Team
	Depots map[string]resources.Depot
	Stock  map[StockKey]Level

	// Base and BaseTS are the event id and time of the base checkpoint
	// the changes below are counted from.
	Base   int64
	BaseTS time.Time
	// changed teams, depots and stock lines since the base (a removed one
	// is changed too); rebase asks for the next checkpoint to be a base (a
	// stock import changed more than a delta should carry).
	teams  map[string]bool
	depots map[string]bool
	stock  map[StockKey]bool
	rebase bool
}

// NewModel returns an empty model.
func NewModel() *Model {
	m := &Model{Incidents: map[string]dispatch.Incident{}, Tasks: map[string]dispatch.Task{}, Orders: map[string]dispatch.Order{},
		Refs: map[string]Ref{}, Teams: map[string]resources.Team{}, Depots: map[string]resources.Depot{}, Stock: map[StockKey]Level{}}
	m.resetChanges()
	return m
}

func (m *Model) resetChanges() {
	m.teams, m.depots, m.stock, m.rebase = map[string]bool{}, map[string]bool{}, map[StockKey]bool{}, false
}

// Frame is the state a store reads in one consistent view for the first
// checkpoint.
type Frame struct {
	EventID   int64
	TS        time.Time
	Incidents []dispatch.Incident
	// Refs are the closed incidents of the open tasks and orders.
	Refs   []dispatch.Incident
	Tasks  []dispatch.Task
	Orders []dispatch.Order
	Teams  []resources.Team
	Depots []resources.Depot
	Stock  []resources.Stock
}

// FromFrame builds a model from a frame.
func FromFrame(f *Frame) *Model {
	m := NewModel()
	m.EventID, m.TS = f.EventID, f.TS
	for _, in := range f.Incidents {
		m.Incidents[in.ID] = in
	}
	for _, in := range f.Refs {
		m.Refs[in.ID] = Ref{Region: in.Region, Type: in.Type}
	}
	for _, t := range f.Tasks {
		m.Tasks[t.ID] = t
	}
	for _, o := range f.Orders {
		m.Orders[o.ID] = o
	}
	for _, t := range f.Teams {
		m.Teams[t.ID] = t
	}
	for _, d := range f.Depots {
		m.Depots[d.ID] = d
	}
	for _, s := range f.Stock {
		m.Stock[StockKey{s.Depot, s.Item}] = Level{s.OnHand, s.Reserved}
	}
	return m
}

// incidentRef returns the region and type of an incident the model knows.
func (m *Model) incidentRef(id string) (Ref, bool) {
	if in, ok := m.Incidents[id]; ok {
		return Ref{Region: in.Region, Type: in.Type}, true
	}
	r, ok := m.Refs[id]
	return r, ok
}

// pruneRefs forgets the closed incidents no open task or order names.
func (m *Model) pruneRefs() {
	used := map[string]bool{}
	for _, t := range m.Tasks {
		used[t.Incident] = true
	}
	for _, o := range m.Orders {
		used[o.Incident] = true
	}
	for id := range m.Refs {
		if !used[id] {
			delete(m.Refs, id)
		}
	}
}
