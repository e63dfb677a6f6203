package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type ingestResult struct {
	Accepted int `json:"accepted"`
	Rejected []struct {
		Index  int    `json:"index"`
		Reason string `json:"reason"`
	} `json:"rejected"`
}

// TestTrackersAndPositions registers a tracker for a team, sends its
// positions over the OsmAnd protocol and as a batch, and checks that bad
// fixes are refused with their reasons and that the team is then ranked
// from where it is.
func TestTrackersAndPositions(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		waitTeam(t, e, "t2")
		var tr struct {
			ID, Team, Token string
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/trackers", map[string]string{"id": "834521", "team": "t2"}), 201, &tr)
		if tr.ID != "834521" || tr.Team != "t2" || tr.Token == "" {
			t.Fatalf("got %+v", tr)
		}
		e.mustProblem(e.as("commander", "POST", "/api/v1/trackers", map[string]string{"id": "834521", "team": "t2"}), 409)
		e.mustProblem(e.as("commander", "POST", "/api/v1/trackers", map[string]string{"id": "bad id!", "team": "nope"}), 400, "id")
		e.mustProblem(e.as("viewer", "POST", "/api/v1/trackers", map[string]string{"id": "x1", "team": "t2"}), 403)

		// Traccar Client: a GET with the fix in the query string, the
		// incident's place reported a minute ago.
		ts := time.Now().Add(-time.Minute).Unix()
		var res ingestResult
		key := "key=" + tr.Token + "&"
		e.mustJSON(e.call("GET", fmt.Sprintf("/osmand?%sid=834521&timestamp=%d&lat=30.2301&lon=120.2001&speed=0&accuracy=8&batt=80", key, ts), "", nil), 200, &res)
		if res.Accepted != 1 {
			t.Fatalf("got %+v, want the fix accepted", res)
		}
		e.mustProblem(e.call("GET", "/osmand?"+key+"id=999999&lat=30.2&lon=120.2", "", nil), 401)
		e.mustProblem(e.call("GET", "/osmand?id=834521&lat=30.2&lon=120.2&token=wrong", "", nil), 401)
		e.mustProblem(e.call("GET", "/osmand?"+key+"id=834521&lat=north&lon=120.2", "", nil), 400)
		// The same fix again, as a form body: a duplicate, answered 200 so
		// that the app does not resend it.
		form := fmt.Sprintf("%sid=834521&timestamp=%d&lat=30.2301&lon=120.2001", key, ts)
		e.mustJSON(e.call("POST", "/osmand", "", form, "Content-Type", "application/x-www-form-urlencoded"), 200, &res)
		if res.Accepted != 0 || len(res.Rejected) != 1 || res.Rejected[0].Reason != "duplicate" {
			t.Fatalf("got %+v, want a duplicate", res)
		}

		// The tracker's own token posts batches for its team only.
		now := time.Now().UTC()
		batch := map[string]any{"positions": []map[string]any{
			{"lon": 120.2002, "lat": 30.2302, "ts": now.Add(-30 * time.Second)},
			{"team": "t1", "lon": 120.2, "lat": 30.2, "ts": now},
			{"lon": 0, "lat": 0, "ts": now},
			{"lon": 120.2, "lat": 30.2, "ts": now.Add(time.Hour)},
			{"lon": 125.0, "lat": 30.2, "ts": now.Add(-20 * time.Second)},
		}}
		e.mustJSON(e.call("POST", "/api/v1/positions", tr.Token, batch), 200, &res)
		var reasons []string
		for _, r := range res.Rejected {
			reasons = append(reasons, fmt.Sprintf("%d:%s", r.Index, r.Reason))
		}
		if res.Accepted != 1 || strings.Join(reasons, " ") != "1:other_team 2:invalid 3:future 4:jump" {
			t.Fatalf("got %+v, want one accepted and the others refused with their reasons", res)
		}
		// A commander may report any team; an unknown team is refused.
		e.mustJSON(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
			{"team": "ghost", "lon": 120.2, "lat": 30.2, "ts": now}}}), 200, &res)
		if res.Accepted != 0 || res.Rejected[0].Reason != "unknown_team" {
			t.Fatalf("got %+v", res)
		}
		e.mustProblem(e.as("viewer", "POST", "/api/v1/positions", batch), 403)
		e.mustProblem(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": []any{}}), 400, "positions")

		// The team is now ranked from its fresh position, at the incident.
		id := newIncident(e, "k", nil)
		var s struct {
			Teams []struct {
				Picks []struct {
					Team      struct{ ID string } `json:"team"`
					From      string              `json:"from"`
					DistanceM float64             `json:"distance_m"`
				} `json:"picks"`
			} `json:"teams"`
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)
		if p := s.Teams[0].Picks[0]; p.Team.ID != "t2" || p.From != "position" || p.DistanceM > 100 {
			t.Fatalf("got pick %+v, want t2 ranked from its position beside the incident", p)
		}

		// A deleted tracker is refused, by id and by token.
		e.mustJSON(e.as("commander", "DELETE", "/api/v1/trackers/834521", nil), 204, nil)
		e.mustProblem(e.call("GET", "/osmand?"+key+"id=834521&lat=30.2&lon=120.2", "", nil), 401)
		e.mustProblem(e.call("POST", "/api/v1/positions", tr.Token, batch), 401)
		e.mustProblem(e.as("commander", "DELETE", "/api/v1/trackers/834521x", nil), 404)
	})
}
