package web_test

import "testing"

// TestReplaceOwnTeam: on both stores, a county commander who hands a task
// to "the best team offered" gets the best of its own teams, not a nearer
// one of another county, which it may not send itself.
func TestReplaceOwnTeam(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for _, tm := range []struct {
			id, region string
			lon        float64
		}{{"own", "330127", 119.35}, {"own2", "330127", 119.4}, {"next", "330182", 119.05}} {
			e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": tm.id, "name": "水上救援队 " + tm.id,
				"kind": "social", "capabilities": []string{"water_rescue"}, "region": tm.region,
				"base": map[string]float64{"lon": tm.lon, "lat": 29.6}}), 201, nil)
		}
		e.mustJSON(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "commander-330127",
			"password": "harbour-lamp-42", "role": "commander", "jurisdiction": "330127"}), 201, nil)
		var login struct{ Token string }
		e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "commander-330127", "password": "harbour-lamp-42"}), 200, &login)
		e.tokens["commander-330127"] = login.Token

		id := newIncident(e, "inc-replace", map[string]any{"region": "330127", "location": map[string]float64{"lon": 119.0, "lat": 29.6}})
		var task struct{ ID string }
		e.mustJSON(e.as("commander-330127", "POST", "/api/v1/incidents/"+id+"/tasks",
			map[string]any{"team": "own", "need": "water_rescue"}), 201, &task)
		var rep struct {
			Task struct{ Team string } `json:"task"`
		}
		e.mustJSON(e.as("commander-330127", "POST", "/api/v1/tasks/"+task.ID+"/replace", map[string]any{}), 201, &rep)
		if rep.Task.Team != "own2" {
			t.Fatalf("the county's replacement went to %q, want its own team own2 (next, of 330182, is nearer)", rep.Task.Team)
		}
	})
}
