package recorder

import (
	"slices"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/realtime"
	"dispatchd/resources"
)

// State is the operating picture at a moment, as a screen's snapshot
// showed it then: the open incidents, tasks and orders, the teams and
// depots with the same objects, every stock line and each unit's last
// position at or before At.
type State struct {
	At time.Time `json:"at"`
	// EventID is the last event at or before At.
	EventID   int64               `json:"event_id"`
	Incidents []dispatch.Incident `json:"incidents"`
	// Prepositions are the open pre-positionings' rows (kind
	// preposition), kept apart from the incidents as the snapshot keeps
	// them.
	Prepositions []dispatch.Incident `json:"prepositions"`
	Tasks        []dispatch.Task     `json:"tasks"`
	Orders       []dispatch.Order    `json:"orders"`
	Teams        []resources.Team    `json:"teams"`
	Depots       []resources.Depot   `json:"depots"`
	Stock        []StockLine         `json:"stock"`
	Positions    []realtime.Position `json:"positions"`
}

// StockLine is the level of one item at one depot.
type StockLine struct {
	Depot     string `json:"depot"`
	Item      string `json:"item"`
	OnHand    int64  `json:"on_hand"`
	Reserved  int64  `json:"reserved"`
	Available int64  `json:"available"`
}

// View returns what an actor of scope sc sees of the model, filtered as
// the websocket snapshot filters for admins, commanders and viewers:
// incidents by region and type, tasks and orders through their incident,
// teams, depots and stock by region. The lists are in the snapshot's
// order: incidents, tasks and orders newest first, teams, depots and
// stock by id.
func (m *Model) View(sc dispatchd.Scope) *State {
	st := &State{EventID: m.EventID, Incidents: []dispatch.Incident{}, Prepositions: []dispatch.Incident{}, Tasks: []dispatch.Task{}, Orders: []dispatch.Order{},
		Teams: []resources.Team{}, Depots: []resources.Depot{}, Stock: []StockLine{}, Positions: []realtime.Position{}}
	sees := func(r Ref) bool { return sc.Covers(r.Region) && sc.SeesType(r.Type) }
	for _, in := range m.Incidents {
		switch {
		case !sees(Ref{Region: in.Region, Type: in.Type}):
		case in.Kind == dispatch.KindPreposition:
			st.Prepositions = append(st.Prepositions, in)
		default:
			st.Incidents = append(st.Incidents, in)
		}
	}
	for _, t := range m.Tasks {
		if r, ok := m.incidentRef(t.Incident); ok && sees(r) {
			st.Tasks = append(st.Tasks, t)
		}
	}
	for _, o := range m.Orders {
		if r, ok := m.incidentRef(o.Incident); ok && sees(r) {
			st.Orders = append(st.Orders, o)
		}
	}
	for _, t := range m.Teams {
		if sc.Covers(t.Region) {
			st.Teams = append(st.Teams, t)
		}
	}
	for _, d := range m.Depots {
		if sc.Covers(d.Region) {
			st.Depots = append(st.Depots, d)
		}
	}
	st.Stock = make([]StockLine, 0, len(m.Stock))
	for _, k := range m.stockKeys() {
		l := m.Stock[k]
		if d, ok := m.Depots[k.Depot]; ok && sc.Covers(d.Region) {
			st.Stock = append(st.Stock, StockLine{Depot: k.Depot, Item: k.Item, OnHand: l.OnHand, Reserved: l.Reserved, Available: l.OnHand - l.Reserved})
		}
	}
	byIDDesc := func(a, b string) int { return strings.Compare(b, a) }
	slices.SortFunc(st.Incidents, func(a, b dispatch.Incident) int { return byIDDesc(a.ID, b.ID) })
	slices.SortFunc(st.Prepositions, func(a, b dispatch.Incident) int { return byIDDesc(a.ID, b.ID) })
	slices.SortFunc(st.Tasks, func(a, b dispatch.Task) int { return byIDDesc(a.ID, b.ID) })
	slices.SortFunc(st.Orders, func(a, b dispatch.Order) int { return byIDDesc(a.ID, b.ID) })
	slices.SortFunc(st.Teams, func(a, b resources.Team) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(st.Depots, func(a, b resources.Depot) int { return strings.Compare(a.ID, b.ID) })
	return st
}
