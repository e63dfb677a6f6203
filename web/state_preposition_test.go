package web_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// TestStateAtPreposition: pre-positionings are made before the first
// checkpoint (read whole from the store) and after it (folded from their
// events), one is cancelled; at each moment the state rebuilt holds the
// open pre-positionings' rows in prepositions, apart from the incidents,
// with their tasks and orders, and equals what the screen's snapshot
// held then, on both stores.
func TestStateAtPreposition(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		floodTemplate(e, 200)
		tents := func(qty int) []any {
			return []any{map[string]any{"depot": "d1", "lines": []any{map[string]any{"item": "1010101", "qty": qty}}}}
		}
		var p1, p2 prepositionOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions", map[string]any{"zone": redZone("s1"),
			"tasks": []any{map[string]any{"team": "t2"}}, "orders": tents(20)}), 201, &p1)
		e.checkpoint()
		before := e.look("commander")

		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions", map[string]any{"zone": redZone("s2"),
			"staging": map[string]float64{"lon": 120.19, "lat": 30.22}, "tasks": []any{map[string]any{"team": "t1"}},
			"orders": tents(10)}), 201, &p2)
		after := e.look("commander")
		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions/"+p1.ID+"/cancel", map[string]any{}), 200, nil)
		cancelled := e.look("commander")
		e.checkpoint()
		atCheckpoint := e.look("commander")

		type row struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
		}
		for i, c := range []struct {
			m             moment
			want          []string
			tasks, orders int
		}{
			{before, []string{p1.ID}, 1, 1},
			{after, []string{p2.ID, p1.ID}, 2, 2},
			{cancelled, []string{p2.ID}, 1, 1},
			{atCheckpoint, []string{p2.ID}, 1, 1},
		} {
			var got map[string]json.RawMessage
			e.mustJSON(e.as("commander", "GET", "/api/v1/state?at="+url.QueryEscape(c.m.at.Format(time.RFC3339Nano)), nil), 200, &got)
			for _, key := range []string{"event_id", "incidents", "prepositions", "tasks", "orders"} {
				if a, b := canon(t, got[key]), canon(t, c.m.snap[key]); !reflect.DeepEqual(a, b) {
					t.Errorf("moment %d: %s: got %s, want what the screen received: %s", i, key, got[key], c.m.snap[key])
				}
			}
			var rows, incs []row
			var tasks, orders []json.RawMessage
			for k, v := range map[string]any{"prepositions": &rows, "incidents": &incs, "tasks": &tasks, "orders": &orders} {
				if err := json.Unmarshal(got[k], v); err != nil {
					t.Fatalf("moment %d: %s: %v", i, k, err)
				}
			}
			ids := []string{}
			for _, r := range rows {
				if r.Kind != "preposition" {
					t.Errorf("moment %d: got a row of kind %q in prepositions", i, r.Kind)
				}
				ids = append(ids, r.ID)
			}
			if !reflect.DeepEqual(ids, c.want) || len(incs) != 0 || len(tasks) != c.tasks || len(orders) != c.orders {
				t.Errorf("moment %d: got pre-positionings %v, %d incidents, %d tasks, %d orders; want %v, none, %d, %d",
					i, ids, len(incs), len(tasks), len(orders), c.want, c.tasks, c.orders)
			}
		}
	})
}
