package web_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// TestSuggestionDispatchRoundTrip posts the dispatch member of a suggestion
// back unchanged, on both stores: it is accepted, and creates the tasks and
// orders the plan named, no more and no less.
func TestSuggestionDispatchRoundTrip(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for _, id := range []string{"t2", "t3"} {
			e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": id, "name": "水上救援队 " + id,
				"kind": "social", "capabilities": []string{"water_rescue"}, "base": map[string]float64{"lon": 120.21, "lat": 30.22}}), 201, nil)
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/depots", map[string]any{"id": "d2", "name": "萧山区应急物资储备库",
			"tier": "county", "location": map[string]float64{"lon": 120.4, "lat": 30.1}, "region": "330109"}), 201, nil)
		stock := map[string][]map[string]any{
			"d1": {{"item": "1010101", "delta": 100}, {"item": "2020101", "delta": 5}},
			"d2": {{"item": "1010101", "delta": 300}},
		}
		for depot, lines := range stock {
			e.mustJSON(e.as("commander", "POST", "/api/v1/depots/"+depot+"/stock/adjustments",
				map[string]any{"reason": "采购入库", "lines": lines}), 200, nil)
		}
		id := newIncident(e, "inc-rt", map[string]any{"needs": map[string]any{
			"teams": []map[string]any{{"capability": "water_rescue", "count": 2}, {"capability": "fire_fighting", "count": 1}},
			"items": []map[string]any{{"item": "1010101", "qty": 250}, {"item": "2020101", "qty": 3}}}})

		var s struct {
			suggestion
			Dispatch json.RawMessage `json:"dispatch"`
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)

		// What the plan names, read from the picks and the item plans.
		var wantTasks, wantLines []string
		for _, tp := range s.Teams {
			for _, pk := range tp.Picks {
				wantTasks = append(wantTasks, pk.Team.ID+" "+tp.Need)
			}
		}
		for _, ip := range s.Items {
			for _, l := range ip.Plan {
				wantLines = append(wantLines, fmt.Sprintf("%s %s %d", l.Depot.ID, ip.Item, l.Qty))
			}
		}
		// The plan is the one this test sets up: both needs covered, one
		// item split over two depots, one depot giving two items.
		if len(wantTasks) != 3 || len(wantLines) != 3 {
			t.Fatalf("got a plan of tasks %v and lines %v, want 3 tasks and 3 lines", wantTasks, wantLines)
		}

		var res struct {
			Tasks []struct {
				Team string `json:"team"`
				Need string `json:"need"`
			} `json:"tasks"`
			Orders []orderOut `json:"orders"`
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", []byte(s.Dispatch)), 201, &res)

		var gotTasks, gotLines []string
		for _, tk := range res.Tasks {
			gotTasks = append(gotTasks, tk.Team+" "+tk.Need)
		}
		depots := map[string]bool{}
		for _, o := range res.Orders {
			if depots[o.Depot] {
				t.Errorf("got two orders to depot %s, want one a depot", o.Depot)
			}
			depots[o.Depot] = true
			for _, l := range o.Lines {
				gotLines = append(gotLines, fmt.Sprintf("%s %s %d", o.Depot, l.Item, l.Qty))
			}
		}
		for _, c := range []struct {
			name      string
			got, want []string
		}{
			{"tasks", gotTasks, wantTasks},
			{"order lines", gotLines, wantLines},
		} {
			slices.Sort(c.got)
			slices.Sort(c.want)
			if !slices.Equal(c.got, c.want) {
				t.Errorf("got %s %v, want %v", c.name, c.got, c.want)
			}
		}
		if len(depots) != 2 {
			t.Errorf("got orders to %d depots, want 2", len(depots))
		}

		// Everything is covered now: the plan left has nothing to dispatch.
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)
		var left struct{ Tasks, Orders []any }
		if err := json.Unmarshal(s.Dispatch, &left); err != nil || left.Tasks == nil || len(left.Tasks)+len(left.Orders) != 0 {
			t.Errorf("got dispatch %s once all is dispatched, want none", s.Dispatch)
		}
	})
}
