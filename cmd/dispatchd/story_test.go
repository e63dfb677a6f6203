package main

import (
	"strings"
	"testing"

	"dispatchd/realtime/redisbus/redistest"
)

// TestJurisdictionStory is issue 16's story over HTTP, on the demo
// province: on SQLite with one node, and on PostgreSQL and Redis with two,
// where the county asks on node A and the city answers on node B.
// 淳安县's duty officer records a flood, gets a plan from the county's own
// teams and depots first with what needs support marked and owned, asks
// 杭州市 for it in one call; the city sees the request at once and answers
// it with a team of its own against the county's incident; the county sees
// the answer live. The province sees the roll-up; the flood desk sees
// floods, not mine accidents; nobody sees what is not theirs.
func TestJurisdictionStory(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		a := start(t, demoEnv(t, "sqlite"), "serve", "--addr", "127.0.0.1:0", "--demo")
		story(t, a, a)
	})
	t.Run("postgres-two-nodes", func(t *testing.T) {
		t.Parallel()
		env := append(demoEnv(t, "postgres"),
			"REDIS_URL="+redistest.URL(t), "REDIS_PREFIX="+redistest.Prefix())
		a := start(t, env, "serve", "--addr", "127.0.0.1:0", "--demo")
		b := start(t, env, "serve", "--addr", "127.0.0.1:0")
		story(t, a, b)
	})
}

type storyPick struct {
	Team struct {
		ID string `json:"id"`
	} `json:"team"`
	NeedsSupport bool   `json:"needs_support"`
	Owner        string `json:"owner"`
}

func story(t *testing.T, a, b *proc) {
	county := a.login("commander-330127")
	city := b.login("commander-330100")
	province := a.login("commander")
	other := b.login("commander-330122") // 桐庐县, a neighbour

	openIn := func(code string) int {
		t.Helper()
		var sum struct {
			Children []struct {
				Region    struct{ Code string } `json:"region"`
				Incidents struct{ Open int }    `json:"incidents"`
			} `json:"children"`
		}
		if c := a.call("GET", "/api/v1/summary", province, nil, &sum); c != 200 {
			t.Fatalf("the province's summary: got %d", c)
		}
		for _, ch := range sum.Children {
			if ch.Region.Code == code {
				return ch.Incidents.Open
			}
		}
		t.Fatalf("the province's summary has no %s: %+v", code, sum)
		return 0
	}
	before := openIn("330100")

	countyScreen := watch(t, a, county, "incidents", "tasks", "support")

	// The flood, reported in 淳安 without a region: the county's own.
	var in struct{ ID, Region string }
	body := map[string]any{"type": "flood", "level": 2, "title": "千岛湖镇内涝", "location": map[string]float64{"lon": 119.04, "lat": 29.61},
		"needs": map[string]any{"teams": []map[string]any{{"capability": "water_rescue", "count": 12}}}}
	if code := a.call("POST", "/api/v1/incidents", county, body, &in); code != 201 || in.Region != "330127" {
		t.Fatalf("the county's flood: got %d %+v", code, in)
	}
	// The plan: the county's own teams first, then the others marked.
	var sug struct {
		Teams []struct {
			Picks []storyPick `json:"picks"`
		} `json:"teams"`
		Support *struct {
			To    string         `json:"to"`
			Needs map[string]any `json:"needs"`
		} `json:"support"`
	}
	if code := a.call("GET", "/api/v1/incidents/"+in.ID+"/suggestions", county, nil, &sug); code != 200 || len(sug.Teams) != 1 {
		t.Fatalf("suggestions: got %d %+v", code, sug)
	}
	var own, outside int
	var seenOutside bool
	for _, p := range sug.Teams[0].Picks {
		if p.NeedsSupport {
			seenOutside = true
			outside++
			if p.Owner == "" || strings.HasPrefix(p.Owner, "330127") {
				t.Fatalf("an outside pick owned by %q", p.Owner)
			}
		} else {
			if seenOutside {
				t.Fatal("an own pick ranked after an outside one")
			}
			own++
		}
	}
	if own == 0 || outside == 0 || sug.Support == nil || sug.Support.To != "330100" {
		t.Fatalf("want own picks, outside picks and a support request to 330100: got %d own, %d outside, %+v", own, outside, sug.Support)
	}

	// One call asks the city.
	var sr struct{ ID, To, Status string }
	req := map[string]any{"incident": in.ID, "needs": sug.Support.Needs, "respond_within_s": 900}
	if code := a.call("POST", "/api/v1/support-requests", county, req, &sr); code != 201 || sr.To != "330100" || sr.Status != "requested" {
		t.Fatalf("support request: got %d %+v", code, sr)
	}
	// The city sees it (on the other node); the neighbour does not.
	var incoming struct {
		Items []struct{ ID string } `json:"items"`
	}
	if code := b.call("GET", "/api/v1/support-requests?direction=incoming", city, nil, &incoming); code != 200 || !hasID(incoming.Items, sr.ID) {
		t.Fatalf("the city's incoming requests: got %d %+v", code, incoming)
	}
	if code := b.call("GET", "/api/v1/support-requests/"+sr.ID, other, nil, nil); code != 404 {
		t.Fatalf("the neighbour reads the request: got %d, want 404", code)
	}
	if code := b.call("GET", "/api/v1/incidents/"+in.ID, other, nil, nil); code != 404 {
		t.Fatalf("the neighbour reads the county's incident: got %d, want 404", code)
	}
	// The city answers with a team of its own from outside the county.
	var cityTeams struct {
		Items []struct{ ID, Region, Status string } `json:"items"`
	}
	if code := b.call("GET", "/api/v1/teams?capability=water_rescue&limit=200", city, nil, &cityTeams); code != 200 {
		t.Fatalf("the city's teams: got %d", code)
	}
	helper := ""
	for _, tm := range cityTeams.Items {
		if !strings.HasPrefix(tm.Region, "3301") {
			t.Fatalf("the city lists team %s of %s", tm.ID, tm.Region)
		}
		if tm.Region != "330127" && tm.Status == "available" && helper == "" {
			helper = tm.ID
		}
	}
	if helper == "" {
		t.Fatal("no available water rescue team of the city outside 淳安")
	}
	var task struct {
		ID             string `json:"id"`
		SupportRequest string `json:"support_request"`
	}
	if code := b.call("POST", "/api/v1/incidents/"+in.ID+"/tasks", city, map[string]any{"team": helper, "support_request": sr.ID}, &task); code != 201 || task.SupportRequest != sr.ID {
		t.Fatalf("the city's answer: got %d %+v", code, task)
	}
	// The county's screen on A sees the answer live.
	countyScreen.until("the answer", func(typ string) bool { return typ == "event support_request.answered "+sr.ID })
	// The county cannot send the city's other teams itself.
	if code := a.call("POST", "/api/v1/incidents/"+in.ID+"/tasks", county, map[string]any{"team": helper}, nil); code != 400 {
		t.Fatalf("the county sends the city's team: got %d", code)
	}

	// The province sees the flood in 杭州市's row of the roll-up.
	if after := openIn("330100"); after != before+1 {
		t.Fatalf("杭州市's open incidents: %d before the flood, %d after", before, after)
	}
	// The helping team's lead sees its task, and only its team's tasks.
	lead := b.login("lead-" + helper)
	var tasks struct {
		Items []struct{ ID, Team string } `json:"items"`
	}
	if code := b.call("GET", "/api/v1/tasks?limit=100", lead, nil, &tasks); code != 200 || len(tasks.Items) == 0 {
		t.Fatalf("the lead's tasks: got %d %+v", code, tasks)
	}
	for _, tk := range tasks.Items {
		if tk.Team != helper {
			t.Fatalf("the lead of %s lists a task of %s", helper, tk.Team)
		}
	}

	// The flood desk sees floods, not mine accidents.
	mine := map[string]any{"type": "mine_accident", "level": 3, "title": "矿井透水", "location": map[string]float64{"lon": 119.28, "lat": 29.48}}
	var mi struct{ ID string }
	if code := a.call("POST", "/api/v1/incidents", province, mine, &mi); code != 201 {
		t.Fatalf("mine accident: got %d", code)
	}
	desk := b.login("flood-desk")
	if code := b.call("GET", "/api/v1/incidents/"+in.ID, desk, nil, nil); code != 200 {
		t.Fatalf("the flood desk reads the flood: got %d", code)
	}
	if code := b.call("GET", "/api/v1/incidents/"+mi.ID, desk, nil, nil); code != 404 {
		t.Fatalf("the flood desk reads the mine accident: got %d, want 404", code)
	}
}

func hasID(items []struct{ ID string }, id string) bool {
	for _, it := range items {
		if it.ID == id {
			return true
		}
	}
	return false
}
