package web_test

import (
	"context"
	"testing"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/dispatch"
)

type prepositionOut struct {
	ID       string            `json:"id"`
	Status   string            `json:"status"`
	Region   string            `json:"region"`
	Progress dispatch.Progress `json:"progress"`
	Tasks    []taskOut         `json:"tasks"`
	Orders   []orderOut        `json:"orders"`
}

type zonePlanOut struct {
	Staging struct {
		Lon, Lat float64
	} `json:"staging"`
	Dispatch struct {
		Tasks  []map[string]any `json:"tasks"`
		Orders []map[string]any `json:"orders"`
	} `json:"dispatch"`
	TeamShortfall int              `json:"team_shortfall"`
	ItemShortfall []map[string]any `json:"item_shortfall"`
	MeetsDeadline bool             `json:"meets_deadline"`
}

// redZone is a forecast red flood zone around the test world's river
// bank, given in the request as the deployment has no zones imported.
func redZone(id string) map[string]any {
	return map[string]any{"id": id, "name": "钱塘江北岸", "hazard": "flood", "level": "red",
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{
			{{120.18, 30.21}, {120.22, 30.21}, {120.22, 30.25}, {120.18, 30.25}, {120.18, 30.21}}}}}
}

// floodTemplate sets the red flood template to what the test world holds:
// one water rescue team and 200 tents.
func floodTemplate(e *env, qty int) {
	e.t.Helper()
	e.mustJSON(e.as("admin", "PUT", "/api/v1/preposition-templates", map[string]any{"templates": []any{
		map[string]any{"hazard": "flood", "level": "red", "needs": map[string]any{
			"teams": []any{map[string]any{"capability": "water_rescue", "count": 1}},
			"items": []any{map[string]any{"item": "1010101", "qty": qty}}}}}}), 200, nil)
}

func reserved(e *env, depot, item string) int64 {
	e.t.Helper()
	var stock struct {
		Items []struct {
			Item     string
			Reserved int64
		}
	}
	e.mustJSON(e.as("viewer", "GET", "/api/v1/depots/"+depot+"/stock", nil), 200, &stock)
	for _, s := range stock.Items {
		if s.Item == item {
			return s.Reserved
		}
	}
	return 0
}

// TestPrepositions walks a pre-positioning on both stores: the template,
// the plan for a red zone, a dispatch refused whole, one made whole, its
// orders and team tracked to completion, its absence from the incident
// board, and a cancel that releases the stock.
func TestPrepositions(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		e.mustProblem(e.as("commander", "PUT", "/api/v1/preposition-templates", map[string]any{"templates": []any{}}), 403)
		e.mustProblem(e.as("admin", "PUT", "/api/v1/preposition-templates", map[string]any{"templates": []any{
			map[string]any{"hazard": "flood", "level": "crimson", "needs": map[string]any{}}}}), 400, "templates[0].level")
		floodTemplate(e, 200)
		var tpl struct {
			Defaults  []map[string]any `json:"defaults"`
			Templates []map[string]any `json:"templates"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/preposition-templates", nil), 200, &tpl)
		if len(tpl.Templates) != 1 || len(tpl.Defaults) == 0 {
			t.Fatalf("got templates %+v, want the one stored and the defaults", tpl)
		}

		var pl struct{ Zones []zonePlanOut }
		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions/plan", map[string]any{"zones": []any{redZone("z1")}}), 200, &pl)
		if len(pl.Zones) != 1 {
			t.Fatalf("got %d zone plans, want 1", len(pl.Zones))
		}
		zp := pl.Zones[0]
		if zp.Staging.Lon < 120.199 || zp.Staging.Lon > 120.201 || zp.Staging.Lat < 30.229 || zp.Staging.Lat > 30.231 {
			t.Fatalf("got staging %+v, want the zone's centroid 120.2, 30.23", zp.Staging)
		}
		if len(zp.Dispatch.Tasks) != 1 || zp.Dispatch.Tasks[0]["team"] != "t2" || len(zp.Dispatch.Orders) != 1 ||
			zp.TeamShortfall != 0 || len(zp.ItemShortfall) != 0 || !zp.MeetsDeadline {
			t.Fatalf("got plan %+v, want t2 and d1's 200 tents within the deadline", zp)
		}
		e.mustProblem(e.as("commander", "POST", "/api/v1/prepositions/plan", map[string]any{"zones": []any{
			map[string]any{"id": "z9", "hazard": "flood", "level": "red", "geometry": map[string]any{"type": "Point", "coordinates": []float64{1, 2}}}}}), 400, "zones[0].geometry")
		// The plan changed nothing.
		if r := reserved(e, "d1", "1010101"); r != 0 {
			t.Fatalf("a plan reserved %d tents", r)
		}

		// One line too many: nothing is written, the stock unchanged.
		bad := map[string]any{"zone": redZone("z1"), "tasks": zp.Dispatch.Tasks,
			"orders": []any{map[string]any{"depot": "d1", "lines": []any{map[string]any{"item": "1010101", "qty": 301}}}}}
		e.mustProblem(e.as("commander", "POST", "/api/v1/prepositions", bad), 409, "orders[0].lines[0].qty")
		var list struct{ Items []prepositionOut }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/prepositions", nil), 200, &list)
		var tasks struct{ Items []taskOut }
		e.mustJSON(e.as("commander", "GET", "/api/v1/tasks", nil), 200, &tasks)
		if len(list.Items) != 0 || len(tasks.Items) != 0 || reserved(e, "d1", "1010101") != 0 {
			t.Fatalf("a refused pre-positioning left %d pre-positionings, %d tasks, %d reserved", len(list.Items), len(tasks.Items), reserved(e, "d1", "1010101"))
		}
		e.mustProblem(e.as("viewer", "POST", "/api/v1/prepositions", bad), 403)

		body := map[string]any{"zone": redZone("z1"), "tasks": zp.Dispatch.Tasks, "orders": zp.Dispatch.Orders}
		var p prepositionOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions", body, "Idempotency-Key", "pre-1"), 201, &p)
		var again prepositionOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions", body, "Idempotency-Key", "pre-1"), 201, &again)
		if again.ID != p.ID || p.Status != "active" || len(p.Tasks) != 1 || len(p.Orders) != 1 || p.Progress.Planned != 200 {
			t.Fatalf("got %+v (retried %s), want one active pre-positioning of a task and 200 tents", p, again.ID)
		}
		if r := reserved(e, "d1", "1010101"); r != 200 {
			t.Fatalf("got %d tents reserved, want 200", r)
		}
		// Not an incident: the board's list and counts leave it out.
		var incs struct{ Items []struct{ ID string } }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents", nil), 200, &incs)
		if len(incs.Items) != 0 {
			t.Fatalf("the incident list shows %d rows, want none", len(incs.Items))
		}
		var sum summaryBody
		e.mustJSON(e.as("admin", "GET", "/api/v1/summary?region=", nil), 200, &sum)
		if sum.Totals.Incidents.Open != 0 {
			t.Fatalf("the summary counts %d open incidents, want 0", sum.Totals.Incidents.Open)
		}

		task, order := p.Tasks[0], p.Orders[0]
		e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+task.ID+"/ack", nil), 200, nil)
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+order.ID+"/confirm", nil), 200, nil)
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+order.ID+"/ship", nil), 200, nil)
		e.mustJSON(e.as("commander", "POST", "/api/v1/orders/"+order.ID+"/deliver", nil), 200, nil)
		e.mustJSON(e.as("viewer", "GET", "/api/v1/prepositions/"+p.ID, nil), 200, &p)
		if p.Status != "active" || p.Progress.OrdersDelivered != 1 || p.Progress.Delivered != 200 || p.Progress.DeliveredInTime != 1 {
			t.Fatalf("got %+v, want the order delivered in time and the team still on its way", p)
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+task.ID+"/status", map[string]string{"status": "on_scene"}), 200, nil)
		e.mustJSON(e.as("viewer", "GET", "/api/v1/prepositions/"+p.ID, nil), 200, &p)
		if p.Status != "completed" || p.Progress.TasksArrived != 1 {
			t.Fatalf("got %+v, want completed", p)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/prepositions?status=completed", nil), 200, &list)
		if len(list.Items) != 1 || list.Items[0].ID != p.ID {
			t.Fatalf("got %+v, want the completed pre-positioning", list.Items)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/prepositions?status=late", nil), 400, "status")

		// A second one, with t1's move: its lead receives it live and in
		// the snapshot, with its tasks; then it is cancelled and its
		// reservation released.
		e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+task.ID+"/status", map[string]string{"status": "completed"}), 200, nil)
		lead := e.ws("lead")
		lead.send(map[string]any{"op": "subscribe", "topics": []string{"tasks", "incidents"}})
		if m := lead.next(); m.Type != "snapshot" {
			t.Fatalf("got %+v, want a snapshot", m)
		}
		var p2 prepositionOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions", map[string]any{"zone": redZone("z2"), "deadline_s": 7200,
			"staging": map[string]float64{"lon": 120.19, "lat": 30.22}, "tasks": []any{map[string]any{"team": "t1"}},
			"orders": []any{map[string]any{"depot": "d1", "lines": []any{map[string]any{"item": "1010101", "qty": 50}}}}}), 201, &p2)
		if m, _ := lead.until(isEvent("preposition.created")); m.Subject != p2.ID {
			t.Fatalf("the lead got %+v, want preposition.created of %s", m, p2.ID)
		}
		again2 := e.ws("lead")
		again2.send(map[string]any{"op": "subscribe", "topics": []string{"tasks", "incidents"}})
		held := func(m wsMsg) bool {
			for _, in := range m.Incidents {
				if in.ID == p2.ID {
					return true
				}
			}
			return false
		}
		if m := again2.next(); m.Type != "snapshot" || !held(m) || len(m.Tasks) != 1 {
			t.Fatalf("got %+v, want the lead's snapshot to hold the pre-positioning and its task", m)
		}
		if r := reserved(e, "d1", "1010101"); r != 50 {
			t.Fatalf("got %d tents reserved, want 50", r)
		}
		e.mustProblem(e.as("viewer", "POST", "/api/v1/prepositions/"+p2.ID+"/cancel", map[string]any{}), 403)
		e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions/"+p2.ID+"/cancel", map[string]any{"reason": "预报解除"}), 200, &p2)
		if p2.Status != "cancelled" || p2.Orders[0].Status != "cancelled" || reserved(e, "d1", "1010101") != 0 {
			t.Fatalf("got %+v and %d reserved, want it cancelled and the tents released", p2, reserved(e, "d1", "1010101"))
		}
		// An incident is no pre-positioning; with no zones imported the
		// zones must be listed.
		id := newIncident(e, "inc-p", nil)
		e.mustProblem(e.as("viewer", "GET", "/api/v1/prepositions/"+id, nil), 404)
		e.mustProblem(e.as("commander", "POST", "/api/v1/prepositions/plan", map[string]any{}), 400, "zones")
	})
}

// TestPrepositionScope walks the pre-positioning routes across a border:
// one made in 玄武 is not found from 淳安 or the province of Zhejiang, and
// lists leave it out; a depot outside the commander's jurisdiction is
// refused.
func TestPrepositionScope(t *testing.T) {
	e := newEnv(t, "sqlite")
	newJWorld(t, e)
	if _, err := auth.NewService(e.store, e.store, 0).EnsureUsers(context.Background(), dispatchd.System, "secret",
		[]auth.SeedUser{{Username: "xw", Role: dispatchd.RoleCommander, Jurisdiction: "320102"}}); err != nil {
		t.Fatal(err)
	}
	e.tokens["xw"] = login(t, e, "xw")
	e.mustJSON(e.as("admin", "PUT", "/api/v1/preposition-templates", map[string]any{"templates": []any{
		map[string]any{"hazard": "flood", "level": "red", "needs": map[string]any{
			"items": []any{map[string]any{"item": "1010101", "qty": 5}}}}}}), 200, nil)
	zone := func(lon, lat float64) map[string]any {
		return map[string]any{"zone": map[string]any{"id": "zx", "hazard": "flood", "level": "red"},
			"staging": map[string]float64{"lon": lon, "lat": lat}}
	}
	body := zone(118.80, 32.05)
	body["orders"] = []any{map[string]any{"depot": xuanwu.depot, "lines": []any{map[string]any{"item": "1010101", "qty": 5}}}}
	var p prepositionOut
	e.mustJSON(e.as("xw", "POST", "/api/v1/prepositions", body), 201, &p)
	if p.Region != "320102" {
		t.Fatalf("got region %q, want 320102", p.Region)
	}
	mine := zone(119.04, 29.61)
	mine["orders"] = []any{map[string]any{"depot": xuanwu.depot, "lines": []any{map[string]any{"item": "1010101", "qty": 5}}}}
	e.mustProblem(e.as("county", "POST", "/api/v1/prepositions", mine), 400, "orders[0].depot")
	mine["orders"] = []any{map[string]any{"depot": chunan.depot, "lines": []any{map[string]any{"item": "1010101", "qty": 5}}}}
	var pc prepositionOut
	e.mustJSON(e.as("county", "POST", "/api/v1/prepositions", mine), 201, &pc)
	for _, u := range []string{"county", "province", "cviewer"} {
		e.mustProblem(e.as(u, "GET", "/api/v1/prepositions/"+p.ID, nil), 404)
		var list struct{ Items []prepositionOut }
		e.mustJSON(e.as(u, "GET", "/api/v1/prepositions", nil), 200, &list)
		for _, it := range list.Items {
			if it.ID == p.ID {
				t.Fatalf("%s lists the pre-positioning of 玄武", u)
			}
		}
	}
	e.mustProblem(e.as("county", "POST", "/api/v1/prepositions/"+p.ID+"/cancel", map[string]any{}), 404)
	e.mustJSON(e.as("admin", "GET", "/api/v1/prepositions/"+p.ID, nil), 200, nil)
	e.mustJSON(e.as("cviewer", "GET", "/api/v1/prepositions/"+pc.ID, nil), 200, nil)
	var pl struct{ Zones []zonePlanOut }
	plan := map[string]any{"zones": []any{map[string]any{"id": "zx", "hazard": "flood", "level": "red"}},
		"staging": map[string]float64{"lon": 119.04, "lat": 29.61}}
	e.mustJSON(e.as("county", "POST", "/api/v1/prepositions/plan", plan), 200, &pl)
	if len(pl.Zones) != 1 || len(pl.Zones[0].Dispatch.Orders) != 1 || pl.Zones[0].Dispatch.Orders[0]["depot"] != chunan.depot {
		t.Fatalf("got plan %+v, want 淳安's own depot", pl.Zones)
	}
}
