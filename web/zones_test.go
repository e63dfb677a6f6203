package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// zoneFeature is a square zone of side degrees at (lon, lat), its ring
// given clockwise (the server rewinds it).
func zoneFeature(id, level, hazard string, lon, lat, side float64, from, to time.Time) map[string]any {
	ring := [][]float64{{lon, lat}, {lon, lat + side}, {lon + side, lat + side}, {lon + side, lat}, {lon, lat}}
	return map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}},
		"properties": map[string]any{"id": id, "name": "区域 " + id, "level": level, "hazard": hazard,
			"valid_from": from.Format(time.RFC3339), "valid_to": to.Format(time.RFC3339)}}
}

func zoneCollection(fs ...map[string]any) map[string]any {
	return map[string]any{"type": "FeatureCollection", "features": fs}
}

type zonesOut struct {
	Type     string `json:"type"`
	Features []struct {
		ID       string `json:"id"`
		Geometry struct {
			Type        string        `json:"type"`
			Coordinates [][][]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties struct {
			ID, Forecast, Level, Hazard, Name string
			ValidFrom                         time.Time `json:"valid_from"`
		} `json:"properties"`
	} `json:"features"`
}

type zonesImported struct {
	Forecast   string   `json:"forecast"`
	Imported   int      `json:"imported"`
	Superseded int      `json:"superseded"`
	IDs        []string `json:"ids"`
}

// zonesAt returns the ids of the zones user reads at the query q.
func (e *env) zonesAt(user, q string) []string {
	e.t.Helper()
	r := e.as(user, "GET", "/api/v1/zones"+q, nil)
	var fc zonesOut
	e.mustJSON(r, 200, &fc)
	if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
		e.t.Fatalf("GET /api/v1/zones: Content-Type %q, want application/geo+json", ct)
	}
	ids := []string{}
	for _, f := range fc.Features {
		ids = append(ids, f.Properties.ID)
		// RFC 7946: the exterior ring counterclockwise (positive area).
		ring := f.Geometry.Coordinates[0]
		area := 0.0
		for i := 0; i+1 < len(ring); i++ {
			area += ring[i][0]*ring[i+1][1] - ring[i+1][0]*ring[i][1]
		}
		if area <= 0 {
			e.t.Errorf("zone %s: the exterior ring is clockwise: %v", f.Properties.ID, ring)
		}
	}
	slices.Sort(ids)
	return ids
}

func at(t time.Time) string { return "?at=" + url.QueryEscape(t.Format(time.RFC3339)) }

// TestZones imports risk zones over HTTP on both stores: the zones in
// force now and later, the filters, the replacement of older forecasts,
// an import retried with its Idempotency-Key, and the one event.
func TestZones(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		now := time.Now().UTC().Truncate(time.Second)
		var imp zonesImported
		e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
			zoneFeature("a", "red", "flood", 120.1, 30.2, 0.1, now.Add(-time.Hour), now.Add(6*time.Hour)),
			zoneFeature("b", "yellow", "typhoon", 120.5, 30.5, 0.5, now.Add(20*time.Hour), now.Add(30*time.Hour)),
			zoneFeature("c", "blue", "flood", 121, 31, 0.1, now.Add(-time.Hour), now.Add(time.Hour)),
		), "Idempotency-Key", "zones-1"), 201, &imp)
		if imp.Imported != 3 || imp.Superseded != 0 || imp.Forecast == "" || fmt.Sprint(imp.IDs) != "[a b c]" {
			t.Fatalf("first import: %+v", imp)
		}
		// The retry answers the first result and imports nothing.
		var again zonesImported
		e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
			zoneFeature("a", "red", "flood", 120.1, 30.2, 0.1, now.Add(-time.Hour), now.Add(6*time.Hour))), "Idempotency-Key", "zones-1"), 201, &again)
		if again.Forecast != imp.Forecast {
			t.Errorf("a retry imported again: %+v, first %+v", again, imp)
		}

		for _, c := range []struct {
			user, q, want string
		}{
			{"viewer", "", "[a c]"},
			{"lead", at(now.Add(time.Minute)), "[a c]"},
			{"admin", at(now.Add(24 * time.Hour)), "[b]"},
			{"commander", at(now.Add(48 * time.Hour)), "[]"},
			{"commander", at(now.Add(-2 * time.Hour)), "[]"},
			{"viewer", "?level=red", "[a]"},
			{"viewer", "?hazard=flood&level=blue", "[c]"},
			{"viewer", at(now.Add(24*time.Hour)) + "&hazard=flood", "[]"},
		} {
			if got := fmt.Sprint(e.zonesAt(c.user, c.q)); got != c.want {
				t.Errorf("GET /api/v1/zones%s as %s: got %s, want %s", c.q, c.user, got, c.want)
			}
		}

		// A moment between the two imports, for the history below.
		time.Sleep(5 * time.Millisecond)
		between := time.Now().UTC()
		time.Sleep(5 * time.Millisecond)
		// A newer flood forecast for the next 3 hours replaces the flood
		// zones it overlaps (a and c), not the typhoon's.
		e.mustJSON(e.as("admin", "POST", "/api/v1/zones", zoneCollection(
			zoneFeature("a2", "orange", "flood", 120.1, 30.2, 0.1, now, now.Add(3*time.Hour)))), 201, &imp)
		if imp.Imported != 1 || imp.Superseded != 2 {
			t.Fatalf("second import: %+v, want 1 imported and 2 superseded", imp)
		}
		if got := fmt.Sprint(e.zonesAt("viewer", "")); got != "[a2]" {
			t.Errorf("after the newer forecast: got %s, want [a2]", got)
		}
		if got := fmt.Sprint(e.zonesAt("viewer", at(now.Add(24*time.Hour)))); got != "[b]" {
			t.Errorf("after the newer forecast, at +24h: got %s, want [b]", got)
		}
		// A past moment answers the zones as known then, superseded since
		// or not; a future one the standing zones.
		for _, c := range []struct{ q, want string }{
			{"?at=" + url.QueryEscape(between.Format(time.RFC3339Nano)), "[a c]"},
			{"?at=" + url.QueryEscape(between.Format(time.RFC3339Nano)) + "&level=red", "[a]"},
			{at(now.Add(-30 * time.Minute)), "[]"},
			{at(now.Add(2 * time.Hour)), "[a2]"},
		} {
			if got := fmt.Sprint(e.zonesAt("viewer", c.q)); got != c.want {
				t.Errorf("after the newer forecast, GET /api/v1/zones%s: got %s, want %s", c.q, got, c.want)
			}
		}

		// One zones.imported event an import, none per zone.
		var evs struct {
			Items []struct {
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			} `json:"items"`
		}
		e.mustJSON(e.as("admin", "GET", "/api/v1/events?since=0&limit=1000", nil), 200, &evs)
		n := 0
		for _, ev := range evs.Items {
			if strings.HasPrefix(ev.Type, "zone") {
				n++
				if ev.Type != "zones.imported" {
					t.Errorf("unexpected event %s", ev.Type)
				}
			}
		}
		if n != 2 {
			t.Errorf("got %d zones.imported events, want 2", n)
		}
		// The service's index holds the standing zones not yet ended.
		if got := e.zones.Index().Len(); got != 2 {
			t.Errorf("the index holds %d zones, want 2 (a2 and b)", got)
		}
	})
}

// TestZonesBadInput: every bad feature is named as a field error, with 400,
// and nothing is imported.
func TestZonesBadInput(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		now := time.Now().UTC().Truncate(time.Second)
		good := zoneFeature("ok", "red", "flood", 120, 30, 0.1, now, now.Add(time.Hour))
		badLevel := zoneFeature("x1", "purple", "flood", 120, 30, 0.1, now, now.Add(time.Hour))
		badHazard := zoneFeature("x2", "red", "meteor", 120, 30, 0.1, now, now.Add(time.Hour))
		backwards := zoneFeature("x3", "red", "flood", 120, 30, 0.1, now, now.Add(-time.Hour))
		tooLong := zoneFeature("x4", "red", "flood", 120, 30, 0.1, now, now.Add(8*24*time.Hour))
		open := zoneFeature("x5", "red", "flood", 120, 30, 0.1, now, now.Add(time.Hour))
		open["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{120, 30}, {121, 30}, {121, 31}, {120, 31}}}}
		point := zoneFeature("x6", "red", "flood", 120, 30, 0.1, now, now.Add(time.Hour))
		point["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{120, 30}}
		noTime := zoneFeature("x7", "red", "flood", 120, 30, 0.1, now, now.Add(time.Hour))
		noTime["properties"].(map[string]any)["valid_from"] = "tomorrow"
		dup := zoneFeature("ok", "red", "flood", 120, 30, 0.1, now, now.Add(time.Hour))
		e.mustProblem(e.as("commander", "POST", "/api/v1/zones", zoneCollection(good, badLevel, badHazard, backwards, tooLong, open, point, noTime, dup)), 400,
			"features[1].properties.level", "features[2].properties.hazard", "features[3].properties.valid_to",
			"features[4].properties.valid_to", "features[5].geometry", "features[6].geometry", "features[7].properties.valid_from",
			"features[8].properties.id")
		for _, body := range []any{"not json", `{"type":"Feature"}`, `{"type":"FeatureCollection","features":[]}`, `{"type":"FeatureCollection","features":[1]}`} {
			e.mustProblem(e.as("commander", "POST", "/api/v1/zones", body), 400)
		}
		e.mustProblem(e.as("commander", "POST", "/api/v1/zones?crs=mars", zoneCollection(good)), 400, "crs")
		e.mustProblem(e.as("commander", "POST", "/api/v1/zones", zoneCollection(good), "Content-Type", "text/csv"), 400, "Content-Type")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/zones?at=soon", nil), 400, "at")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/zones?level=pink", nil), 400, "level")
		if got := fmt.Sprint(e.zonesAt("viewer", "")); got != "[]" {
			t.Errorf("a refused import left zones: %s", got)
		}
		// A commander of a jurisdiction imports too: zones are the whole
		// deployment's, and every reader sees them.
		e.scopedUser("county", "commander", "330106", nil)
		e.mustJSON(e.as("county", "POST", "/api/v1/zones?crs=gcj02", zoneCollection(good), "Content-Type", "application/geo+json"), 201, nil)
		if got := fmt.Sprint(e.zonesAt("viewer", "")); got != "[ok]" {
			t.Errorf("after the county's import: %s", got)
		}
	})
}

// TestZonesRedMark: a suggestion marks the picks and plan lines whose
// route ends in a red zone in force, and those that start in one.
func TestZonesRedMark(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		now := time.Now().UTC().Truncate(time.Second)
		e.mustJSON(e.as("commander", "POST", "/api/v1/depots/d1/stock/adjustments",
			map[string]any{"reason": "采购入库", "lines": []map[string]any{{"item": "1010101", "delta": 500}}}), 200, nil)
		id := newIncident(e, "inc-red", map[string]any{"needs": map[string]any{
			"teams": []map[string]any{{"capability": "fire_fighting", "count": 1}},
			"items": []map[string]any{{"item": "1010101", "qty": 10}}}})
		type marked struct {
			Teams []struct {
				Picks []struct {
					RedZone []struct{ At, Zone, Hazard string } `json:"red_zone"`
				} `json:"picks"`
			} `json:"teams"`
			Items []struct {
				Plan []struct {
					RedZone []struct{ At, Zone, Hazard string } `json:"red_zone"`
				} `json:"plan"`
			} `json:"items"`
		}
		var s marked
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)
		if len(s.Teams) != 1 || len(s.Teams[0].Picks) != 1 || len(s.Items[0].Plan) != 1 {
			t.Fatalf("unexpected plan: %+v", s)
		}
		if s.Teams[0].Picks[0].RedZone != nil || s.Items[0].Plan[0].RedZone != nil {
			t.Fatalf("marked before any zone: %+v", s)
		}
		// A red zone over the incident (120.2, 30.23) and one over the
		// team's base (120.13, 30.26); an orange one over the depot.
		e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
			zoneFeature("inc", "red", "flood", 120.19, 30.22, 0.02, now.Add(-time.Hour), now.Add(3*time.Hour)),
			zoneFeature("base", "red", "fire", 120.12, 30.25, 0.02, now.Add(-time.Hour), now.Add(3*time.Hour)),
			zoneFeature("depot", "orange", "flood", 120.14, 30.27, 0.02, now.Add(-time.Hour), now.Add(3*time.Hour)),
		)), 201, nil)
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)
		pick, line := fmt.Sprint(s.Teams[0].Picks[0].RedZone), fmt.Sprint(s.Items[0].Plan[0].RedZone)
		if pick != "[{start base fire} {end inc flood}]" || line != "[{end inc flood}]" {
			t.Errorf("got the pick marked %s and the line %s", pick, line)
		}

		// t1 declines: the take-over offer is marked the same way (t9's
		// base is outside the zones, the incident inside).
		e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": "t9", "name": "城西消防站", "kind": "fire_rescue",
			"capabilities": []string{"fire_fighting"}, "base": map[string]float64{"lon": 120.25, "lat": 30.3}}), 201, nil)
		var res struct{ Tasks []struct{ ID string } }
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{
			"tasks": []map[string]any{{"team": "t1", "need": "fire_fighting"}}}), 201, &res)
		e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+res.Tasks[0].ID+"/decline", map[string]any{"reason": "车辆故障"}), 200, nil)
		offer := fmt.Sprint(e.lastOffer(id, "task.declined"))
		if offer != "[{{t9} [{end inc flood}]}]" {
			t.Errorf("the offer on decline: %s, want t9 marked as ending in the red zone inc", offer)
		}
	})
}

// TestZoneEntered: a team whose fix enters a red zone gets one zone.entered
// event, seen by its lead on the websocket; moving inside, leaving and
// coming back write no more; an orange zone writes none.
func TestZoneEntered(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		now := time.Now().UTC().Truncate(time.Second)
		e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
			zoneFeature("red1", "red", "flood", 120.3, 30.3, 0.05, now.Add(-time.Hour), now.Add(3*time.Hour)),
			zoneFeature("or1", "orange", "flood", 120.5, 30.5, 0.05, now.Add(-time.Hour), now.Add(3*time.Hour)),
		)), 201, nil)
		lead := e.ws("lead")
		lead.send(map[string]any{"op": "subscribe", "topics": []string{"tasks", "zones"}})
		lead.until(isType("snapshot"))
		// Another team's lead, and a viewer of another city, see no entry
		// of t1 (a team of 330106).
		e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": "t2", "name": "钱塘江水上救援队",
			"kind": "social", "capabilities": []string{"water_rescue"}, "base": map[string]float64{"lon": 120.21, "lat": 30.22}}), 201, nil)
		e.scopedUser("lead2", "team_lead", "", map[string]any{"team": "t2"})
		e.scopedUser("ningbo", "viewer", "330200", nil)
		var others []*wsClient
		for _, u := range []string{"lead2", "ningbo"} {
			c := e.ws(u)
			c.send(map[string]any{"op": "subscribe", "topics": []string{"zones"}})
			c.until(isType("snapshot"))
			others = append(others, c)
		}
		// Fixes five minutes apart, past the filter's speed limit.
		ts := now.Add(-55 * time.Minute)
		move := func(lon, lat float64) { ts = ts.Add(5 * time.Minute); e.moveAt("t1", lon, lat, ts) }
		move(120.2, 30.2)   // outside
		move(120.51, 30.51) // orange
		move(120.31, 30.31) // in red1
		m, _ := lead.until(isEvent("zone.entered"))
		var d struct{ Team, Zone, Level, Hazard, Name string }
		if err := json.Unmarshal(m.Data, &d); err != nil || m.Subject != "t1" || d.Zone != "red1" || d.Level != "red" || d.Name != "区域 red1" {
			t.Errorf("got %s %s (%v)", m.Subject, m.Data, err)
		}
		move(120.32, 30.32) // inside still
		move(120.2, 30.2)   // out
		move(120.33, 30.33) // in again
		// A marker after the moves: every entry queued before it is
		// written by then.
		deadline := time.Now().Add(1500 * time.Millisecond)
		for {
			var evs struct {
				Items []struct{ Type, Subject string } `json:"items"`
			}
			e.mustJSON(e.as("admin", "GET", "/api/v1/events?since=0&limit=1000", nil), 200, &evs)
			n := 0
			for _, ev := range evs.Items {
				if ev.Type == "zone.entered" {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("got %d zone.entered events, want 1", n)
			}
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		// The viewer, a reader of the whole deployment, sees zones.imported
		// after subscribing to zones; a depot manager may not subscribe to
		// what it cannot read.
		v := e.ws("viewer")
		v.send(map[string]any{"op": "subscribe", "topics": []string{"zones"}})
		v.until(isType("snapshot"))
		e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
			zoneFeature("y", "yellow", "typhoon", 121, 31, 0.05, now, now.Add(3*time.Hour)))), 201, nil)
		v.until(isEvent("zones.imported"))
		for _, c := range others {
			if _, seen := c.until(isEvent("zones.imported")); len(seen) != 0 {
				t.Errorf("a session of another team or city saw %+v", seen)
			}
		}
	})
}
