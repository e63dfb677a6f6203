package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/auth"
)

// matrix is who may call each route, written here a second time, apart from
// web/routes.go, so that a change of policy there is a change here too, on
// purpose: A admin, C commander, V viewer, L team lead, M depot manager, T
// tracker; "public" for anyone, with or without a token.
var matrix = map[string]string{
	"GET /healthz":                                     "public",
	"GET /readyz":                                      "public",
	"GET /metrics":                                     "public",
	"GET /api/v1/openapi.json":                         "public",
	"GET /api/v1/coverage":                             "ACV",
	"GET /api/v1/coverage/move-up":                     "ACV",
	"GET /api/v1/coverage/population":                  "ACV",
	"PUT /api/v1/coverage/population":                  "A",
	"GET /":                                            "public",
	"GET /screen":                                      "public",
	"GET /lead":                                        "public",
	"GET /depot":                                       "public",
	"GET /ui/*":                                        "public",
	"GET /map/boundaries.geojson":                      "public",
	"GET /map/boundaries.pmtiles":                      "public",
	"GET /api/v1/map":                                  "ACVLM",
	"POST /api/v1/auth/login":                          "public",
	"POST /api/v1/auth/logout":                         "ACVLMT",
	"POST /api/v1/auth/refresh":                        "ACVLM",
	"GET /api/v1/auth/me":                              "ACVLMT",
	"GET /api/v1/users":                                "A",
	"POST /api/v1/users":                               "A",
	"GET /api/v1/users/:id":                            "A",
	"PATCH /api/v1/users/:id":                          "A",
	"GET /api/v1/items":                                "ACVLM",
	"POST /api/v1/items":                               "AC",
	"GET /api/v1/items/:code":                          "ACVLM",
	"PATCH /api/v1/items/:code":                        "AC",
	"DELETE /api/v1/items/:code":                       "A",
	"GET /api/v1/teams":                                "ACVLM",
	"POST /api/v1/teams":                               "AC",
	"GET /api/v1/teams/:id":                            "ACVLM",
	"PATCH /api/v1/teams/:id":                          "AC",
	"DELETE /api/v1/teams/:id":                         "A",
	"GET /api/v1/teams/:id/track":                      "ACVLM",
	"GET /api/v1/depots":                               "ACVLM",
	"POST /api/v1/depots":                              "AC",
	"GET /api/v1/depots/:id":                           "ACVLM",
	"PATCH /api/v1/depots/:id":                         "AC",
	"DELETE /api/v1/depots/:id":                        "A",
	"GET /api/v1/depots/:id/stock":                     "ACVLM",
	"POST /api/v1/depots/:id/stock/adjustments":        "ACM",
	"GET /api/v1/depots/:id/stock/ledger":              "ACVLM",
	"GET /api/v1/stock":                                "ACVLM",
	"POST /api/v1/import/:kind":                        "AC",
	"GET /api/v1/incidents":                            "ACVLM",
	"POST /api/v1/incidents":                           "AC",
	"GET /api/v1/incidents/:id":                        "ACVLM",
	"PATCH /api/v1/incidents/:id":                      "AC",
	"POST /api/v1/incidents/:id/status":                "AC",
	"GET /api/v1/incidents/:id/timeline":               "ACV",
	"GET /api/v1/incidents/:id/suggestions":            "ACV",
	"POST /api/v1/incidents/:id/dispatch":              "AC",
	"GET /api/v1/incidents/:id/tasks":                  "ACVLM",
	"POST /api/v1/incidents/:id/tasks":                 "AC",
	"GET /api/v1/incidents/:id/orders":                 "ACVLM",
	"POST /api/v1/incidents/:id/orders":                "AC",
	"GET /api/v1/incidents/:id/review":                 "ACV",
	"GET /api/v1/reviews/scores":                       "ACV",
	"GET /api/v1/review-targets":                       "ACV",
	"PUT /api/v1/review-targets":                       "A",
	"GET /api/v1/preposition-templates":                "ACV",
	"PUT /api/v1/preposition-templates":                "A",
	"GET /api/v1/prepositions":                         "ACV",
	"POST /api/v1/prepositions":                        "AC",
	"POST /api/v1/prepositions/plan":                   "AC",
	"GET /api/v1/prepositions/:id":                     "ACV",
	"POST /api/v1/prepositions/:id/cancel":             "AC",
	"GET /api/v1/support-requests":                     "ACV",
	"POST /api/v1/support-requests":                    "AC",
	"GET /api/v1/support-requests/:id":                 "ACV",
	"POST /api/v1/support-requests/:id/decline":        "AC",
	"POST /api/v1/support-requests/:id/close":          "AC",
	"GET /api/v1/tasks":                                "ACVLM",
	"GET /api/v1/tasks/:id":                            "ACVLM",
	"POST /api/v1/tasks/:id/ack":                       "ACL",
	"POST /api/v1/tasks/:id/decline":                   "ACL",
	"POST /api/v1/tasks/:id/status":                    "ACL",
	"POST /api/v1/tasks/:id/cancel":                    "AC",
	"POST /api/v1/tasks/:id/replace":                   "AC",
	"GET /api/v1/orders":                               "ACVLM",
	"GET /api/v1/orders/:id":                           "ACVLM",
	"POST /api/v1/orders/:id/confirm":                  "M",
	"POST /api/v1/orders/:id/reject":                   "M",
	"POST /api/v1/orders/:id/ship":                     "M",
	"POST /api/v1/orders/:id/deliver":                  "ACL",
	"POST /api/v1/orders/:id/cancel":                   "AC",
	"POST /api/v1/trackers":                            "AC",
	"DELETE /api/v1/trackers/:id":                      "AC",
	"POST /api/v1/positions":                           "ACTL",
	"GET /osmand":                                      "public",
	"POST /osmand":                                     "public",
	"GET /api/v1/audit":                                "A",
	"GET /api/v1/events":                               "ACV",
	"GET /api/v1/replay":                               "ACV",
	"GET /api/v1/summary":                              "ACV",
	"GET /api/v1/state":                                "ACV",
	"GET /api/v1/ws":                                   "ACVLMT",
	"GET /api/v1/regions":                              "ACVLM",
	"GET /api/v1/regions/:code":                        "ACVLM",
	"POST /api/v1/import/regions":                      "AC",
	"POST /api/v1/import/boundaries":                   "AC",
	"GET /api/v1/zones":                                "ACVL",
	"POST /api/v1/zones":                               "AC",
	"POST /api/v1/import/persons":                      "AC",
	"GET /api/v1/responsible-persons":                  "ACV",
	"POST /api/v1/responsible-persons":                 "AC",
	"GET /api/v1/responsible-persons/:id":              "ACV",
	"PATCH /api/v1/responsible-persons/:id":            "AC",
	"DELETE /api/v1/responsible-persons/:id":           "AC",
	"GET /api/v1/warnings":                             "ACV",
	"POST /api/v1/warnings":                            "AC",
	"GET /api/v1/warnings/:id":                         "ACV",
	"GET /api/v1/warnings/:id/recipients":              "ACV",
	"GET /api/v1/warnings/:id/summary":                 "ACV",
	"POST /api/v1/warnings/:id/recipients/:rid/answer": "AC",
	"GET /a/:code":                                     "public",
	"POST /a/:code":                                    "public",
}

var roleLetter = map[dispatchd.Role]string{dispatchd.RoleAdmin: "A", dispatchd.RoleCommander: "C", dispatchd.RoleViewer: "V",
	dispatchd.RoleTeamLead: "L", dispatchd.RoleDepotManager: "M", dispatchd.RoleTracker: "T"}

// TestPermissionMatrix walks every registered route for every role, and
// for no token, an expired token and a revoked one: a caller the matrix
// names gets past the policy (whatever the handler then says of the
// made-up ids and empty bodies), any other role gets 403 from the policy,
// and a missing, expired or revoked token gets 401. A route that is not in
// the matrix fails, and so does a row of the matrix that is not a route.
func TestPermissionMatrix(t *testing.T) {
	e := newEnv(t, "sqlite")
	type caller struct {
		name  string
		role  dispatchd.Role // "" for a caller with no valid token
		token func() string
	}
	user := func(name string) func() string { return func() string { return e.tokens[name] } }
	callers := []caller{
		{"admin", dispatchd.RoleAdmin, user("admin")},
		{"commander", dispatchd.RoleCommander, user("commander")},
		{"viewer", dispatchd.RoleViewer, user("viewer")},
		{"lead", dispatchd.RoleTeamLead, user("lead")},
		{"manager", dispatchd.RoleDepotManager, user("manager")},
		{"tracker", dispatchd.RoleTracker, user("tracker")},
		{"no token", "", func() string { return "" }},
		// One expired and one revoked token serve every route: neither
		// can come back to life, and each login costs an argon2 hash.
		{"expired token", "", sync.OnceValue(func() string { return expiredToken(t, e, "commander") })},
		{"revoked token", "", sync.OnceValue(func() string { return revokedToken(t, e, "admin") })},
	}
	for _, c := range callers[:6] {
		if e.tokens[c.name] == "" {
			t.Fatalf("the test environment has no user %q", c.name)
		}
	}
	fill := strings.NewReplacer(":id", "no-such-id", ":rid", "no-such-id", ":code", "9999999", ":kind", "teams", "*", "screen.js")
	seen := map[string]bool{}
	for _, rt := range e.srv.Routes() {
		key := rt.Method + " " + rt.Path
		seen[key] = true
		want, ok := matrix[key]
		if !ok {
			t.Errorf("route %s is not in the permission matrix: add it, with who may call it", key)
			continue
		}
		path := fill.Replace(rt.Path)
		for _, c := range callers {
			token := c.token()
			// Logging out or refreshing ends the caller's token: give
			// those calls a token of their own.
			if c.role != "" && (rt.Path == "/api/v1/auth/logout" || rt.Path == "/api/v1/auth/refresh") {
				token = login(t, e, c.name)
			}
			var body any
			if rt.Method == "POST" || rt.Method == "PATCH" {
				body = map[string]any{}
			}
			r := e.call(rt.Method, path, token, body)
			var p struct{ Detail string }
			_ = json.Unmarshal(r.body, &p)
			byPolicy := r.status == 403 && strings.Contains(p.Detail, "role may not")
			switch {
			case want == "public":
				if r.status == 401 || byPolicy {
					t.Errorf("%s %s (public) as %s: got %d %s", rt.Method, rt.Path, c.name, r.status, p.Detail)
				}
			case c.role == "":
				if r.status != 401 {
					t.Errorf("%s %s with %s: got %d, want 401", rt.Method, rt.Path, c.name, r.status)
				}
			case strings.Contains(want, roleLetter[c.role]):
				if r.status == 401 || byPolicy || r.status >= 500 {
					t.Errorf("%s %s as %s (allowed): got %d %s", rt.Method, rt.Path, c.name, r.status, p.Detail)
				}
			default:
				if !byPolicy {
					t.Errorf("%s %s as %s (not allowed): got %d %s, want 403 from the policy", rt.Method, rt.Path, c.name, r.status, p.Detail)
				}
			}
		}
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("the permission matrix has %s, which is not a route", key)
		}
	}
}

func login(t *testing.T, e *env, name string) string {
	t.Helper()
	var res struct{ Token string }
	e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": name, "password": "secret"}), 200, &res)
	return res.Token
}

// expiredToken is a session of the user's that ended a minute ago, written
// to the store as the auth service would have written it.
func expiredToken(t *testing.T, e *env, name string) string {
	t.Helper()
	var me struct{ ID string }
	e.mustJSON(e.as(name, "GET", "/api/v1/auth/me", nil), 200, &me)
	st, ok := e.store.(auth.Store)
	if !ok {
		t.Fatal("the store cannot create sessions")
	}
	token := "expired-" + dispatchd.NewID()
	sum := sha256.Sum256([]byte(token))
	now := time.Now().UTC()
	if err := st.CreateSession(context.Background(), &auth.Session{TokenHash: sum[:], UserID: me.ID,
		CreatedAt: now.Add(-25 * time.Hour), ExpiresAt: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	return token
}

// revokedToken is a fresh login of the user's, logged out.
func revokedToken(t *testing.T, e *env, name string) string {
	t.Helper()
	token := login(t, e, name)
	e.mustJSON(e.call("POST", "/api/v1/auth/logout", token, nil), 204, nil)
	return token
}
