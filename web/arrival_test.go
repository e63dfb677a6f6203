package web_test

import (
	"math"
	"strings"
	"testing"
	"time"
)

// fenceTask is what the arrival test reads of a task.
type fenceTask struct {
	Status      string     `json:"status"`
	ArrivedAt   *time.Time `json:"arrived_at"`
	OnSceneAt   *time.Time `json:"on_scene_at"`
	Fence       string     `json:"fence"`
	LeftSceneAt *time.Time `json:"left_scene_at"`
}

// sceneAt is the incident's location in the arrival test.
var sceneAt = struct{ lon, lat float64 }{120.2, 30.23}

// track posts a team's fixes, metres east of the scene, one every 5
// seconds from start.
func (e *env) track(team string, start time.Time, metres []float64) {
	e.t.Helper()
	pts := make([][2]float64, len(metres))
	for i, m := range metres {
		pts[i] = [2]float64{sceneAt.lon + m/(111195*math.Cos(sceneAt.lat*math.Pi/180)), sceneAt.lat}
	}
	e.trackPoints(team, start, pts)
}

// trackPoints posts a team's fixes ([lon, lat]), one every 5 seconds from
// start.
func (e *env) trackPoints(team string, start time.Time, pts [][2]float64) {
	e.t.Helper()
	ps := make([]map[string]any, len(pts))
	for i, p := range pts {
		ps[i] = map[string]any{"team": team, "lon": p[0], "lat": p[1], "accuracy": 12, "ts": start.Add(time.Duration(i) * 5 * time.Second)}
	}
	var res struct{ Accepted int }
	e.mustJSON(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": ps}), 200, &res)
	if res.Accepted != len(pts) {
		e.t.Fatalf("accepted %d of %d fixes", res.Accepted, len(pts))
	}
}

// waitFor polls until ok holds, for up to 10 seconds.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// countEvents counts the incident's events of a type.
func (e *env) countEvents(incident, typ string) int {
	e.t.Helper()
	var tl struct{ Items []struct{ Type string } }
	e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+incident+"/timeline", nil), 200, &tl)
	n := 0
	for _, ev := range tl.Items {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// TestArrivalByGeofence posts a recorded track over HTTP on both stores:
// a team approaches a scene of 200 m (band to 250 m), jitters across its
// edge, settles, and is marked arrived once, on scene from its first fix
// of the run that lasted the minute; it jitters on the way out without
// leaving, then drives off and has left. A shipped order's carrier parks
// at the scene: the order has arrived, and is still shipped.
func TestArrivalByGeofence(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		id := newIncident(e, "arr-1", map[string]any{"scene": map[string]any{"radius_m": 200}})
		var in struct {
			Scene struct {
				RadiusM float64 `json:"radius_m"`
			} `json:"scene"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents/"+id, nil), 200, &in)
		if in.Scene.RadiusM != 200 {
			t.Fatalf("got scene %+v, want a radius of 200 m", in.Scene)
		}
		var tk taskOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/tasks", map[string]any{"team": "t1"}), 201, &tk)
		e.mustJSON(e.as("lead", "POST", "/api/v1/tasks/"+tk.ID+"/status", map[string]any{"status": "en_route"}), 200, nil)

		waitFor(t, "the watcher to follow the task", func() bool { return e.fences.Len() == 1 })
		start := time.Now().UTC().Add(-20 * time.Minute).Truncate(time.Second)
		// Fixes 0-11 cross the edge back and forth (190 in, 270 and 262
		// out); from fix 12 (185 m) it stays within 250 m.
		e.track("t1", start, []float64{1000, 800, 600, 400, 260, 190, 240, 270, 180, 230, 195, 262, 185, 240, 210, 150,
			120, 100, 90, 95, 100, 98, 92, 100, 100, 100, 100, 100, 100, 100})
		var got fenceTask
		waitFor(t, "task.arrived", func() bool {
			e.mustJSON(e.as("commander", "GET", "/api/v1/tasks/"+tk.ID, nil), 200, &got)
			return got.ArrivedAt != nil
		})
		want := start.Add(12 * 5 * time.Second)
		if !got.ArrivedAt.Equal(want) || got.Status != "on_scene" || got.OnSceneAt == nil || !got.OnSceneAt.Equal(want) || got.Fence != "inside" {
			t.Fatalf("got %+v, want on scene, arrived at %v", got, want)
		}
		// On the way out it wanders back (fix 33 at 190 m) before it goes.
		e.track("t1", start.Add(30*5*time.Second), []float64{230, 270, 240, 190, 260, 300, 350, 400, 450, 500, 550, 600,
			700, 800, 900, 1000, 1100})
		waitFor(t, "task.left_scene", func() bool {
			e.mustJSON(e.as("commander", "GET", "/api/v1/tasks/"+tk.ID, nil), 200, &got)
			return got.LeftSceneAt != nil
		})
		if want := start.Add(34 * 5 * time.Second); !got.LeftSceneAt.Equal(want) || got.Fence != "outside" || got.Status != "on_scene" {
			t.Fatalf("got %+v, want left at %v, still on scene", got, want)
		}
		if !got.ArrivedAt.Equal(start.Add(60 * time.Second)) {
			t.Fatalf("the arrival time moved: %v", got.ArrivedAt)
		}
		for typ, n := range map[string]int{"task.arrived": 1, "task.on_scene": 1, "task.left_scene": 1} {
			if c := e.countEvents(id, typ); c != n {
				t.Fatalf("got %d %s events, want %d", c, typ, n)
			}
		}
		// The review measures the arrival to the geofence's time.
		var rv struct {
			Tasks []struct {
				ArrivedAt *time.Time `json:"arrived_at"`
				ArrivedBy string     `json:"arrived_by"`
				ToArriveS *float64   `json:"to_arrive_s"`
				Assigned  time.Time  `json:"assigned_at"`
			} `json:"tasks"`
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/review", nil), 200, &rv)
		if len(rv.Tasks) != 1 || rv.Tasks[0].ArrivedBy != "geofence" || rv.Tasks[0].ToArriveS == nil ||
			*rv.Tasks[0].ToArriveS != want.Sub(rv.Tasks[0].Assigned).Seconds() {
			t.Fatalf("got review tasks %+v, want arrival by geofence at %v", rv.Tasks, want)
		}
		if csv := e.as("commander", "GET", "/api/v1/incidents/"+id+"/review?format=csv", nil); !strings.Contains(string(csv.body), "arrived by geofence") {
			t.Fatalf("the CSV review does not say how the team arrived: %s", csv.body)
		}

		// The order: a carrier that is no team is refused; the manager
		// names the truck's team on ship.
		e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/"+id+"/orders", map[string]any{"depot": "d1",
			"lines": []map[string]any{{"item": "1010101", "qty": 10}}, "carrier": "ghost"}), 400, "orders[0].carrier")
		var o orderOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/orders", map[string]any{"depot": "d1",
			"lines": []map[string]any{{"item": "1010101", "qty": 10}}}), 201, &o)
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+o.ID+"/confirm", nil), 200, nil)
		e.mustProblem(e.as("manager", "POST", "/api/v1/orders/"+o.ID+"/ship", map[string]any{"carrier": "ghost"}), 400, "carrier")
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+o.ID+"/ship", map[string]any{"carrier": "t2"}), 200, nil)
		// The watcher follows the event feed: the fixes count once it knows
		// (the task, the order's arrival and its departure).
		waitFor(t, "the watcher to follow the shipped order", func() bool { return e.fences.Len() == 3 })
		truck := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
		// The truck stands at depot d1 (120.15, 30.28), drives the 7 km to
		// the scene in 18 steps of 5 s (78 m/s), and stays: it departs at
		// fix 3 (390 m from the depot), arrives at fix 20.
		pts := [][2]float64{{120.15, 30.28}, {120.15, 30.28}, {120.15, 30.28}}
		for k := 1; k <= 18; k++ {
			f := float64(k) / 18
			pts = append(pts, [2]float64{120.15 + f*(sceneAt.lon-120.15), 30.28 + f*(sceneAt.lat-30.28)})
		}
		for range 13 {
			pts = append(pts, [2]float64{sceneAt.lon + 0.0005, sceneAt.lat})
		}
		e.trackPoints("t2", truck, pts)
		var ord struct {
			Status     string     `json:"status"`
			Carrier    string     `json:"carrier"`
			ArrivedAt  *time.Time `json:"arrived_at"`
			DepartedAt *time.Time `json:"departed_at"`
		}
		waitFor(t, "order.arrived", func() bool {
			e.mustJSON(e.as("commander", "GET", "/api/v1/orders/"+o.ID, nil), 200, &ord)
			return ord.ArrivedAt != nil
		})
		if want := truck.Add(20 * 5 * time.Second); !ord.ArrivedAt.Equal(want) || ord.Status != "shipped" || ord.Carrier != "t2" {
			t.Fatalf("got %+v, want arrived at %v and still shipped", ord, want)
		}
		if want := truck.Add(3 * 5 * time.Second); ord.DepartedAt == nil || !ord.DepartedAt.Equal(want) {
			t.Fatalf("got %+v, want departed at %v", ord, want)
		}
		for typ, n := range map[string]int{"order.arrived": 1, "order.departed": 1} {
			if c := e.countEvents(id, typ); c != n {
				t.Fatalf("got %d %s events, want %d", c, typ, n)
			}
		}
	})
}

// TestScene sets scenes on create and by PATCH: a polygon drawn clockwise
// is answered counterclockwise (RFC 7946), bad ones are refused by field,
// and an incident that names none has the default circle.
func TestScene(t *testing.T) {
	e := newEnv(t, "sqlite")
	id := newIncident(e, "sc-1", nil)
	var in struct {
		Scene map[string]any `json:"scene"`
	}
	e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents/"+id, nil), 200, &in)
	if in.Scene["radius_m"] != 300.0 {
		t.Fatalf("got scene %v, want the default circle of 300 m", in.Scene)
	}
	cw := [][2]float64{{120.19, 30.22}, {120.19, 30.24}, {120.21, 30.24}, {120.21, 30.22}, {120.19, 30.22}}
	var out struct {
		Scene struct {
			RadiusM float64 `json:"radius_m"`
			Polygon struct {
				Type        string         `json:"type"`
				Coordinates [][][2]float64 `json:"coordinates"`
			} `json:"polygon"`
		} `json:"scene"`
	}
	e.mustJSON(e.as("commander", "PATCH", "/api/v1/incidents/"+id, map[string]any{"scene": map[string]any{
		"polygon": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{cw}}}}), 200, &out)
	if r := out.Scene.Polygon.Coordinates; out.Scene.RadiusM != 0 || len(r) != 1 || r[0][1] != ([2]float64{120.21, 30.22}) {
		t.Fatalf("got %+v, want the ring counterclockwise", out.Scene)
	}
	for _, bad := range []struct {
		scene map[string]any
		field string
	}{
		{map[string]any{"radius_m": 5}, "scene.radius_m"},
		{map[string]any{"radius_m": 60000}, "scene.radius_m"},
		{map[string]any{}, "scene.radius_m"},
		{map[string]any{"radius_m": 100, "polygon": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{cw}}}, "scene"},
		{map[string]any{"polygon": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{cw[:4]}}}, "scene.polygon.coordinates"},
		{map[string]any{"polygon": map[string]any{"type": "Point", "coordinates": [][][2]float64{cw}}}, "scene.polygon.type"},
	} {
		e.mustProblem(e.as("commander", "PATCH", "/api/v1/incidents/"+id, map[string]any{"scene": bad.scene}), 400, bad.field)
	}
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents", map[string]any{"type": "flood", "level": 2, "title": "x",
		"location": map[string]float64{"lon": 120.2, "lat": 30.23}, "scene": map[string]any{"radius_m": -1}}), 400, "scene.radius_m")
}
