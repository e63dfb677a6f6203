package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/coverage"
)

type coverageOut struct {
	Region, Capability string
	TargetS            float64 `json:"target_s"`
	Share              float64
	Cells, Covered     int
	Counties           []struct {
		Region  string
		Share   float64
		Gap     bool
		Cells   int
		Covered int
	}
}

// coverageWorld loads two county outlines (桐庐县 west of 119.5°E, 淳安县
// east of it) and a mine rescue team in each.
func coverageWorld(e *env) {
	e.t.Helper()
	geoJSON := []string{"Content-Type", "application/geo+json"}
	e.mustJSON(e.as("admin", "POST", "/api/v1/import/regions", codeList, "Content-Type", "text/csv"), 200, nil)
	e.mustJSON(e.as("admin", "POST", "/api/v1/import/boundaries", countyOutlines, geoJSON...), 200, nil)
	for _, tm := range []struct {
		id, region string
		lon        float64
	}{{"c1", "330127", 119.75}, {"c2", "330122", 119.25}} {
		e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": tm.id, "name": "矿山救护队 " + tm.id,
			"kind": "professional", "capabilities": []string{"mine_rescue"}, "region": tm.region,
			"base": map[string]float64{"lon": tm.lon, "lat": 29.5}}), 201, nil)
	}
}

// TestCoverage loads two county outlines, a mine rescue team in each, and
// walks coverage over HTTP on both stores: the share, the cells as
// GeoJSON, the pick's cost, the drop once the county's only team is
// dispatched, the move-up that restores it, and the refusals.
func TestCoverage(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		coverageWorld(e)
		var cov coverageOut
		deadline := time.Now().Add(10 * time.Second)
		for {
			e.mustJSON(e.as("viewer", "GET", "/api/v1/coverage?region=330127&capability=mine_rescue", nil), 200, &cov)
			if cov.Share > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		// 0.5° × 1° at 29.5°N is about 48 × 111 km: some 1,300 cells; a
		// team reaches 30 minutes at 55 km/h and a detour of 1.3, 21 km.
		if cov.Cells < 1000 || cov.Share <= 0.05 || cov.Share >= 0.5 || cov.TargetS != 1800 || len(cov.Counties) != 0 {
			t.Fatalf("got %+v, want part of 淳安县 covered", cov)
		}
		before := cov.Share
		var city coverageOut
		e.mustJSON(e.as("commander", "GET", "/api/v1/coverage?region=330100&capability=mine_rescue", nil), 200, &city)
		if len(city.Counties) != 2 || city.Counties[1].Region != "330127" || city.Counties[1].Share != before || !city.Counties[1].Gap ||
			city.Cells != city.Counties[0].Cells+city.Counties[1].Cells {
			t.Fatalf("the city: got %+v", city)
		}
		// The cells, as RFC 7946 GeoJSON.
		r := e.as("viewer", "GET", "/api/v1/coverage?region=330127&capability=mine_rescue", nil, "Accept", "application/geo+json")
		var fc struct {
			Type     string
			Share    float64
			Features []struct {
				Geometry struct {
					Type        string
					Coordinates [][][2]float64
				}
				Properties struct {
					County  string
					Cells   int
					Count   int
					Covered bool
				}
			}
		}
		e.mustJSON(r, 200, &fc)
		covered, cells := 0, 0
		for _, f := range fc.Features {
			cells += f.Properties.Cells
			if f.Geometry.Type != "Polygon" || len(f.Geometry.Coordinates[0]) != 5 || f.Properties.County != "330127" {
				t.Fatalf("got feature %+v", f)
			}
			if f.Properties.Covered {
				covered += f.Properties.Cells
			}
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/geo+json") || cells != cov.Cells || covered != cov.Covered || len(fc.Features) > cov.Cells/10 {
			t.Fatalf("got %s, %d features of %d cells (%d covered), want %d cells (%d covered) in runs", ct, len(fc.Features), cells, covered, cov.Cells, cov.Covered)
		}

		// The pick shows what its dispatch costs its county.
		id := newIncident(e, "cov-1", map[string]any{"location": map[string]float64{"lon": 119.7, "lat": 29.45},
			"needs": map[string]any{"teams": []map[string]any{{"capability": "mine_rescue", "count": 1}}}})
		var s struct {
			Teams []struct {
				Picks []struct {
					Team     struct{ ID string }
					Coverage *struct {
						Region, Capability string
						Share, After       float64
					}
				}
			}
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)
		pk := s.Teams[0].Picks[0]
		if pk.Team.ID != "c1" || pk.Coverage == nil || pk.Coverage.Region != "330127" || pk.Coverage.Share != before || pk.Coverage.After != 0 {
			t.Fatalf("got pick %+v, want c1 costing 330127 %v -> 0", pk, before)
		}
		// Two nodes with a gap threshold of 10%: the first state seen is
		// no change.
		nodes := []*coverage.Service{coverage.NewService(coverage.Config{Gap: 0.1}, e.proj, e.regs),
			coverage.NewService(coverage.Config{Gap: 0.1}, e.proj, e.regs)}
		for _, n := range nodes {
			n.SetGaps(e.store)
			if wrote, err := n.Check(ctx); err != nil || wrote != 0 {
				t.Fatalf("the first check: wrote %d, %v; want none", wrote, err)
			}
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{
			"tasks": []map[string]any{{"team": "c1", "need": "mine_rescue"}}}), 201, nil)
		for deadline := time.Now().Add(10 * time.Second); ; {
			e.mustJSON(e.as("viewer", "GET", "/api/v1/coverage?region=330127&capability=mine_rescue", nil), 200, &cov)
			if cov.Share == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the dispatch of 淳安县's only mine rescue team: share %v, want 0", cov.Share)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The drop is one coverage.gap, whichever node sees it first.
		total := 0
		for _, n := range nodes {
			wrote, err := n.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			total += wrote
		}
		var evs struct {
			Items []struct {
				Event   string `json:"type"`
				Subject string
				Data    struct {
					Region, Capability string
					RegionName         string `json:"region_name"`
					Share              float64
					Threshold          float64
				}
			}
		}
		e.mustJSON(e.as("admin", "GET", "/api/v1/events?since=0&limit=1000", nil), 200, &evs)
		var gaps []string
		for _, ev := range evs.Items {
			if ev.Event == "coverage.gap" {
				gaps = append(gaps, ev.Subject+" "+ev.Data.RegionName+" "+ev.Data.Capability)
				if ev.Data.Share != 0 || ev.Data.Threshold != 0.1 {
					t.Fatalf("got gap data %+v", ev.Data)
				}
			}
		}
		if total != 1 || len(gaps) != 1 || gaps[0] != "330127 淳安县 mine_rescue" {
			t.Fatalf("the nodes wrote %d; got gaps %v, want one of 330127", total, gaps)
		}
		// The move-up: 桐庐县's team, to the middle of 淳安县.
		var mv struct {
			Move *struct {
				Team        string
				To          struct{ Lon, Lat float64 }
				ShareBefore float64 `json:"share_before"`
				ShareAfter  float64 `json:"share_after"`
			}
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/coverage/move-up?region=330127&capability=mine_rescue", nil), 200, &mv)
		if mv.Move == nil || mv.Move.Team != "c2" || mv.Move.To.Lon < 119.5 || mv.Move.To.Lon > 120 || mv.Move.ShareBefore != 0 || mv.Move.ShareAfter <= 0 {
			t.Fatalf("got move-up %+v, want c2 into 淳安县", mv.Move)
		}

		// Refusals: out of jurisdiction 404, bad input 400.
		county := countyCommander(t, e)
		e.mustProblem(e.call("GET", "/api/v1/coverage?region=330122&capability=mine_rescue", county, nil), 404)
		e.mustProblem(e.call("GET", "/api/v1/coverage/move-up?region=330122&capability=mine_rescue", county, nil), 404)
		e.mustJSON(e.call("GET", "/api/v1/coverage?capability=mine_rescue", county, nil), 200, &cov)
		if cov.Region != "330127" {
			t.Fatalf("a county commander's default region: got %q", cov.Region)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/coverage?region=330127&capability=no_such", nil), 400, "capability")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/coverage?region=330127", nil), 400, "capability")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/coverage?region=33x&capability=mine_rescue", nil), 400, "region")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/coverage?region=330127&capability=mine_rescue&format=kml", nil), 400, "format")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/coverage/move-up?region=330100&capability=mine_rescue", nil), 400, "region")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/coverage?region=440000&capability=mine_rescue", nil), 404)
		// A region of the tree with no outline has no cells.
		e.mustJSON(e.as("viewer", "GET", "/api/v1/coverage?region=420000&capability=mine_rescue", nil), 200, &cov)
		if cov.Cells != 0 || cov.Share != 0 {
			t.Fatalf("a region with no outline: got %+v", cov)
		}
	})
}

// TestCoverageEventsScoped: a coverage.gap reaches the websocket sessions
// of its county's jurisdiction, on the teams topic, and no other.
func TestCoverageEventsScoped(t *testing.T) {
	e := newEnv(t, "sqlite")
	coverageWorld(e)
	e.tokens["commander-330127"] = countyCommander(t, e)
	subscribe := func(user string) *wsClient {
		c := e.ws(user)
		c.send(map[string]any{"op": "subscribe", "topics": []string{"teams"}})
		c.until(isType("snapshot"))
		return c
	}
	county, whole := subscribe("commander-330127"), subscribe("commander")
	ctx := context.Background()
	for _, below := range []bool{false, true} {
		for _, region := range []string{"330122", "330127"} {
			ev := dispatchd.NewEvent(coverage.EventGap, dispatchd.System, region, coverage.GapEvent{Region: region, Capability: "mine_rescue"})
			ev.Scoped("", region)
			if _, err := e.store.MarkCoverage(ctx, []coverage.Mark{{State: coverage.State{Region: region, Capability: "mine_rescue", Below: below, At: time.Now()}, Event: &ev}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if m, _ := whole.until(isEvent(coverage.EventGap)); m.Subject != "330122" {
		t.Fatalf("the whole deployment's first gap: got %s, want 330122", m.Subject)
	}
	if m, _ := county.until(isEvent(coverage.EventGap)); m.Subject != "330127" {
		t.Fatalf("淳安县's commander saw the gap of %s", m.Subject)
	}
}
