package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"dispatchd/geo"
	"dispatchd/resources"
)

func TestAuth(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustProblem(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": "wrong"}), 401)
		e.mustProblem(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "ghost", "password": "x"}), 401)
		e.mustProblem(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin"}), 400, "password")
		var login struct {
			Token string `json:"token"`
			User  struct {
				Role   string   `json:"role"`
				Team   string   `json:"team"`
				Depots []string `json:"depots"`
			} `json:"user"`
			ExpiresAt string `json:"expires_at"`
		}
		e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "manager", "password": "secret"}), 200, &login)
		if login.User.Role != "depot_manager" || len(login.User.Depots) != 1 || login.ExpiresAt == "" || login.Token == "" {
			t.Fatalf("got %+v", login)
		}
		if strings.Contains(string(e.call("GET", "/api/v1/auth/me", login.Token, nil).body), "password") {
			t.Fatal("the user answer shows the password hash")
		}
		e.mustProblem(e.call("GET", "/api/v1/teams", "", nil), 401)
		e.mustProblem(e.call("GET", "/api/v1/teams", "not-a-token", nil), 401)
		e.mustProblem(e.call("GET", "/api/v1/teams", "", nil, "Authorization", "Basic abc"), 401)
		e.mustJSON(e.call("GET", "/api/v1/auth/me", "", nil, "Authorization", "bearer "+login.Token), 200, nil)
		e.mustProblem(e.as("viewer", "POST", "/api/v1/teams", map[string]any{}), 403)
		e.mustProblem(e.as("tracker", "GET", "/api/v1/teams", nil), 403)
		e.mustProblem(e.as("commander", "GET", "/api/v1/users", nil), 403)
		// Refresh gives a new token with a full life and revokes the old.
		var fresh struct {
			Token     string `json:"token"`
			ExpiresAt string `json:"expires_at"`
			User      struct {
				Username string `json:"username"`
			} `json:"user"`
		}
		e.mustJSON(e.call("POST", "/api/v1/auth/refresh", login.Token, nil), 200, &fresh)
		if fresh.Token == "" || fresh.Token == login.Token || fresh.User.Username != "manager" || fresh.ExpiresAt < login.ExpiresAt {
			t.Fatalf("refresh: got %+v after %+v", fresh, login)
		}
		e.mustProblem(e.call("GET", "/api/v1/auth/me", login.Token, nil), 401)
		e.mustProblem(e.call("POST", "/api/v1/auth/refresh", login.Token, nil), 401)
		e.mustProblem(e.as("tracker", "POST", "/api/v1/auth/refresh", nil), 403)
		login.Token = fresh.Token
		// Logout revokes the token.
		e.mustJSON(e.call("POST", "/api/v1/auth/logout", login.Token, nil), 204, nil)
		e.mustProblem(e.call("GET", "/api/v1/auth/me", login.Token, nil), 401)
	})
}

func TestUsers(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		var u struct {
			ID   string `json:"id"`
			Role string `json:"role"`
		}
		e.mustJSON(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "Duty1", "password": "harbour-lamp-42", "role": "commander"}), 201, &u)
		e.mustProblem(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "duty1", "password": "harbour-lamp-42", "role": "commander"}), 409)
		e.mustProblem(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "x", "password": "p", "role": "king"}), 400, "username", "password", "role")
		e.mustProblem(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "lead2", "password": "harbour-lamp-42", "role": "team_lead"}), 400, "team")
		e.mustProblem(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "lead2", "password": "harbour-lamp-42", "role": "team_lead", "team": "nope"}), 400, "team")
		e.mustProblem(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "mgr2", "password": "harbour-lamp-42", "role": "depot_manager", "depots": []string{"d1", "zz"}}), 400, "depots[1]")
		var login struct{ Token string }
		e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "duty1", "password": "harbour-lamp-42"}), 200, &login)
		e.mustJSON(e.call("GET", "/api/v1/teams", login.Token, nil), 200, nil)
		// Demoting a user ends their sessions.
		e.mustJSON(e.as("admin", "PATCH", "/api/v1/users/"+u.ID, map[string]any{"role": "viewer"}), 200, &u)
		if u.Role != "viewer" {
			t.Fatalf("got role %q, want viewer", u.Role)
		}
		e.mustProblem(e.call("GET", "/api/v1/teams", login.Token, nil), 401)
		e.mustJSON(e.as("admin", "PATCH", "/api/v1/users/"+u.ID, map[string]any{"disabled": true}), 200, nil)
		e.mustProblem(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "duty1", "password": "harbour-lamp-42"}), 401)
		var list struct {
			Items []struct{ Username string } `json:"items"`
		}
		e.mustJSON(e.as("admin", "GET", "/api/v1/users?role=viewer", nil), 200, &list)
		if len(list.Items) != 2 {
			t.Fatalf("got %d viewers, want 2", len(list.Items))
		}
		var me struct{ ID string }
		e.mustJSON(e.as("admin", "GET", "/api/v1/auth/me", nil), 200, &me)
		e.mustProblem(e.as("admin", "PATCH", "/api/v1/users/"+me.ID, map[string]any{"disabled": true}), 409)
		e.mustProblem(e.as("admin", "PATCH", "/api/v1/users/nope", map[string]any{"disabled": true}), 404)
	})
}

func validTeam() map[string]any {
	return map[string]any{
		"name": "拱墅区蓝焰救援队", "kind": "social", "capabilities": []string{"water_rescue", "collapse_search"},
		"headcount": 42, "leader": map[string]string{"name": "王芳", "phone": "13912345678"}, "duty_phone": "0571-88886666",
		"base": map[string]any{"lon": 120.14, "lat": 30.32}, "address": "杭州市拱墅区", "region": "330105",
		"equipment": []map[string]any{{"item": "2020101", "qty": 3}},
	}
}

func TestTeams(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		var team resources.Team
		e.mustJSON(e.as("commander", "POST", "/api/v1/teams", validTeam()), 201, &team)
		if team.ID == "" || team.Status != "available" || team.Headcount != 42 || len(team.Equipment) != 1 {
			t.Fatalf("got %+v", team)
		}
		var got resources.Team
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams/"+team.ID, nil), 200, &got)
		if got.Name != team.Name || got.Leader.Phone != "13912345678" {
			t.Fatalf("got %+v", got)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/teams/nope", nil), 404)
		hc := map[string]any{"headcount": 50, "base": map[string]any{"type": "Point", "coordinates": []float64{120.15, 30.33}, "crs": "gcj02"}}
		e.mustJSON(e.as("commander", "PATCH", "/api/v1/teams/"+team.ID, hc), 200, &got)
		wantLon, wantLat := geo.GCJ02ToWGS84(120.15, 30.33)
		if got.Headcount != 50 || math.Abs(got.Base.Lon-wantLon) > 1e-9 || math.Abs(got.Base.Lat-wantLat) > 1e-9 {
			t.Fatalf("got %+v base %v, want WGS-84 %v,%v", got.Headcount, got.Base, wantLon, wantLat)
		}
		var page struct {
			Items      []resources.Team `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams?limit=1", nil), 200, &page)
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("got %d items cursor %q", len(page.Items), page.NextCursor)
		}
		cursor := page.NextCursor
		page.NextCursor = ""
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams?limit=1&cursor="+cursor, nil), 200, &page)
		if len(page.Items) != 1 || page.NextCursor != "" {
			t.Fatalf("second page: got %d items cursor %q", len(page.Items), page.NextCursor)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams?capability=water_rescue&region=330100&q=蓝焰", nil), 200, &page)
		if len(page.Items) != 1 || page.Items[0].ID != team.ID {
			t.Fatalf("got %+v", page.Items)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/teams?limit=0", nil), 400, "limit")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/teams?kind=pirates&bbox=1,2,3&cursor=%25", nil), 400, "kind", "bbox", "cursor")
		e.mustProblem(e.as("viewer", "DELETE", "/api/v1/teams/"+team.ID, nil), 403)
		e.mustJSON(e.as("admin", "DELETE", "/api/v1/teams/"+team.ID, nil), 204, nil)
		e.mustProblem(e.as("admin", "DELETE", "/api/v1/teams/"+team.ID, nil), 404)
	})
}

func TestBadInput(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		with := func(k string, v any) map[string]any {
			m := validTeam()
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			return m
		}
		tests := []struct {
			name   string
			body   any
			status int
			fields []string
		}{
			{"malformed JSON", `{"name": "x",`, 400, nil},
			{"not an object", `[1,2]`, 400, []string{"body"}},
			{"trailing data", `{} {}`, 400, nil},
			{"empty body", ``, 400, nil},
			{"unknown field", with("colour", "red"), 400, []string{"colour"}},
			{"wrong type", with("headcount", "many"), 400, []string{"headcount"}},
			{"missing name", with("name", nil), 400, []string{"name"}},
			{"bad kind", with("kind", "pirates"), 400, []string{"kind"}},
			{"negative headcount", with("headcount", -1), 400, []string{"headcount"}},
			{"lat out of range", with("base", map[string]any{"lon": 120, "lat": 95}), 400, []string{"base"}},
			{"null island", with("base", map[string]any{"lon": 0, "lat": 0}), 400, []string{"base"}},
			{"missing base", with("base", nil), 400, []string{"base"}},
			{"bad crs", with("base", map[string]any{"lon": 120, "lat": 30, "crs": "mars"}), 400, []string{"base"}},
			{"bad point shape", with("base", map[string]any{"type": "Point", "coordinates": []float64{1}}), 400, nil},
			{"unknown item", with("equipment", []map[string]any{{"item": "3999999", "qty": 1}}), 400, []string{"equipment[0].item"}},
			{"negative quantity", with("equipment", []map[string]any{{"item": "2020101", "qty": -3}}), 400, []string{"equipment[0].qty"}},
			{"bad region", with("region", "33"), 400, []string{"region"}},
			{"bad phone", with("duty_phone", "call me"), 400, []string{"duty_phone"}},
			{"duplicate id", with("id", "t1"), 409, nil},
			{"oversized", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, 413, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.t = t
				e.mustProblem(e.as("commander", "POST", "/api/v1/teams", tt.body), tt.status, tt.fields...)
			})
		}
		// Every route that reads a JSON body answers 413 beyond 1 MiB, as
		// the document says.
		big := `{"title":"` + strings.Repeat("x", 2<<20) + `"}`
		for _, path := range []string{"/api/v1/incidents", "/api/v1/items", "/api/v1/depots", "/api/v1/positions", "/api/v1/auth/login"} {
			e.t = t
			e.mustProblem(e.as("commander", "POST", path, big), 413)
		}
		var page struct{ Items []resources.Team }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams", nil), 200, &page)
		if len(page.Items) != 1 {
			t.Fatalf("got %d teams after bad requests, want only the fixture's", len(page.Items))
		}
	})
}

func TestGeoJSON(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for _, path := range []string{"/api/v1/teams?format=geojson", "/api/v1/depots?format=geojson"} {
			r := e.as("viewer", "GET", path, nil)
			if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
				t.Fatalf("%s: got %d %s", path, r.status, r.header.Get("Content-Type"))
			}
			var fc struct {
				Type     string `json:"type"`
				Features []struct {
					Type     string `json:"type"`
					ID       string `json:"id"`
					Geometry struct {
						Type        string    `json:"type"`
						Coordinates []float64 `json:"coordinates"`
					} `json:"geometry"`
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			if err := json.Unmarshal(r.body, &fc); err != nil {
				t.Fatal(err)
			}
			if fc.Type != "FeatureCollection" || len(fc.Features) != 1 {
				t.Fatalf("%s: got %s", path, r.body)
			}
			f := fc.Features[0]
			if f.Type != "Feature" || f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) != 2 ||
				f.Geometry.Coordinates[0] < 120 || f.Geometry.Coordinates[1] > 31 || f.Properties["name"] == nil || f.ID == "" {
				t.Fatalf("%s: got feature %+v", path, f)
			}
		}
		// A map takes pages of up to 10,000 features; a JSON list up to
		// 1,000 (the document says both).
		for _, tt := range []struct {
			path   string
			status int
		}{
			{"/api/v1/teams?format=geojson&limit=10000", 200},
			{"/api/v1/depots?format=geojson&limit=5000", 200},
			{"/api/v1/teams?format=geojson&limit=10001", 400},
			{"/api/v1/teams?limit=5000", 400},
		} {
			if r := e.as("viewer", "GET", tt.path, nil); r.status != tt.status {
				t.Errorf("%s: got %d, want %d", tt.path, r.status, tt.status)
			}
		}
	})
}

// TestGeoJSONPropertiesAreTheRow holds the map form to the list form: a
// feature's properties are the row's fields less the point field, which is
// the geometry, and its id is the row's.
func TestGeoJSONPropertiesAreTheRow(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for _, tt := range []struct{ path, point string }{
			{"/api/v1/teams", "base"}, {"/api/v1/depots", "location"},
		} {
			var list struct {
				Items []map[string]any `json:"items"`
			}
			e.mustJSON(e.as("viewer", "GET", tt.path, nil), 200, &list)
			var fc struct {
				Features []struct {
					ID       any `json:"id"`
					Geometry struct {
						Type        string    `json:"type"`
						Coordinates []float64 `json:"coordinates"`
					} `json:"geometry"`
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			r := e.as("viewer", "GET", tt.path+"?format=geojson", nil)
			if err := json.Unmarshal(r.body, &fc); err != nil || len(fc.Features) != len(list.Items) || len(list.Items) == 0 {
				t.Fatalf("%s: got %d features (%v), want %d", tt.path, len(fc.Features), err, len(list.Items))
			}
			for i, f := range fc.Features {
				row := list.Items[i]
				p, _ := row[tt.point].(map[string]any)
				if want := []float64{p["lon"].(float64), p["lat"].(float64)}; fmt.Sprint(f.Geometry.Coordinates) != fmt.Sprint(want) || f.Geometry.Type != "Point" {
					t.Errorf("%s: got geometry %+v, want a Point at %v", tt.path, f.Geometry, want)
				}
				delete(row, tt.point)
				if got, want := fmt.Sprint(f.Properties), fmt.Sprint(row); got != want {
					t.Errorf("%s: got properties %s, want %s", tt.path, got, want)
				}
				if f.ID != row["id"] {
					t.Errorf("%s: got id %v, want %v", tt.path, f.ID, row["id"])
				}
			}
		}
	})
}

func TestStock(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		adj := func(delta int) map[string]any {
			return map[string]any{"reason": "采购入库", "lines": []map[string]any{{"item": "1010101", "delta": delta}}}
		}
		var st struct {
			Items []resources.Stock `json:"items"`
		}
		e.mustJSON(e.as("manager", "POST", "/api/v1/depots/d1/stock/adjustments", adj(300)), 200, &st)
		if st.Items[0].OnHand != 300 || st.Items[0].Available != 300 {
			t.Fatalf("got %+v", st.Items)
		}
		p := e.mustProblem(e.as("manager", "POST", "/api/v1/depots/d1/stock/adjustments", adj(-301)), 409, "lines[0].delta")
		if !strings.Contains(p.Errors[0].Message, "300") {
			t.Fatalf("the refusal should say what is on hand: %+v", p)
		}
		e.mustProblem(e.as("manager", "POST", "/api/v1/depots/d1/stock/adjustments", map[string]any{"lines": []map[string]any{{"item": "1010101", "delta": 1}}}), 400, "lines[0].reason")
		e.mustProblem(e.as("manager", "POST", "/api/v1/depots/d1/stock/adjustments", adj(0)), 400, "lines[0].delta")
		e.mustProblem(e.as("viewer", "POST", "/api/v1/depots/d1/stock/adjustments", adj(1)), 403)
		e.mustProblem(e.as("commander", "POST", "/api/v1/depots/nope/stock/adjustments", adj(1)), 404)
		e.mustJSON(e.as("viewer", "GET", "/api/v1/depots/d1/stock", nil), 200, &st)
		if len(st.Items) != 1 || st.Items[0].OnHand != 300 || st.Items[0].Name != "帐篷" {
			t.Fatalf("got %+v", st.Items)
		}
		var ledger struct {
			Items []resources.LedgerLine `json:"items"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/depots/d1/stock/ledger", nil), 200, &ledger)
		if len(ledger.Items) != 1 || ledger.Items[0].Actor != "manager" || ledger.Items[0].Reason != "采购入库" {
			t.Fatalf("got %+v", ledger.Items)
		}
	})
}

func TestImport(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		bad := "name,kind,lon,lat,region\n一队,fire_rescue,120.1,30.2,330106\n二队,pirates,120.1,30.2,330106\n三队,social,abc,30.2,330106\n"
		p := e.mustProblem(e.as("commander", "POST", "/api/v1/import/teams", bad, "Content-Type", "text/csv"), 400, "kind", "lon")
		lines := map[int]bool{}
		for _, f := range p.Errors {
			lines[f.Line] = true
		}
		if !lines[3] || !lines[4] || lines[2] {
			t.Fatalf("got errors on lines %v, want 3 and 4: %+v", lines, p.Errors)
		}
		good := "name,kind,lon,lat,region,capabilities\n一队,fire_rescue,120.1,30.2,330106,fire_fighting\n二队,social,120.1,30.2,330106,water_rescue;medical\n"
		var sum struct{ Rows int }
		e.mustJSON(e.as("commander", "POST", "/api/v1/import/teams", good, "Content-Type", "text/csv"), 200, &sum)
		if sum.Rows != 2 {
			t.Fatalf("got %d rows, want 2", sum.Rows)
		}
		stock := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"depot":"d1","stock":{"1010101":80}}}]}`
		e.mustJSON(e.as("commander", "POST", "/api/v1/import/stock?format=geojson", stock), 200, &sum)
		e.mustProblem(e.as("commander", "POST", "/api/v1/import/widgets", good), 404)
		e.mustProblem(e.as("viewer", "POST", "/api/v1/import/teams", good), 403)
		var page struct{ Items []resources.Team }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams", nil), 200, &page)
		if len(page.Items) != 3 {
			t.Fatalf("got %d teams, want 3", len(page.Items))
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		var wg sync.WaitGroup
		results := make([]response, 3)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.as("commander", "POST", "/api/v1/teams", validTeam(), "Idempotency-Key", "k-42")
			}()
		}
		wg.Wait()
		var first resources.Team
		e.mustJSON(e.as("commander", "POST", "/api/v1/teams", validTeam(), "Idempotency-Key", "k-42"), 201, &first)
		for _, r := range results {
			if r.status == 409 {
				// A retry that raced the first request: it is told to
				// send again.
				if r.header.Get("Retry-After") == "" {
					t.Fatalf("a retry while the first runs: got 409 %s without Retry-After", r.body)
				}
				continue
			}
			var got resources.Team
			e.mustJSON(r, 201, &got)
			if got.ID != first.ID {
				t.Fatalf("a retry created team %s, want the first answer %s", got.ID, first.ID)
			}
		}
		var page struct{ Items []resources.Team }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams?q=蓝焰", nil), 200, &page)
		if len(page.Items) != 1 {
			t.Fatalf("got %d teams for one key, want 1", len(page.Items))
		}
		e.mustProblem(e.as("commander", "POST", "/api/v1/depots", map[string]any{}, "Idempotency-Key", "k-42"), 409)
	})
}

func TestEvents(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		var all struct {
			Items []struct {
				ID      int64           `json:"id"`
				Type    string          `json:"type"`
				Actor   string          `json:"actor"`
				Subject string          `json:"subject"`
				Data    json.RawMessage `json:"data"`
			} `json:"items"`
			NextSince int64 `json:"next_since"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/events", nil), 200, &all)
		n := len(all.Items)
		e.mustJSON(e.as("commander", "POST", "/api/v1/teams", validTeam()), 201, nil)
		e.mustJSON(e.as("viewer", "GET", fmt.Sprintf("/api/v1/events?since=%d", all.NextSince), nil), 200, &all)
		if len(all.Items) != 1 || all.Items[0].Type != "team.created" || all.Items[0].Actor != "commander" || all.Items[0].ID != int64(n+1) {
			t.Fatalf("got %+v after %d events", all.Items, n)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/events?since=0&limit=2", nil), 200, &all)
		if len(all.Items) != 2 || all.NextSince != 2 {
			t.Fatalf("got %d events next %d", len(all.Items), all.NextSince)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/events?since=-1", nil), 400, "since")
		e.mustProblem(e.as("lead", "GET", "/api/v1/events", nil), 403)
	})
}

func TestOperations(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.mustJSON(e.call("GET", "/healthz", "", nil), 200, nil)
	e.mustJSON(e.call("GET", "/readyz", "", nil), 200, nil)
	r := e.call("GET", "/metrics", "", nil)
	if r.status != 200 || !strings.Contains(string(r.body), "dispatchd_http_requests_total") {
		t.Fatalf("got %d %.200s", r.status, r.body)
	}
	r = e.call("GET", "/api/v1/teams", "", nil)
	if r.header.Get("X-Request-Id") == "" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("got headers %v", r.header)
	}
	e.mustProblem(e.call("GET", "/api/v1/nothing", "", nil), 404)
	e.mustProblem(e.call("PUT", "/api/v1/teams", "", nil), 405)
}
