package recorder

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/resources"
)

// The statuses the websocket snapshot counts as open (store/sqldb State):
// the fold keeps exactly these.
var (
	openIncident = map[dispatch.IncidentStatus]bool{dispatch.Reported: true, dispatch.Confirmed: true, dispatch.Responding: true, dispatch.Stabilized: true}
	openTask     = map[dispatch.TaskStatus]bool{dispatch.Assigned: true, dispatch.Acknowledged: true, dispatch.EnRoute: true, dispatch.OnScene: true}
	openOrder    = map[dispatch.OrderStatus]bool{dispatch.Requested: true, dispatch.OrderConfirmed: true, dispatch.Shipped: true}
)

// LedgerSource reads the stock ledger lines an event wrote: a stock import
// carries only the depots it touched, its lines are in the ledger.
type LedgerSource interface {
	EventLedger(ctx context.Context, eventID int64) ([]resources.LedgerLine, error)
}

// staleData is what the fold reads of team.stale and team.fresh
// (plan.PositionStaleEvent).
type staleData struct {
	Team string `json:"team"`
}

// Apply brings the model to event ev, as the store's rows were once the
// event committed. Events of other types only move the event id. src
// reads the ledger lines of a stock import.
func (m *Model) Apply(ctx context.Context, src LedgerSource, ev dispatchd.Event) error {
	if ev.ID <= m.EventID {
		return nil
	}
	if err := m.apply(ctx, src, ev); err != nil {
		return fmt.Errorf("apply event %d (%s): %w", ev.ID, ev.Type, err)
	}
	m.EventID, m.TS = ev.ID, ev.TS
	return nil
}

func (m *Model) apply(ctx context.Context, src LedgerSource, ev dispatchd.Event) error {
	typ := ev.Type
	switch {
	case typ == "incident.created" || typ == "incident.updated" || typ == "preposition.created":
		var in dispatch.Incident
		if err := json.Unmarshal(ev.Data, &in); err != nil {
			return err
		}
		m.putIncident(in)
	case typ == "incident.status":
		var d dispatch.StatusEvent
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		in, ok := m.Incidents[d.ID]
		if !ok {
			return nil
		}
		in.Status, in.UpdatedAt = d.To, ev.TS
		if d.To == dispatch.Closed || d.To == dispatch.Cancelled {
			ts := ev.TS
			in.ClosedAt = &ts
		}
		m.putIncident(in)
	case strings.HasPrefix(typ, "task.") && typ != "task.notified":
		var d dispatch.TaskEvent
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		if d.Task == nil || d.Task.ID == "" {
			return nil
		}
		if openTask[d.Task.Status] {
			m.Tasks[d.Task.ID] = *d.Task
		} else {
			delete(m.Tasks, d.Task.ID)
		}
	case strings.HasPrefix(typ, "order."):
		var d dispatch.OrderEvent
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		if d.Order == nil || d.Order.ID == "" {
			return nil
		}
		if openOrder[d.Order.Status] {
			m.Orders[d.Order.ID] = *d.Order
		} else {
			delete(m.Orders, d.Order.ID)
		}
		for _, s := range d.Stock {
			m.setStock(StockKey{s.Depot, s.Item}, Level{s.OnHand, s.Reserved})
		}
	case typ == "team.created" || typ == "team.updated" || typ == "team.imported":
		var t resources.Team
		if err := json.Unmarshal(ev.Data, &t); err != nil {
			return err
		}
		if old, ok := m.Teams[t.ID]; ok && typ == "team.imported" {
			// An import keeps what the server sets (store ImportTeams).
			t.Status, t.PositionStale = old.Status, old.PositionStale
		}
		m.Teams[t.ID] = t
		m.teams[t.ID] = true
	case typ == "team.deleted":
		delete(m.Teams, ev.Subject)
		m.teams[ev.Subject] = true
	case typ == "team.status":
		var d dispatch.TeamStatusEvent
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		if t, ok := m.Teams[d.Team]; ok {
			t.Status = d.Status
			m.Teams[d.Team] = t
			m.teams[d.Team] = true
		}
	case typ == "team.stale" || typ == "team.fresh":
		var d staleData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		if t, ok := m.Teams[d.Team]; ok {
			t.PositionStale = typ == "team.stale"
			m.Teams[d.Team] = t
			m.teams[d.Team] = true
		}
	case typ == "depot.created" || typ == "depot.updated" || typ == "depot.imported":
		var d resources.Depot
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		m.Depots[d.ID] = d
		m.depots[d.ID] = true
	case typ == "depot.deleted":
		delete(m.Depots, ev.Subject)
		m.depots[ev.Subject] = true
		for k := range m.Stock {
			if k.Depot == ev.Subject {
				delete(m.Stock, k)
				m.stock[k] = true
				m.removed = true
			}
		}
	case typ == "stock.adjusted":
		var d resources.StockEvent
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		for _, l := range d.Lines {
			m.setStock(StockKey{l.Depot, l.Item}, Level{l.OnHand, l.Reserved})
		}
	case typ == "stock.imported":
		lines, err := src.EventLedger(ctx, ev.ID)
		if err != nil {
			return err
		}
		for _, l := range lines {
			m.setStock(StockKey{l.Depot, l.Item}, Level{l.OnHand, l.Reserved})
		}
		m.rebase = true
	}
	return nil
}

// putIncident keeps an open incident, or forgets a closed one but for
// the scope of its tasks and orders still open.
func (m *Model) putIncident(in dispatch.Incident) {
	if openIncident[in.Status] {
		m.Incidents[in.ID] = in
		delete(m.Refs, in.ID)
		return
	}
	delete(m.Incidents, in.ID)
	m.Refs[in.ID] = Ref{Region: in.Region, Type: in.Type}
}

func (m *Model) setStock(k StockKey, l Level) {
	if _, ok := m.Stock[k]; !ok {
		m.added = append(m.added, k)
	}
	m.Stock[k] = l
	m.stock[k] = true
}
