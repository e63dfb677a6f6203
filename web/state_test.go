package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/realtime"
)

// moment is what a screen received at one time: the snapshot's lists and
// the positions frame, and the depot's stock read then.
type moment struct {
	at    time.Time
	snap  map[string]json.RawMessage
	pos   []wsPos
	stock []stockOut
}

type stockOut struct {
	Depot     string `json:"depot"`
	Item      string `json:"item"`
	OnHand    int64  `json:"on_hand"`
	Reserved  int64  `json:"reserved"`
	Available int64  `json:"available"`
}

// look subscribes a screen of user to every topic and records what it
// receives, and the moment just after.
func (e *env) look(user string) moment {
	e.t.Helper()
	scr := e.ws(user)
	scr.send(map[string]any{"op": "subscribe", "topics": []string{"incidents", "teams", "positions", "tasks", "orders", "depots"}})
	var m moment
	_ = scr.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := scr.c.ReadMessage()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m.snap); err != nil || string(m.snap["type"]) != `"snapshot"` {
		e.t.Fatalf("got %s (%v), want a snapshot", b, err)
	}
	m.pos = scr.next().Items
	var st struct{ Items []stockOut }
	e.mustJSON(e.as(user, "GET", "/api/v1/depots/d1/stock", nil), 200, &st)
	m.stock = st.Items
	m.at = time.Now().UTC()
	// What happens next happens after the moment, to the microsecond the
	// stores keep.
	time.Sleep(2 * time.Millisecond)
	return m
}

// move reports a team's position to the screens, and writes it to the
// history as the history writer of dispatchd serve does.
func (e *env) move(team string, lon, lat float64) {
	e.t.Helper()
	ts := time.Now().UTC().Truncate(time.Millisecond)
	var res struct {
		Accepted int
		Rejected []struct{ Reason string }
	}
	e.mustJSON(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
		{"team": team, "lon": lon, "lat": lat, "ts": ts}}}), 200, &res)
	if res.Accepted != 1 {
		e.t.Fatalf("the position of %s was not accepted: %+v", team, res.Rejected)
	}
	if err := e.store.AppendPositions(context.Background(), []realtime.Position{{Team: team, Lon: lon, Lat: lat, TS: ts}}); err != nil {
		e.t.Fatal(err)
	}
}

// TestStateAtMoment: incidents, tasks, orders, stock and positions change,
// checkpoints are taken between the changes, and a screen looks at several
// moments; the state rebuilt for each moment equals what the screen
// received then, on both stores.
func TestStateAtMoment(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		e.checkpoint()
		var moments []moment

		id1 := newIncident(e, "s-1", nil)
		var res struct {
			Tasks  []struct{ ID string }
			Orders []struct{ ID string }
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id1+"/dispatch", map[string]any{
			"tasks":  []map[string]any{{"team": "t2", "instructions": "堤坝巡查"}},
			"orders": []map[string]any{{"depot": "d1", "lines": []map[string]any{{"item": "1010101", "qty": 20}}}},
		}), 201, &res)
		e.move("t2", 120.2101, 30.2201)
		moments = append(moments, e.look("commander")) // the events after the base

		e.checkpoint()
		e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+res.Tasks[0].ID+"/ack", nil), 200, nil)
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+res.Orders[0].ID+"/confirm", map[string]any{
			"lines": []map[string]any{{"item": "1010101", "qty": 15, "reason": "5 顶在检修"}}}), 200, nil)
		id2 := newIncident(e, "s-2", map[string]any{"title": "西湖区内涝"})
		e.mustJSON(e.as("manager", "POST", "/api/v1/depots/d1/stock/adjustments", map[string]any{"reason": "调拨入库",
			"lines": []map[string]any{{"item": "2020101", "delta": 4}}}), 200, nil)
		e.move("t2", 120.21011, 30.22011)
		e.move("t1", 120.1301, 30.2601)
		moments = append(moments, e.look("commander")) // a delta and the events after it

		e.checkpoint()
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id1+"/status", map[string]string{"status": "cancelled"}), 200, nil)
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id2+"/status", map[string]string{"status": "confirmed"}), 200, nil)
		e.move("t2", 120.21012, 30.22012)
		moments = append(moments, e.look("commander")) // the cancelled incident's task and order gone
		e.checkpoint()
		moments = append(moments, e.look("commander")) // right at a checkpoint

		for i, m := range moments {
			var got map[string]json.RawMessage
			e.mustJSON(e.as("commander", "GET", "/api/v1/state?at="+url.QueryEscape(m.at.Format(time.RFC3339Nano)), nil), 200, &got)
			for _, key := range []string{"event_id", "incidents", "tasks", "orders", "teams", "depots"} {
				if a, b := canon(t, got[key]), canon(t, m.snap[key]); !reflect.DeepEqual(a, b) {
					t.Errorf("moment %d: %s: got %s, want what the screen received: %s", i, key, got[key], m.snap[key])
				}
			}
			var pos []wsPos
			var stock []stockOut
			_ = json.Unmarshal(got["positions"], &pos)
			_ = json.Unmarshal(got["stock"], &stock)
			if !samePositions(pos, m.pos) {
				t.Errorf("moment %d: positions: got %+v, want %+v", i, pos, m.pos)
			}
			if !reflect.DeepEqual(stock, m.stock) {
				t.Errorf("moment %d: stock: got %+v, want %+v", i, stock, m.stock)
			}
		}
		if n := len(canon(t, moments[2].snap["tasks"]).([]any)); n != 0 {
			t.Errorf("the cancelled incident's moment shows %d tasks, want none", n)
		}

		// A county commander sees only its county's.
		if _, err := auth.NewService(e.store, e.store, 0).EnsureUsers(context.Background(), dispatchd.System, "secret",
			[]auth.SeedUser{{Username: "xihu", Role: dispatchd.RoleCommander, Jurisdiction: "330106"}}); err != nil {
			t.Fatal(err)
		}
		e.tokens["xihu"] = login(t, e, "xihu")
		var scoped struct {
			Incidents, Tasks, Orders, Depots, Stock []any
			Teams                                   []struct{ ID string }
			Positions                               []wsPos
		}
		e.mustJSON(e.as("xihu", "GET", "/api/v1/state?at="+url.QueryEscape(moments[1].at.Format(time.RFC3339Nano)), nil), 200, &scoped)
		if len(scoped.Incidents)+len(scoped.Tasks)+len(scoped.Orders)+len(scoped.Depots)+len(scoped.Stock) != 0 ||
			len(scoped.Teams) != 1 || scoped.Teams[0].ID != "t1" || len(scoped.Positions) != 1 || scoped.Positions[0].Team != "t1" {
			t.Errorf("the county commander got %+v, want its county's team t1 and its position only", scoped)
		}

		before := moments[0].at.Add(-time.Hour).Format(time.RFC3339)
		e.mustProblem(e.as("viewer", "GET", "/api/v1/state?at="+url.QueryEscape(before), nil), 404)
		e.mustProblem(e.as("viewer", "GET", "/api/v1/state?at="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), nil), 400, "at")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/state?at=yesterday", nil), 400, "at")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/state", nil), 400, "at")
	})
}

// canon decodes JSON with lists of objects sorted by id, so that lists in
// another order compare equal.
func canon(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	if list, ok := v.([]any); ok {
		sort.Slice(list, func(i, j int) bool {
			return fmt.Sprint(list[i].(map[string]any)["id"]) < fmt.Sprint(list[j].(map[string]any)["id"])
		})
	}
	return v
}

func samePositions(a, b []wsPos) bool {
	key := func(p wsPos) string {
		return fmt.Sprintf("%s %v %v %s", p.Team, p.Lon, p.Lat, p.TS.UTC().Format(time.RFC3339Nano))
	}
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i] = key(a[i])
	}
	for i := range b {
		kb[i] = key(b[i])
	}
	sort.Strings(ka)
	sort.Strings(kb)
	return reflect.DeepEqual(ka, kb)
}
