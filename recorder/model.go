// Package recorder rebuilds the operating picture at a past moment: the
// open incidents, tasks and orders, the teams, depots and stock levels as
// the websocket snapshot shows them, from checkpoints of that state taken
// every few minutes and the events committed after them.
package recorder

import (
	"maps"
	"slices"
	"strings"
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
	// keys are Stock's keys by depot and item, but for the lines added
	// since (added) and those removed (removed), so that View sorts only
	// what changed.
	keys    []StockKey
	added   []StockKey
	removed bool
}

// stockKeys returns Stock's keys by depot and item.
func (m *Model) stockKeys() []StockKey {
	if len(m.added) == 0 && !m.removed && len(m.keys) == len(m.Stock) {
		return m.keys
	}
	keys := make([]StockKey, 0, len(m.Stock))
	for _, k := range m.keys {
		if _, ok := m.Stock[k]; ok {
			keys = append(keys, k)
		}
	}
	added := make([]StockKey, 0, len(m.added))
	for _, k := range m.added {
		if _, ok := m.Stock[k]; ok {
			added = append(added, k)
		}
	}
	slices.SortFunc(added, compareKeys)
	merged := make([]StockKey, 0, len(m.Stock))
	i, j := 0, 0
	for i < len(keys) || j < len(added) {
		var k StockKey
		switch {
		case j == len(added) || (i < len(keys) && compareKeys(keys[i], added[j]) <= 0):
			k, i = keys[i], i+1
		default:
			k, j = added[j], j+1
		}
		if n := len(merged); n == 0 || merged[n-1] != k {
			merged = append(merged, k)
		}
	}
	if len(merged) != len(m.Stock) {
		// Lines set without the fold (a model built by hand): sort all.
		merged = slices.SortedFunc(maps.Keys(m.Stock), compareKeys)
	}
	m.keys, m.added, m.removed = merged, nil, false
	return m.keys
}

func compareKeys(a, b StockKey) int {
	if c := strings.Compare(a.Depot, b.Depot); c != 0 {
		return c
	}
	return strings.Compare(a.Item, b.Item)
}

// Clone returns a copy of the model that shares nothing it may change.
func (m *Model) Clone() *Model {
	c := *m
	c.Incidents, c.Tasks, c.Orders = maps.Clone(m.Incidents), maps.Clone(m.Tasks), maps.Clone(m.Orders)
	c.Refs, c.Teams, c.Depots, c.Stock = maps.Clone(m.Refs), maps.Clone(m.Teams), maps.Clone(m.Depots), maps.Clone(m.Stock)
	c.teams, c.depots, c.stock = maps.Clone(m.teams), maps.Clone(m.depots), maps.Clone(m.stock)
	c.keys, c.added = slices.Clone(m.keys), slices.Clone(m.added)
	return &c
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
