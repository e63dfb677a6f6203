package web_test

import (
	"fmt"
	"testing"
	"time"
)

// TestPositionsOfNewTeam registers teams over HTTP and posts each one's
// position at once, many times, as a commander's batch and from a tracker
// registered with the team over the OsmAnd protocol: the dispatch view
// follows the event feed and may not hold the team yet, and the fix must
// still be taken, not refused as one for an unknown team.
func TestPositionsOfNewTeam(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for i := range 20 {
			team := fmt.Sprintf("fresh%d", i)
			e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": team, "name": "新建救援队 " + team,
				"kind": "social", "capabilities": []string{"water_rescue"}, "base": map[string]float64{"lon": 120.21, "lat": 30.22}}), 201, nil)
			now := time.Now().UTC()
			var res ingestResult
			e.mustJSON(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
				{"team": team, "lon": 120.2, "lat": 30.2, "ts": now.Add(-time.Minute)}}}), 200, &res)
			if res.Accepted != 1 {
				t.Errorf("team %s: got %+v, want its first position taken", team, res)
			}

			// A tracker registered with its own new team posts at once.
			other := fmt.Sprintf("fresh%da", i)
			e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": other, "name": "新建救援队 " + other,
				"kind": "social", "capabilities": []string{"water_rescue"}, "base": map[string]float64{"lon": 120.21, "lat": 30.22}}), 201, nil)
			var tr struct{ ID, Token string }
			e.mustJSON(e.as("commander", "POST", "/api/v1/trackers", map[string]string{"id": fmt.Sprintf("77%04d", i), "team": other}), 201, &tr)
			e.mustJSON(e.call("GET", fmt.Sprintf("/osmand?key=%s&id=%s&timestamp=%d&lat=30.2301&lon=120.2001",
				tr.Token, tr.ID, now.Add(-30*time.Second).Unix()), "", nil), 200, &res)
			if res.Accepted != 1 {
				t.Errorf("tracker of team %s: got %+v, want its first fix taken", other, res)
			}
		}
		// A team that does not exist is still refused.
		var res ingestResult
		e.mustJSON(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
			{"team": "ghost", "lon": 120.2, "lat": 30.2, "ts": time.Now().UTC()}}}), 200, &res)
		if res.Accepted != 0 || len(res.Rejected) != 1 || res.Rejected[0].Reason != "unknown_team" {
			t.Fatalf("got %+v, want the unknown team refused", res)
		}
	})
}
