package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// scopedUser creates a user with a jurisdiction as the admin and logs it
// in under its name.
func (e *env) scopedUser(name, role, jurisdiction string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"username": name, "password": "harbour-lamp-42", "role": role, "jurisdiction": jurisdiction}
	for k, v := range extra {
		body[k] = v
	}
	var u struct{ ID string }
	e.mustJSON(e.as("admin", "POST", "/api/v1/users", body), 201, &u)
	var res struct{ Token string }
	e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": name, "password": "harbour-lamp-42"}), 200, &res)
	e.tokens[name] = res.Token
	return u.ID
}

// listIDs returns the ids (or usernames) of a list answer.
func (e *env) listIDs(user, path string) []string {
	e.t.Helper()
	var page struct {
		Items []struct{ ID, Username string }
	}
	e.mustJSON(e.as(user, "GET", path, nil), 200, &page)
	out := []string{}
	for _, it := range page.Items {
		if it.Username != "" {
			out = append(out, it.Username)
		} else {
			out = append(out, it.ID)
		}
	}
	return out
}

// scopeSetup adds a team t2 and a depot d2 in Ningbo (330203), outside
// Hangzhou (330100) where t1 and d1 are, stock of item 1010101 at both
// depots, and a commander "hz" of Hangzhou and "ca" of its county 淳安.
func scopeSetup(t *testing.T, e *env) {
	t.Helper()
	e.mustJSON(e.as("admin", "POST", "/api/v1/teams", map[string]any{"id": "t2", "name": "北仑区危化救援队", "kind": "professional",
		"base": map[string]float64{"lon": 121.8, "lat": 29.9}, "region": "330203"}), 201, nil)
	e.mustJSON(e.as("admin", "POST", "/api/v1/depots", map[string]any{"id": "d2", "name": "北仑区储备库", "tier": "county",
		"location": map[string]float64{"lon": 121.8, "lat": 29.9}, "region": "330203"}), 201, nil)
	for _, d := range []string{"d1", "d2"} {
		e.mustJSON(e.as("admin", "POST", "/api/v1/depots/"+d+"/stock/adjustments", map[string]any{"reason": "入库",
			"lines": []map[string]any{{"item": "1010101", "delta": 10}}}), 200, nil)
	}
	e.scopedUser("hz", "commander", "330100", nil)
	e.scopedUser("ca", "commander", "330127", nil)
}

// TestJurisdictionTeamsAndDepots: a commander of a city lists, reads and
// changes the teams and depots of its city; those of another city are not
// found, exactly as unknown ids, and a region outside is refused.
func TestJurisdictionTeamsAndDepots(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		scopeSetup(t, e)
		if got := e.listIDs("hz", "/api/v1/teams"); fmt.Sprint(got) != "[t1]" {
			t.Errorf("hz lists teams %v, want [t1]", got)
		}
		if got := e.listIDs("hz", "/api/v1/depots"); fmt.Sprint(got) != "[d1]" {
			t.Errorf("hz lists depots %v, want [d1]", got)
		}
		if got := e.listIDs("commander", "/api/v1/teams"); fmt.Sprint(got) != "[t1 t2]" {
			t.Errorf("the province lists teams %v, want [t1 t2]", got)
		}
		var geo struct{ Features []struct{ ID string } }
		e.mustJSON(e.as("hz", "GET", "/api/v1/depots?format=geojson", nil), 200, &geo)
		if len(geo.Features) != 1 || geo.Features[0].ID != "d1" {
			t.Errorf("hz maps depots %+v, want d1", geo.Features)
		}
		e.mustJSON(e.as("hz", "GET", "/api/v1/teams/t1", nil), 200, nil)
		out := e.mustProblem(e.as("hz", "GET", "/api/v1/teams/t2", nil), 404)
		unknown := e.mustProblem(e.as("hz", "GET", "/api/v1/teams/t9", nil), 404)
		if out.Title != unknown.Title || out.Detail != strings.Replace(unknown.Detail, "t9", "t2", 1) {
			t.Errorf("outside %+v and unknown %+v must read alike", out, unknown)
		}
		e.mustProblem(e.as("hz", "PATCH", "/api/v1/teams/t2", map[string]any{"name": "x"}), 404)
		e.mustProblem(e.as("hz", "GET", "/api/v1/depots/d2", nil), 404)
		e.mustProblem(e.as("hz", "PATCH", "/api/v1/depots/d2", map[string]any{"name": "x"}), 404)
		e.scopedUser("hzadmin", "admin", "330100", nil)
		e.mustProblem(e.as("hzadmin", "DELETE", "/api/v1/teams/t2", nil), 404)
		e.mustProblem(e.as("hzadmin", "DELETE", "/api/v1/depots/d2", nil), 404)
		e.mustJSON(e.as("admin", "GET", "/api/v1/teams/t2", nil), 200, nil)

		// Creating and moving: within the jurisdiction only.
		team := func(region string) map[string]any {
			t := map[string]any{"name": "新队", "kind": "social", "base": map[string]float64{"lon": 119, "lat": 29.6}}
			if region != "" {
				t["region"] = region
			}
			return t
		}
		e.mustProblem(e.as("hz", "POST", "/api/v1/teams", team("330203")), 400, "region")
		e.mustProblem(e.as("hz", "POST", "/api/v1/teams", team("")), 400, "region")
		e.mustJSON(e.as("hz", "POST", "/api/v1/teams", team("330127")), 201, nil)
		var made struct{ Region string }
		e.mustJSON(e.as("ca", "POST", "/api/v1/teams", team("")), 201, &made)
		if made.Region != "330127" {
			t.Errorf("a county commander's team without region: got %q, want 330127", made.Region)
		}
		e.mustProblem(e.as("hz", "PATCH", "/api/v1/teams/t1", map[string]any{"region": "330203"}), 400, "region")
		e.mustProblem(e.as("hz", "PATCH", "/api/v1/depots/d1", map[string]any{"region": "330203"}), 400, "region")
		e.mustJSON(e.as("hz", "PATCH", "/api/v1/teams/t1", map[string]any{"region": "330110"}), 200, nil)
	})
}

// TestJurisdictionStock: stock, ledger and adjustments of a depot outside
// the jurisdiction are not found; a depot manager sees its own depots'
// only; the stock of an item lists the depots in scope.
func TestJurisdictionStock(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		scopeSetup(t, e)
		adjust := map[string]any{"reason": "盘点", "lines": []map[string]any{{"item": "1010101", "delta": 1}}}
		for _, who := range []string{"hz", "manager"} {
			e.mustProblem(e.as(who, "GET", "/api/v1/depots/d2/stock", nil), 404)
			e.mustProblem(e.as(who, "GET", "/api/v1/depots/d2/stock/ledger", nil), 404)
			e.mustProblem(e.as(who, "POST", "/api/v1/depots/d2/stock/adjustments", adjust), 404)
			e.mustJSON(e.as(who, "GET", "/api/v1/depots/d1/stock", nil), 200, nil)
			e.mustJSON(e.as(who, "GET", "/api/v1/depots/d1/stock/ledger", nil), 200, nil)
			e.mustJSON(e.as(who, "POST", "/api/v1/depots/d1/stock/adjustments", adjust), 200, nil)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/depots/d2/stock", nil), 200, nil)
		// Both depots' stock, as the dispatch view sees it, then per caller.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var all struct{ Available map[string]int64 }
			e.mustJSON(e.as("commander", "GET", "/api/v1/stock?item=1010101", nil), 200, &all)
			if len(all.Available) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the dispatch view never held both depots' stock: %v", all.Available)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, who := range []string{"hz", "manager"} {
			var st struct{ Available map[string]int64 }
			e.mustJSON(e.as(who, "GET", "/api/v1/stock?item=1010101", nil), 200, &st)
			if _, ok := st.Available["d2"]; ok || st.Available["d1"] == 0 {
				t.Errorf("%s: got stock %v, want d1 only", who, st.Available)
			}
		}
	})
}

// TestJurisdictionTracksTrackersPositions: a team lead reads its own
// team's track only, a commander those of its jurisdiction; trackers and
// positions of a scoped commander name only teams within it.
func TestJurisdictionTracksTrackersPositions(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		scopeSetup(t, e)
		e.mustJSON(e.as("lead", "GET", "/api/v1/teams/t1/track", nil), 200, nil)
		e.mustProblem(e.as("lead", "GET", "/api/v1/teams/t2/track", nil), 404)
		e.mustJSON(e.as("hz", "GET", "/api/v1/teams/t1/track", nil), 200, nil)
		e.mustProblem(e.as("hz", "GET", "/api/v1/teams/t2/track", nil), 404)
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams/t2/track", nil), 200, nil)

		e.mustProblem(e.as("hz", "POST", "/api/v1/trackers", map[string]string{"id": "nb1", "team": "t2"}), 400, "team")
		e.mustJSON(e.as("hz", "POST", "/api/v1/trackers", map[string]string{"id": "hz1", "team": "t1"}), 201, nil)
		e.mustJSON(e.as("commander", "POST", "/api/v1/trackers", map[string]string{"id": "nb1", "team": "t2"}), 201, nil)
		e.mustProblem(e.as("hz", "DELETE", "/api/v1/trackers/nb1", nil), 404)
		e.mustJSON(e.as("hz", "DELETE", "/api/v1/trackers/hz1", nil), 204, nil)
		e.mustJSON(e.as("commander", "DELETE", "/api/v1/trackers/nb1", nil), 204, nil)

		// t2 is known to the dispatch view: refused for being outside,
		// not for being unknown.
		waitTeam(t, e, "t2")
		now := time.Now().UTC()
		batch := map[string]any{"positions": []map[string]any{
			{"team": "t2", "lon": 121.8, "lat": 29.9, "ts": now.Add(-time.Second)},
			{"team": "t1", "lon": 120.13, "lat": 30.26, "ts": now.Add(-time.Second)},
		}}
		var res ingestResult
		e.mustJSON(e.as("hz", "POST", "/api/v1/positions", batch), 200, &res)
		if res.Accepted != 1 || len(res.Rejected) != 1 || res.Rejected[0].Index != 0 || res.Rejected[0].Reason != "unknown_team" {
			t.Fatalf("hz posts for t2 and t1: got %+v, want t2 refused as unknown", res)
		}
		batch["positions"].([]map[string]any)[0]["ts"] = now
		e.mustJSON(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": batch["positions"].([]map[string]any)[:1]}), 200, &res)
		if res.Accepted != 1 {
			t.Fatalf("the province posts for t2: got %+v", res)
		}
	})
}

// TestJurisdictionImport: every row of an import by a scoped commander
// lies within its jurisdiction, or nothing is imported.
func TestJurisdictionImport(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		scopeSetup(t, e)
		bad := "id,name,kind,lon,lat,region\nn1,内,social,120.1,30.2,330106\nn2,外,social,121.8,29.9,330203\nt2,占用,social,121.8,29.9,330106\n"
		p := e.mustProblem(e.as("hz", "POST", "/api/v1/import/teams", bad, "Content-Type", "text/csv"), 400, "region", "id")
		for _, f := range p.Errors {
			if f.Line == 2 {
				t.Errorf("line 2 is within the jurisdiction: %+v", f)
			}
		}
		e.mustProblem(e.as("hz", "GET", "/api/v1/teams/n1", nil), 404)
		e.mustProblem(e.as("hz", "POST", "/api/v1/import/teams", "name,kind,lon,lat\n甲,social,120.1,30.2\n", "Content-Type", "text/csv"), 400, "region")
		var sum struct{ Rows int }
		e.mustJSON(e.as("ca", "POST", "/api/v1/import/teams", "id,name,kind,lon,lat\nn3,甲,social,119,29.6\n", "Content-Type", "text/csv"), 200, &sum)
		var n3 struct{ Region string }
		e.mustJSON(e.as("ca", "GET", "/api/v1/teams/n3", nil), 200, &n3)
		if sum.Rows != 1 || n3.Region != "330127" {
			t.Errorf("a county's row without region: got %d rows, region %q", sum.Rows, n3.Region)
		}
		e.mustProblem(e.as("hz", "POST", "/api/v1/import/depots", "id,name,tier,lon,lat,region\nx1,库,county,121.8,29.9,330203\n", "Content-Type", "text/csv"), 400, "region")
		e.mustProblem(e.as("hz", "POST", "/api/v1/import/stock", "depot,item,on_hand\nd2,1010101,5\n", "Content-Type", "text/csv"), 400, "depot")
		e.mustJSON(e.as("hz", "POST", "/api/v1/import/stock", "depot,item,on_hand\nd1,1010101,5\n", "Content-Type", "text/csv"), 200, nil)
	})
}

// TestJurisdictionUsers: an admin of a city manages the users of its city
// only, and gives none a wider jurisdiction.
func TestJurisdictionUsers(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		scopeSetup(t, e)
		e.scopedUser("hzadmin", "admin", "330100", nil)
		got := e.listIDs("hzadmin", "/api/v1/users")
		if fmt.Sprint(got) != "[ca hz hzadmin]" {
			t.Errorf("hzadmin lists users %v, want [ca hz hzadmin]", got)
		}
		if got := e.listIDs("admin", "/api/v1/users?jurisdiction=330127"); fmt.Sprint(got) != "[ca]" {
			t.Errorf("users of 330127: got %v, want [ca]", got)
		}
		if got := e.listIDs("hzadmin", "/api/v1/users?jurisdiction=330000"); fmt.Sprint(got) != "[ca hz hzadmin]" {
			t.Errorf("hzadmin's users of the province: got %v, want its own", got)
		}
		if got := e.listIDs("hzadmin", "/api/v1/users?jurisdiction=330200"); len(got) != 0 {
			t.Errorf("hzadmin's users of Ningbo: got %v, want none", got)
		}
		e.mustProblem(e.as("admin", "GET", "/api/v1/users?jurisdiction=33", nil), 400, "jurisdiction")
		var me struct{ ID string }
		e.mustJSON(e.as("commander", "GET", "/api/v1/auth/me", nil), 200, &me)
		e.mustProblem(e.as("hzadmin", "GET", "/api/v1/users/"+me.ID, nil), 404)
		e.mustProblem(e.as("hzadmin", "PATCH", "/api/v1/users/"+me.ID, map[string]any{"disabled": true}), 404)
		e.mustProblem(e.as("hzadmin", "POST", "/api/v1/users", map[string]any{"username": "wide", "password": "harbour-lamp-42",
			"role": "commander", "jurisdiction": "330000"}), 400, "jurisdiction")
		var u struct{ ID, Jurisdiction string }
		e.mustJSON(e.as("hzadmin", "POST", "/api/v1/users", map[string]any{"username": "narrow", "password": "harbour-lamp-42",
			"role": "viewer"}), 201, &u)
		if u.Jurisdiction != "330100" {
			t.Errorf("hzadmin's user without jurisdiction: got %q, want 330100", u.Jurisdiction)
		}
		e.mustProblem(e.as("hzadmin", "PATCH", "/api/v1/users/"+u.ID, map[string]any{"jurisdiction": ""}), 400, "jurisdiction")
		e.mustJSON(e.as("hzadmin", "PATCH", "/api/v1/users/"+u.ID, map[string]any{"jurisdiction": "330127"}), 200, nil)
		e.mustProblem(e.as("hzadmin", "POST", "/api/v1/users", map[string]any{"username": "nblead", "password": "harbour-lamp-42",
			"role": "team_lead", "team": "t2"}), 400, "team")
		if got := e.listIDs("hzadmin", "/api/v1/users"); !slices.Contains(got, "narrow") || slices.Contains(got, "admin") {
			t.Errorf("hzadmin lists %v", got)
		}
	})
}

// TestJurisdictionEveryRegistryRoute walks every route of a team or a
// depot by id, as an admin of Hangzhou: each answers 404 for Ningbo's team
// or depot, as for an unknown id, and anything but 404 for Hangzhou's.
func TestJurisdictionEveryRegistryRoute(t *testing.T) {
	e := newEnv(t, "sqlite")
	scopeSetup(t, e)
	e.scopedUser("hzadmin", "admin", "330100", nil)
	walked := 0
	for _, inside := range []bool{false, true} {
		for _, rt := range e.srv.Routes() {
			var id string
			switch {
			case strings.HasPrefix(rt.Path, "/api/v1/teams/:id"):
				id = map[bool]string{false: "t2", true: "t1"}[inside]
			case strings.HasPrefix(rt.Path, "/api/v1/depots/:id"):
				id = map[bool]string{false: "d2", true: "d1"}[inside]
			default:
				continue
			}
			if inside && rt.Method == "DELETE" {
				continue // the rest of the walk needs them
			}
			var body any
			if rt.Method == "POST" || rt.Method == "PATCH" {
				body = map[string]any{}
			}
			r := e.as("hzadmin", rt.Method, strings.Replace(rt.Path, ":id", id, 1), body)
			switch {
			case !inside && r.status != 404:
				t.Errorf("%s %s for %s (outside): got %d %s, want 404", rt.Method, rt.Path, id, r.status, r.body)
			case inside && (r.status == 404 || r.status >= 500):
				t.Errorf("%s %s for %s (inside): got %d %s", rt.Method, rt.Path, id, r.status, r.body)
			}
			walked++
		}
	}
	if walked < 15 {
		t.Fatalf("walked %d routes: the registry's routes were not found", walked)
	}
}

// waitTeam waits until the dispatch view, which follows the event feed,
// holds the team: positions for a team it does not hold are refused.
func waitTeam(t *testing.T, e *env, team string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !e.proj.HasTeam(team) {
		if time.Now().After(deadline) {
			t.Fatalf("the dispatch view never held team %s", team)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
