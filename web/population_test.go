package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/coverage"
	"dispatchd/realtime"
)

type populationCoverage struct {
	Weight          string
	Share           float64
	PopulationShare *float64 `json:"population_share"`
	Population      float64
	Counties        []struct {
		Region          string
		Share           float64
		PopulationShare *float64 `json:"population_share"`
		Population      float64
		Gap             bool
	}
}

// TestCoveragePopulation imports a population layer over HTTP on both
// stores: refusals with their field errors and no event, then a layer
// whose people live near 淳安县's team, so that its population share is
// far above its share of cells, in the report, the pick's cost and the
// totals; another node follows the feed to the next import (a CSV) and
// weighs its gaps by population.
func TestCoveragePopulation(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		coverageWorld(e)
		csv := []string{"Content-Type", "text/csv"}
		events := func() int {
			evs, err := e.store.ListEvents(ctx, 0, 100000)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ev := range evs {
				if ev.Type == coverage.EventPopulationImported {
					n++
				}
			}
			return n
		}
		var city populationCoverage
		e.mustJSON(e.as("viewer", "GET", "/api/v1/coverage?region=330100&capability=mine_rescue", nil), 200, &city)
		if city.Weight != "area" || city.PopulationShare != nil || len(city.Counties) != 2 || city.Counties[1].PopulationShare != nil {
			t.Fatalf("without population: got %+v, want no population shares", city)
		}

		// Refusals: every bad field named, nothing written.
		var prob struct {
			Errors []dispatchd.FieldError
		}
		e.mustJSON(e.as("admin", "PUT", "/api/v1/coverage/population", "lon,lat,population\r\n119.7,29.5,10\r\n119.7,x,10\r\n119.7,29.5,-1\r\n", csv...), 400, &prob)
		if len(prob.Errors) != 2 || prob.Errors[0].Line != 3 || prob.Errors[0].Field != "lat" || prob.Errors[1].Line != 4 || prob.Errors[1].Field != "population" {
			t.Fatalf("a bad CSV: got %+v", prob.Errors)
		}
		bad := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[119.7,29.5]},"properties":{"population":"many"}}]}`
		e.mustJSON(e.as("admin", "PUT", "/api/v1/coverage/population", bad, "Content-Type", "application/geo+json"), 400, &prob)
		if len(prob.Errors) != 1 || prob.Errors[0].Field != "features[0].properties.population" {
			t.Fatalf("a bad feature: got %+v", prob.Errors)
		}
		e.mustJSON(e.as("admin", "PUT", "/api/v1/coverage/population?crs=mars", bad, "Content-Type", "application/geo+json"), 400, nil)
		e.mustJSON(e.as("admin", "PUT", "/api/v1/coverage/population", "x", "Content-Type", "text/plain"), 400, nil)
		e.mustJSON(e.as("commander", "PUT", "/api/v1/coverage/population", bad, "Content-Type", "application/geo+json"), 403, nil)
		if n := events(); n != 0 {
			t.Fatalf("refused imports wrote %d events", n)
		}

		// Another node follows the feed.
		store := e.store
		node := coverage.NewService(coverage.Config{Weight: coverage.WeightPopulation}, e.proj, e.regs)
		node.SetPopulationStore(store)
		evs, err := store.ListEvents(ctx, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		last := int64(0)
		if len(evs) > 0 {
			last = evs[len(evs)-1].ID
		}
		feed := realtime.NewFeed(store, last, 20*time.Millisecond)
		sub := feed.Subscribe(coverage.FeedBuffer)
		fctx, stop := context.WithCancel(ctx)
		done := make(chan struct{}, 2)
		go func() { _ = feed.Run(fctx); done <- struct{}{} }()
		go func() {
			node.FollowPopulation(fctx, feed, sub, func(err error) { t.Errorf("population: %v", err) })
			done <- struct{}{}
		}()
		defer func() { stop(); <-done; <-done }()

		// 9,000 people at the team's base, 1,000 in the far corner, 50
		// beyond every county.
		layer := `{"type":"FeatureCollection","features":[
			{"type":"Feature","geometry":{"type":"Point","coordinates":[119.75,29.5]},"properties":{"population":9000}},
			{"type":"Feature","geometry":{"type":"Point","coordinates":[119.55,29.05]},"properties":{"population":1000}},
			{"type":"Feature","geometry":{"type":"Point","coordinates":[121,31]},"properties":{"population":50}}]}`
		var imp coverage.PopulationImported
		e.mustJSON(e.as("admin", "PUT", "/api/v1/coverage/population", layer, "Content-Type", "application/geo+json"), 200, &imp)
		if imp != (coverage.PopulationImported{Points: 3, Counted: 2, Outside: 1, Population: 10000, OutsidePopulation: 50, Counties: 1}) {
			t.Fatalf("got %+v", imp)
		}
		if n := events(); n != 1 {
			t.Fatalf("an import wrote %d events, want 1", n)
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/coverage?region=330100&capability=mine_rescue", nil), 200, &city)
		c := city.Counties[1]
		if city.Counties[0].PopulationShare != nil || c.Region != "330127" || c.PopulationShare == nil || *c.PopulationShare != 0.9 ||
			c.Population != 10000 || c.Share >= 0.5 || !c.Gap || city.PopulationShare == nil || *city.PopulationShare != 0.9 || city.Population != 10000 {
			t.Fatalf("weighed: got %+v", city)
		}
		var pop coverage.Population
		e.mustJSON(e.as("viewer", "GET", "/api/v1/coverage/population?region=330100", nil), 200, &pop)
		if pop.Population != 10000 || pop.Points != 2 || len(pop.Counties) != 2 || pop.Counties[1].Population != 10000 || pop.Counties[0].Points != 0 {
			t.Fatalf("the totals: got %+v", pop)
		}
		id := newIncident(e, "pop-1", map[string]any{"location": map[string]float64{"lon": 119.7, "lat": 29.45},
			"needs": map[string]any{"teams": []map[string]any{{"capability": "mine_rescue", "count": 1}}}})
		var s struct {
			Teams []struct {
				Picks []struct {
					Coverage *struct {
						PopulationShare *float64 `json:"population_share"`
						PopulationAfter *float64 `json:"population_after"`
					}
				}
			}
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)
		if pk := s.Teams[0].Picks[0].Coverage; pk == nil || pk.PopulationShare == nil || *pk.PopulationShare != 0.9 || pk.PopulationAfter == nil || *pk.PopulationAfter != 0 {
			t.Fatalf("the pick's cost: got %+v, want population 0.9 -> 0", pk)
		}

		// The other node reloaded, and weighs its gaps by population: 90%
		// of the people are reached, above the threshold of 80%.
		waitPopulation := func(want float64) *coverage.Report {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); ; {
				rep, err := node.Report(ctx, dispatchd.Actor{}, "330100", "mine_rescue")
				if err != nil {
					t.Fatal(err)
				}
				if ps := rep.Counties[1].PopulationShare; ps != nil && *ps == want {
					return rep
				}
				if time.Now().After(deadline) {
					t.Fatalf("the other node: got %+v, want a population share of %v", rep.Counties[1], want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		if rep := waitPopulation(0.9); rep.Counties[1].Gap || rep.Weight != "population" {
			t.Fatalf("weighed by population: got %+v, want no gap", rep)
		}
		node.SetGaps(store)
		if n, err := node.Check(ctx); n != 0 || err != nil {
			t.Fatalf("the first check: wrote %d, %v; want none", n, err)
		}
		// A CSV (BOM, CRLF, columns in any order) replaces the layer: only
		// the far corner's people, whom no team reaches.
		e.mustJSON(e.as("admin", "PUT", "/api/v1/coverage/population", "\ufeffname,population,lat,lon\r\n远村,1000,29.05,119.55\r\n", csv...), 200, &imp)
		if imp.Points != 1 || imp.Population != 1000 || events() != 2 {
			t.Fatalf("the CSV: got %+v", imp)
		}
		if rep := waitPopulation(0); !rep.Counties[1].Gap || !strings.HasPrefix(rep.Counties[1].Region, "3301") {
			t.Fatalf("weighed by population: got %+v, want a gap", rep.Counties[1])
		}
		// Below by area all along, 淳安县 drops below by population now:
		// one coverage.gap, which says so.
		if n, err := node.Check(ctx); n != 1 || err != nil {
			t.Fatalf("the check after the drop: wrote %d, %v; want 1", n, err)
		}
		evs, err = store.ListEvents(ctx, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		var gap coverage.GapEvent
		if ev := evs[len(evs)-1]; ev.Type != coverage.EventGap || json.Unmarshal(ev.Data, &gap) != nil || gap.Region != "330127" || gap.Weight != "population" || gap.Share != 0 {
			t.Fatalf("got event %s %s, want a gap of 330127 by population", ev.Type, ev.Data)
		}
	})
}
