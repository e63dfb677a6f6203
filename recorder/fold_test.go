package recorder

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/resources"
)

// ledger is a LedgerSource of fixed lines by event id.
type ledger map[int64][]resources.LedgerLine

func (l ledger) EventLedger(_ context.Context, id int64) ([]resources.LedgerLine, error) {
	return l[id], nil
}

var t0 = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)

// ev builds event id of typ with v as its data, a second after the one
// before.
func ev(id int64, typ, subject string, v any) dispatchd.Event {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return dispatchd.Event{ID: id, TS: t0.Add(time.Duration(id) * time.Second), Type: typ, Subject: subject, Data: data}
}

// world is a model with a team, a depot with stock, an open incident
// with an open task and order.
func world() *Model {
	m := NewModel()
	m.Teams["t1"] = resources.Team{ID: "t1", Region: "330106", Status: resources.TeamAvailable}
	m.Depots["d1"] = resources.Depot{ID: "d1", Region: "330100"}
	m.Stock[StockKey{"d1", "i1"}] = Level{OnHand: 100, Reserved: 20}
	m.Incidents["in1"] = dispatch.Incident{ID: "in1", Type: "flood", Region: "330106", Status: dispatch.Responding}
	m.Tasks["k1"] = dispatch.Task{ID: "k1", Incident: "in1", Team: "t1", Status: dispatch.Assigned}
	m.Orders["o1"] = dispatch.Order{ID: "o1", Incident: "in1", Depot: "d1", Status: dispatch.Requested}
	return m
}

func TestApply(t *testing.T) {
	closed := dispatch.Incident{ID: "in1", Type: "flood", Region: "330106", Status: dispatch.Closed}
	for _, tt := range []struct {
		name  string
		ev    dispatchd.Event
		check func(t *testing.T, m *Model)
	}{
		{"incident.created", ev(1, "incident.created", "in2", dispatch.Incident{ID: "in2", Type: "fire", Status: dispatch.Reported}), func(t *testing.T, m *Model) {
			if m.Incidents["in2"].Type != "fire" {
				t.Fatalf("got %+v, want in2 open", m.Incidents)
			}
		}},
		{"incident.updated closed", ev(1, "incident.updated", "in1", closed), func(t *testing.T, m *Model) {
			if _, ok := m.Incidents["in1"]; ok || m.Refs["in1"].Region != "330106" {
				t.Fatalf("got %+v and refs %+v, want in1 gone but for its scope", m.Incidents, m.Refs)
			}
		}},
		{"incident.status", ev(1, "incident.status", "in1", dispatch.StatusEvent{ID: "in1", From: dispatch.Responding, To: dispatch.Stabilized}), func(t *testing.T, m *Model) {
			if in := m.Incidents["in1"]; in.Status != dispatch.Stabilized || !in.UpdatedAt.Equal(t0.Add(time.Second)) {
				t.Fatalf("got %+v, want stabilized at the event's time", in)
			}
		}},
		{"incident.status cancelled", ev(1, "incident.status", "in1", dispatch.StatusEvent{ID: "in1", From: dispatch.Responding, To: dispatch.Cancelled}), func(t *testing.T, m *Model) {
			if _, ok := m.Incidents["in1"]; ok {
				t.Fatalf("got %+v, want in1 gone", m.Incidents)
			}
		}},
		{"task.created", ev(1, "task.created", "k2", dispatch.TaskEvent{Task: &dispatch.Task{ID: "k2", Incident: "in1", Status: dispatch.Assigned}}), func(t *testing.T, m *Model) {
			if len(m.Tasks) != 2 {
				t.Fatalf("got %+v, want k2 open", m.Tasks)
			}
		}},
		{"task completed", ev(1, "task.completed", "k1", dispatch.TaskEvent{Task: &dispatch.Task{ID: "k1", Incident: "in1", Status: dispatch.Completed}}), func(t *testing.T, m *Model) {
			if len(m.Tasks) != 0 {
				t.Fatalf("got %+v, want none open", m.Tasks)
			}
		}},
		{"task declined", ev(1, "task.declined", "k1", dispatch.TaskEvent{Task: &dispatch.Task{ID: "k1", Incident: "in1", Status: dispatch.Declined}}), func(t *testing.T, m *Model) {
			if len(m.Tasks) != 0 {
				t.Fatalf("got %+v, want none open", m.Tasks)
			}
		}},
		{"task.notified changes nothing", ev(1, "task.notified", "k1", map[string]any{"task": "k1", "team": "t1"}), func(t *testing.T, m *Model) {
			if !reflect.DeepEqual(m.Tasks, world().Tasks) {
				t.Fatalf("got %+v, want the task as it was", m.Tasks)
			}
		}},
		{"order.confirmed", ev(1, "order.confirmed", "o1", dispatch.OrderEvent{Order: &dispatch.Order{ID: "o1", Incident: "in1", Status: dispatch.OrderConfirmed},
			Stock: []resources.Stock{{Depot: "d1", Item: "i1", OnHand: 100, Reserved: 15}}}), func(t *testing.T, m *Model) {
			if m.Orders["o1"].Status != dispatch.OrderConfirmed || m.Stock[StockKey{"d1", "i1"}].Reserved != 15 {
				t.Fatalf("got %+v and %+v, want confirmed and 15 reserved", m.Orders, m.Stock)
			}
		}},
		{"order.delivered", ev(1, "order.delivered", "o1", dispatch.OrderEvent{Order: &dispatch.Order{ID: "o1", Status: dispatch.Delivered}}), func(t *testing.T, m *Model) {
			if len(m.Orders) != 0 {
				t.Fatalf("got %+v, want none open", m.Orders)
			}
		}},
		{"order.rejected", ev(1, "order.rejected", "o1", dispatch.OrderEvent{Order: &dispatch.Order{ID: "o1", Status: dispatch.Rejected}}), func(t *testing.T, m *Model) {
			if len(m.Orders) != 0 {
				t.Fatalf("got %+v, want none open", m.Orders)
			}
		}},
		{"team.status", ev(1, "team.status", "t1", dispatch.TeamStatusEvent{Team: "t1", Status: resources.TeamOnScene}), func(t *testing.T, m *Model) {
			if m.Teams["t1"].Status != resources.TeamOnScene || !m.teams["t1"] {
				t.Fatalf("got %+v, want on scene and changed", m.Teams["t1"])
			}
		}},
		{"team.stale", ev(1, "team.stale", "t1", map[string]any{"team": "t1"}), func(t *testing.T, m *Model) {
			if !m.Teams["t1"].PositionStale {
				t.Fatalf("got %+v, want stale", m.Teams["t1"])
			}
		}},
		{"team.imported keeps status", ev(1, "team.imported", "t1", resources.Team{ID: "t1", Name: "new"}), func(t *testing.T, m *Model) {
			if m.Teams["t1"].Name != "new" || m.Teams["t1"].Status != resources.TeamAvailable {
				t.Fatalf("got %+v, want the new name", m.Teams["t1"])
			}
		}},
		{"team.deleted", ev(1, "team.deleted", "t1", map[string]string{"id": "t1"}), func(t *testing.T, m *Model) {
			if _, ok := m.Teams["t1"]; ok || !m.teams["t1"] {
				t.Fatalf("got %+v, want t1 gone and changed", m.Teams)
			}
		}},
		{"depot.updated", ev(1, "depot.updated", "d1", resources.Depot{ID: "d1", Name: "x", Region: "330100"}), func(t *testing.T, m *Model) {
			if m.Depots["d1"].Name != "x" {
				t.Fatalf("got %+v", m.Depots)
			}
		}},
		{"depot.deleted", ev(1, "depot.deleted", "d1", map[string]string{"id": "d1"}), func(t *testing.T, m *Model) {
			if len(m.Depots)+len(m.Stock) != 0 {
				t.Fatalf("got %+v and %+v, want the depot and its stock gone", m.Depots, m.Stock)
			}
		}},
		{"stock.adjusted", ev(1, "stock.adjusted", "d1", resources.StockEvent{Depot: "d1", Lines: []resources.LedgerLine{{Depot: "d1", Item: "i2", OnHand: 7}}}), func(t *testing.T, m *Model) {
			if m.Stock[StockKey{"d1", "i2"}].OnHand != 7 || m.Stock[StockKey{"d1", "i1"}].OnHand != 100 {
				t.Fatalf("got %+v", m.Stock)
			}
		}},
		{"stock.imported", ev(1, "stock.imported", "stock", resources.StockImportEvent{Depots: []string{"d1"}}), func(t *testing.T, m *Model) {
			if m.Stock[StockKey{"d1", "i1"}].OnHand != 60 || !m.rebase {
				t.Fatalf("got %+v, want the ledger's 60 and a base next", m.Stock)
			}
		}},
		{"other events move the id only", ev(1, "auth.login", "u", map[string]string{}), func(t *testing.T, m *Model) {
			if m.EventID != 1 || len(m.Incidents) != 1 {
				t.Fatalf("got event %d, %d incidents", m.EventID, len(m.Incidents))
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := world()
			src := ledger{1: {{Depot: "d1", Item: "i1", OnHand: 60, Reserved: 20}}}
			if err := m.Apply(context.Background(), src, tt.ev); err != nil {
				t.Fatal(err)
			}
			if m.EventID != tt.ev.ID || !m.TS.Equal(tt.ev.TS) {
				t.Fatalf("got event %d at %v, want %d", m.EventID, m.TS, tt.ev.ID)
			}
			tt.check(t, m)
		})
	}
}

// TestApplyBadData: an event whose data does not decode is an error, not a
// silent gap.
func TestApplyBadData(t *testing.T) {
	m := world()
	err := m.Apply(context.Background(), ledger{}, dispatchd.Event{ID: 1, Type: "incident.created", Data: []byte(`{"id":`)})
	if err == nil || m.EventID != 0 {
		t.Fatalf("got %v at event %d, want an error and the model unmoved", err, m.EventID)
	}
}

// TestCheckpointRoundTrip: a base and a delta on it decode to the model
// they were taken of, removals included, and the view scopes it.
func TestCheckpointRoundTrip(t *testing.T) {
	ctx := context.Background()
	m := world()
	m.EventID, m.TS = 10, t0
	base, err := m.Encode(true)
	if err != nil {
		t.Fatal(err)
	}
	steps := []dispatchd.Event{
		ev(11, "stock.adjusted", "d1", resources.StockEvent{Lines: []resources.LedgerLine{{Depot: "d1", Item: "i1", OnHand: 90, Reserved: 20}}}),
		ev(12, "team.created", "t2", resources.Team{ID: "t2", Region: "330127"}),
		ev(13, "depot.created", "d2", resources.Depot{ID: "d2", Region: "330127"}),
		ev(14, "stock.adjusted", "d2", resources.StockEvent{Lines: []resources.LedgerLine{{Depot: "d2", Item: "i1", OnHand: 5}}}),
		ev(15, "incident.status", "in1", dispatch.StatusEvent{ID: "in1", To: dispatch.Closed}),
		ev(16, "team.deleted", "t1", nil),
	}
	for _, e := range steps {
		if err := m.Apply(ctx, ledger{}, e); err != nil {
			t.Fatal(err)
		}
	}
	delta, err := m.Encode(false)
	if err != nil {
		t.Fatal(err)
	}
	if delta.IsBase() || delta.Base != 10 || len(delta.Data) >= len(base.Data)*4 {
		t.Fatalf("got %+v, want a small delta on base 10", delta)
	}
	if _, err := Decode(delta, nil); err == nil {
		t.Fatal("a delta decoded without its base")
	}
	b, err := Decode(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(delta, b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.View(dispatchd.Scope{}), m.View(dispatchd.Scope{})) || got.EventID != 16 || !got.TS.Equal(m.TS) {
		t.Fatalf("got %+v, want %+v", got.View(dispatchd.Scope{}), m.View(dispatchd.Scope{}))
	}
	// The closed incident's task and order stay in its scope.
	county := got.View(dispatchd.Scope{Prefix: "330106"})
	if len(county.Tasks) != 1 || len(county.Orders) != 1 || len(county.Teams) != 0 || len(county.Incidents) != 0 {
		t.Fatalf("got %+v, want the task and order of the county's closed incident", county)
	}
	other := got.View(dispatchd.Scope{Prefix: "330127"})
	if len(other.Teams) != 1 || len(other.Depots) != 1 || len(other.Stock) != 1 || len(other.Tasks) != 0 {
		t.Fatalf("got %+v, want t2, d2 and its stock only", other)
	}
	desk := got.View(dispatchd.Scope{Types: []string{"fire"}})
	if len(desk.Tasks)+len(desk.Orders) != 0 || len(desk.Teams) != 1 {
		t.Fatalf("got %+v, want no flood task or order on the fire desk", desk)
	}
	// A delta decoded goes on counting changes from its base.
	if err := got.Apply(ctx, ledger{}, ev(17, "stock.adjusted", "d1", resources.StockEvent{Lines: []resources.LedgerLine{{Depot: "d1", Item: "i1", OnHand: 80}}})); err != nil {
		t.Fatal(err)
	}
	next, err := got.Encode(false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = Decode(base, nil)
	again, err := Decode(next, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := again.Teams["t1"]; ok || again.Stock[StockKey{"d2", "i1"}].OnHand != 5 || again.Stock[StockKey{"d1", "i1"}].OnHand != 80 {
		t.Fatalf("got %+v and %+v, want t1 still removed and both levels", again.Teams, again.Stock)
	}
}
