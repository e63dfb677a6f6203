package web_test

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"dispatchd/web"
)

// trustProxy makes the test's X-Forwarded-For the client address, so that
// one test can log in from many addresses.
func trustProxy(c *web.Config) {
	_, n, _ := net.ParseCIDR("127.0.0.0/8")
	c.TrustedProxies = []*net.IPNet{n}
}

func loginFrom(e *env, user, pw, addr string) response {
	e.t.Helper()
	return e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": pw}, "X-Forwarded-For", addr)
}

// TestLoginHugeInput refuses a username or password longer than any that
// can exist with 400, before anything is counted or hashed.
func TestLoginHugeInput(t *testing.T) {
	e := newEnv(t, "sqlite")
	huge := strings.Repeat("a", 1<<19)
	e.mustProblem(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": huge, "password": "x"}), 400, "username")
	e.mustProblem(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "viewer", "password": huge}), 400, "password")
	e.mustProblem(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": strings.Repeat("a", 65), "password": "x"}), 400, "username")
}

// TestLoginLockout: an attacker's failures from one address slow that
// address down (429, Retry-After), and never keep the real user, with the
// right password, out from another address. Guessing from many addresses is
// still stopped: past the username's allowance, only clean addresses may
// try.
func TestLoginLockout(t *testing.T) {
	e := newEnv(t, "sqlite", trustProxy)
	const attacker, user = "203.0.113.7", "198.51.100.20"
	for i := range 5 {
		if r := loginFrom(e, "commander", "wrong", attacker); r.status != 401 {
			t.Fatalf("failure %d: got %d, want 401", i+1, r.status)
		}
	}
	r := loginFrom(e, "commander", "secret", attacker)
	p := e.mustProblem(r, 429)
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 25 || secs > 30 {
		t.Fatalf("Retry-After: got %q, want about 30 s", r.header.Get("Retry-After"))
	}
	if p.Type != "urn:dispatchd:problem:rate_limited" {
		t.Fatalf("got problem %+v", p)
	}
	// The real user, from elsewhere, logs in; another user from the
	// attacker's address too.
	e.mustJSON(loginFrom(e, "Commander ", "secret", user), 200, nil)
	e.mustJSON(loginFrom(e, "viewer", "secret", attacker), 200, nil)

	// Thirty failures from one address, on any usernames, slow the
	// address for everyone.
	e = newEnv(t, "sqlite", trustProxy)
	for i := range 30 {
		if r := loginFrom(e, "ghost"+strconv.Itoa(i), "x", attacker); r.status != 401 {
			t.Fatalf("failure %d: got %d, want 401", i+1, r.status)
		}
	}
	e.mustProblem(loginFrom(e, "admin", "secret", attacker), 429)
	e.mustJSON(loginFrom(e, "admin", "secret", user), 200, nil)

	// A hundred addresses guess admin's password once each: the username
	// now answers only clean addresses.
	e = newEnv(t, "sqlite", trustProxy)
	for i := range 100 {
		if r := loginFrom(e, "admin", "guess"+strconv.Itoa(i), "10.1.0."+strconv.Itoa(i)); r.status != 401 {
			t.Fatalf("guess %d: got %d, want 401", i+1, r.status)
		}
	}
	e.mustProblem(loginFrom(e, "admin", "guess-again", "10.1.0.1"), 429)
	e.mustProblem(loginFrom(e, "admin", "secret", "10.1.0.2"), 429)
	e.mustProblem(loginFrom(e, "admin", "wrong", "10.2.0.1"), 401)
	e.mustProblem(loginFrom(e, "admin", "secret", "10.2.0.1"), 429)
	e.mustJSON(loginFrom(e, "admin", "secret", user), 200, nil)
}

// TestMetricsLabels sends requests with invented methods and paths: the
// scrape keeps a fixed set of label values.
func TestMetricsLabels(t *testing.T) {
	e := newEnv(t, "sqlite")
	for i := range 50 {
		e.call("FOO"+strconv.Itoa(i), "/api/v1/teams", "", nil)
		e.call("GET", "/no/such/route/"+strconv.Itoa(i), "", nil)
	}
	r := e.call("GET", "/metrics", "", nil)
	if r.status != 200 {
		t.Fatalf("got %d, want 200", r.status)
	}
	methods, routes := map[string]bool{}, map[string]bool{}
	for _, m := range regexp.MustCompile(`dispatchd_http_requests_total\{method="([^"]*)",route="([^"]*)"`).FindAllStringSubmatch(string(r.body), -1) {
		methods[m[1]], routes[m[2]] = true, true
	}
	for m := range methods {
		if !map[string]bool{"GET": true, "POST": true, "other": true}[m] {
			t.Errorf("got method label %q, want GET, POST or other", m)
		}
	}
	for rt := range routes {
		if strings.HasPrefix(rt, "/no/") {
			t.Errorf("got route label %q, want unmatched", rt)
		}
	}
	if !methods["other"] || !routes["unmatched"] {
		t.Errorf("got methods %v and routes %v, want other and unmatched among them", methods, routes)
	}

	e = newEnv(t, "sqlite", func(c *web.Config) { c.MetricsToken = "scrape-me" })
	e.mustProblem(e.call("GET", "/metrics", "", nil), 401)
	e.mustProblem(e.call("GET", "/metrics", "wrong", nil), 401)
	if r := e.call("GET", "/metrics", "scrape-me", nil); r.status != 200 {
		t.Fatalf("with the token: got %d, want 200", r.status)
	}
}

// TestPasswordPolicyOverHTTP refuses weak passwords for a new user or a
// new password with a field error.
func TestPasswordPolicyOverHTTP(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, pw := range []string{"aaaa", "password", "sysadmin1", "Password123"} {
		e.mustProblem(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "sysadmin1", "password": pw, "role": "admin"}), 400, "password")
	}
	var u struct{ ID string }
	e.mustJSON(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "sysadmin1", "password": "tide gauge 7 north", "role": "admin"}), 201, &u)
	e.mustProblem(e.as("admin", "PATCH", "/api/v1/users/"+u.ID, map[string]any{"password": "sysadmin1"}), 400, "password")
	e.mustProblem(e.as("admin", "PATCH", "/api/v1/users/"+u.ID, map[string]any{"password": "qwertyuiop"}), 400, "password")
}

// TestCancelledLeadCannotDeliver: the lead of a team whose task on the
// incident was cancelled may no longer mark its orders delivered.
func TestCancelledLeadCannotDeliver(t *testing.T) {
	e := newEnv(t, "sqlite")
	setupBoard(e)
	id := newIncident(e, "inc-1", map[string]any{"needs": map[string]any{"teams": []map[string]any{{"capability": "fire_fighting", "count": 1}}}})
	line := []map[string]any{{"depot": "d1", "lines": []map[string]any{{"item": "1010101", "qty": 10}}}}
	var res struct {
		Tasks  []taskOut  `json:"tasks"`
		Orders []orderOut `json:"orders"`
	}
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{
		"tasks": []map[string]any{{"team": "t1", "need": "fire_fighting"}}, "orders": append(line, line[0])}), 201, &res)
	for _, o := range res.Orders {
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+o.ID+"/confirm", nil), 200, nil)
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+o.ID+"/ship", nil), 200, nil)
	}
	e.mustJSON(e.as("lead", "POST", "/api/v1/orders/"+res.Orders[0].ID+"/deliver", nil), 200, nil)
	e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+res.Tasks[0].ID+"/cancel", map[string]any{"reason": "stood down"}), 200, nil)
	e.mustProblem(e.as("lead", "POST", "/api/v1/orders/"+res.Orders[1].ID+"/deliver", nil), 403)
	e.mustJSON(e.as("commander", "POST", "/api/v1/orders/"+res.Orders[1].ID+"/deliver", nil), 200, nil)
}

// TestNoPathInProblems: no answer names a file of the server, whatever
// fails to be read.
func TestNoPathInProblems(t *testing.T) {
	dir := t.TempDir()
	for _, file := range []string{dir + "/missing.geojson", dir + "/missing.pmtiles", dir} {
		e := newEnv(t, "sqlite", func(c *web.Config) { c.Map.Boundaries = file })
		for _, p := range []string{"/map/boundaries.geojson", "/map/boundaries.pmtiles"} {
			r := e.call("GET", p, "", nil)
			if strings.Contains(string(r.body), dir) {
				t.Errorf("GET %s with %s: got %d %s, want no path", p, file, r.status, r.body)
			}
			if r.status >= 500 && r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET %s with %s: got %d %s, want a problem", p, file, r.status, r.header.Get("Content-Type"))
			}
		}
	}
}
