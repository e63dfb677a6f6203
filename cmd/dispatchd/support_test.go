package main

import (
	"testing"

	"dispatchd/realtime/redisbus/redistest"
)

// TestTwoNodesSupport runs a support request across two real dispatchd
// processes on one PostgreSQL and one Redis: 淳安县's commander asks on
// node A, 杭州市's commander on node B lists it and answers it with a team
// of another of the city's counties, and the county's websocket on A sees
// the answer.
func TestTwoNodesSupport(t *testing.T) {
	env := append(demoEnv(t, "postgres"),
		"REDIS_URL="+redistest.URL(t), "REDIS_PREFIX="+redistest.Prefix())
	a := start(t, env, "serve", "--addr", "127.0.0.1:0", "--demo")
	b := start(t, env, "serve", "--addr", "127.0.0.1:0")
	admin := a.login("admin")
	token := func(p *proc, name, jurisdiction string) string {
		t.Helper()
		u := map[string]any{"username": name, "password": "harbour-lamp-42", "role": "commander", "jurisdiction": jurisdiction}
		if code := a.call("POST", "/api/v1/users", admin, u, nil); code != 201 {
			t.Fatalf("create user %s: got %d", name, code)
		}
		var res struct{ Token string }
		if code := p.call("POST", "/api/v1/auth/login", "", map[string]string{"username": name, "password": "harbour-lamp-42"}, &res); code != 200 {
			t.Fatalf("login %s: got %d", name, code)
		}
		return res.Token
	}
	county, city := token(a, "support-330127", "330127"), token(b, "support-330100", "330100")
	var teams struct {
		Items []struct{ ID, Status string } `json:"items"`
	}
	if code := b.call("GET", "/api/v1/teams?region=330106&status=available&limit=1", city, nil, &teams); code != 200 || len(teams.Items) != 1 {
		t.Fatalf("西湖区's teams: got %d %+v", code, teams)
	}
	var in struct{ ID string }
	body := map[string]any{"type": "flood", "level": 2, "title": "千岛湖山洪", "region": "330127",
		"location": map[string]float64{"lon": 119.04, "lat": 29.61}}
	if code := a.call("POST", "/api/v1/incidents", county, body, &in); code != 201 {
		t.Fatalf("create incident on A: got %d", code)
	}
	w := watch(t, a, county, "support")
	var r struct{ ID, To string }
	ask := map[string]any{"incident": in.ID, "needs": map[string]any{"teams": []map[string]any{{"capability": "water_rescue", "count": 1}}}}
	if code := a.call("POST", "/api/v1/support-requests", county, ask, &r); code != 201 || r.To != "330100" {
		t.Fatalf("ask on A: got %d %+v, want it addressed to 330100", code, r)
	}
	var incoming struct {
		Items []struct{ ID string } `json:"items"`
	}
	if code := b.call("GET", "/api/v1/support-requests?direction=incoming", city, nil, &incoming); code != 200 ||
		len(incoming.Items) != 1 || incoming.Items[0].ID != r.ID {
		t.Fatalf("the city's incoming on B: got %d %+v, want %s", code, incoming, r.ID)
	}
	var task struct{ ID string }
	if code := b.call("POST", "/api/v1/incidents/"+in.ID+"/tasks", city, map[string]any{"team": teams.Items[0].ID,
		"support_request": r.ID, "ack_within_s": 600}, &task); code != 201 {
		t.Fatalf("answer on B: got %d", code)
	}
	w.until("the answer made on B", func(typ string) bool { return typ == "event support_request.answered "+r.ID })
}
