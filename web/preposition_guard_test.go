package web_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestPrepositionIncidentRoutes proves on both stores that a
// pre-positioning is read but never changed through the incident routes:
// each mutation answers 409 naming its own route, and the row is as it
// was; its own cancel still works.
func TestPrepositionIncidentRoutes(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		floodTemplate(e, 200)
		var p prepositionOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions", map[string]any{"zone": redZone("zg"),
			"tasks": []any{map[string]any{"team": "t1"}}}), 201, &p)
		own := "/api/v1/prepositions/" + p.ID
		tents := []any{map[string]any{"item": "1010101", "qty": 5}}
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"PATCH", "/api/v1/incidents/" + p.ID, map[string]any{"title": "renamed"}},
			{"POST", "/api/v1/incidents/" + p.ID + "/status", map[string]any{"status": "closed"}},
			{"POST", "/api/v1/incidents/" + p.ID + "/status", map[string]any{"status": "cancelled"}},
			{"POST", "/api/v1/incidents/" + p.ID + "/dispatch", map[string]any{"tasks": []any{map[string]any{"team": "t2"}}}},
			{"POST", "/api/v1/incidents/" + p.ID + "/tasks", map[string]any{"team": "t2"}},
			{"POST", "/api/v1/incidents/" + p.ID + "/orders", map[string]any{"depot": "d1", "lines": tents}},
			{"POST", "/api/v1/support-requests", map[string]any{"incident": p.ID, "to": "320000",
				"needs": map[string]any{"teams": []any{map[string]any{"capability": "water_rescue", "count": 1}}}}},
		} {
			pr := e.mustProblem(e.as("admin", c.method, c.path, c.body), 409)
			if !strings.Contains(pr.Detail, own) {
				t.Fatalf("%s %s: got %q, want it to name %s", c.method, c.path, pr.Detail, own)
			}
		}
		// Reads stay: a lead's task links to its incident page.
		var in struct {
			Kind   string `json:"kind"`
			Title  string `json:"title"`
			Status string `json:"status"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents/"+p.ID, nil), 200, &in)
		if in.Kind != "preposition" || in.Title == "renamed" || in.Status != "responding" {
			t.Fatalf("got %+v, want the pre-positioning unchanged", in)
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+p.ID+"/timeline", nil), 200, nil)
		var tasks struct{ Items []taskOut }
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+p.ID+"/tasks", nil), 200, &tasks)
		if len(tasks.Items) != 1 {
			t.Fatalf("got %d tasks, want the one pre-positioned", len(tasks.Items))
		}
		e.mustJSON(e.as("commander", "POST", own+"/cancel", map[string]any{}), 200, &p)
		if p.Status != "cancelled" {
			t.Fatalf("got %s, want cancelled", p.Status)
		}
		// An incident's cancel stays on the incident routes: the
		// pre-positioning route does not take an incident.
		id := newIncident(e, "inc-g", nil)
		e.mustProblem(e.as("commander", "POST", "/api/v1/prepositions/"+id+"/cancel", map[string]any{}), 404)
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/status", map[string]any{"status": "cancelled"}), 200, nil)
	})
}

// TestPrepositionArrival proves on both stores that the staging area is
// the pre-positioning's scene, followed live and reloaded: a team whose
// fixes dwell there is marked arrived (task.arrived), and a shipped order's carrier that parks there
// marks the order arrived; a bad staging radius is refused by field.
func TestPrepositionArrival(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		floodTemplate(e, 200)
		body := map[string]any{"zone": redZone("za"), "staging": map[string]float64{"lon": sceneAt.lon, "lat": sceneAt.lat},
			"staging_radius_m": 5, "tasks": []any{map[string]any{"team": "t1"}},
			"orders": []any{map[string]any{"depot": "d1", "lines": []any{map[string]any{"item": "1010101", "qty": 10}}}}}
		e.mustProblem(e.as("commander", "POST", "/api/v1/prepositions", body), 400, "staging_radius_m")
		body["staging_radius_m"] = 200
		var p prepositionOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions", body), 201, &p)
		var got struct {
			StagingRadiusM float64 `json:"staging_radius_m"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/prepositions/"+p.ID, nil), 200, &got)
		if got.StagingRadiusM != 200 {
			t.Fatalf("got a staging radius of %v, want 200", got.StagingRadiusM)
		}
		tk, o := p.Tasks[0], p.Orders[0]
		e.mustJSON(e.as("lead", "POST", "/api/v1/tasks/"+tk.ID+"/status", map[string]any{"status": "en_route"}), 200, nil)
		waitFor(t, "the watcher to follow the task", func() bool { return e.fences.Len() == 1 })
		// Reloaded from the store, as at a restart, it still knows the
		// staging area.
		if err := e.fences.Load(context.Background(), e.store); err != nil {
			t.Fatal(err)
		}
		start := time.Now().UTC().Add(-20 * time.Minute).Truncate(time.Second)
		// 400 m out, then 100 m in from fix 2 for well over the dwell.
		metres := []float64{800, 400}
		for range 20 {
			metres = append(metres, 100)
		}
		e.track("t1", start, metres)
		var ft fenceTask
		waitFor(t, "task.arrived at the staging point", func() bool {
			e.mustJSON(e.as("commander", "GET", "/api/v1/tasks/"+tk.ID, nil), 200, &ft)
			return ft.ArrivedAt != nil
		})
		if want := start.Add(2 * 5 * time.Second); !ft.ArrivedAt.Equal(want) || ft.Status != "on_scene" {
			t.Fatalf("got %+v, want on scene, arrived at %v", ft, want)
		}

		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+o.ID+"/confirm", nil), 200, nil)
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+o.ID+"/ship", map[string]any{"carrier": "t2"}), 200, nil)
		waitFor(t, "the watcher to follow the shipped order", func() bool { return e.fences.Len() >= 2 })
		truck := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
		pts := [][2]float64{{sceneAt.lon + 0.006, sceneAt.lat}, {sceneAt.lon + 0.004, sceneAt.lat}}
		for range 20 {
			pts = append(pts, [2]float64{sceneAt.lon + 0.0005, sceneAt.lat})
		}
		e.trackPoints("t2", truck, pts)
		var ord struct {
			Status    string     `json:"status"`
			ArrivedAt *time.Time `json:"arrived_at"`
		}
		waitFor(t, "order.arrived at the staging area", func() bool {
			e.mustJSON(e.as("commander", "GET", "/api/v1/orders/"+o.ID, nil), 200, &ord)
			return ord.ArrivedAt != nil
		})
		if want := truck.Add(2 * 5 * time.Second); !ord.ArrivedAt.Equal(want) || ord.Status != "shipped" {
			t.Fatalf("got %+v, want arrived at %v, still shipped", ord, want)
		}
		for typ, n := range map[string]int{"task.arrived": 1, "order.arrived": 1} {
			if c := e.countEvents(p.ID, typ); c != n {
				t.Fatalf("got %d %s events, want %d", c, typ, n)
			}
		}
	})
}
