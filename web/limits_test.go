package web_test

import (
	"net/url"
	"strconv"
	"testing"

	"dispatchd/web"
)

// TestRateLimits bounds each user's changes and each token's position
// requests; reading is not limited, and one user's limit is not another's.
func TestRateLimits(t *testing.T) {
	e := newEnv(t, "sqlite", func(c *web.Config) {
		c.Limits = web.Limits{WriteRate: 0.01, WriteBurst: 3, IngestRate: 0.01, IngestBurst: 2}
	})
	for i := range 3 {
		if r := e.as("commander", "POST", "/api/v1/incidents", map[string]any{}); r.status != 400 {
			t.Fatalf("change %d: got %d, want 400 (let through, then refused as invalid)", i+1, r.status)
		}
	}
	r := e.as("commander", "PATCH", "/api/v1/teams/t1", map[string]any{"headcount": 5})
	e.mustProblem(r, 429)
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 {
		t.Fatalf("Retry-After: got %q", r.header.Get("Retry-After"))
	}
	e.mustJSON(e.as("commander", "GET", "/api/v1/teams/t1", nil), 200, nil)
	e.mustJSON(e.as("admin", "PATCH", "/api/v1/teams/t1", map[string]any{"headcount": 5}), 200, nil)

	fix := map[string]any{"positions": []map[string]any{{"lon": 120.1, "lat": 30.2, "ts": "2026-11-23T08:00:00Z"}}}
	for range 2 {
		e.mustJSON(e.as("tracker", "POST", "/api/v1/positions", fix), 200, nil)
	}
	e.mustProblem(e.as("tracker", "POST", "/api/v1/positions", fix), 429)
	q := url.Values{"id": {"no-such-device"}, "key": {"x"}, "lat": {"30.2"}, "lon": {"120.1"}}
	for range 2 {
		if r := e.call("GET", "/osmand?"+q.Encode(), "", nil); r.status == 429 {
			t.Fatalf("osmand: got 429 within the burst")
		}
	}
	e.mustProblem(e.call("GET", "/osmand?"+q.Encode(), "", nil), 429)
}

// TestCORSAndHeaders answers another site's page only when its origin is
// configured, and sends the security headers everywhere.
func TestCORSAndHeaders(t *testing.T) {
	preflight := func(e *env, origin string) response {
		return e.call("OPTIONS", "/api/v1/incidents", "", nil, "Origin", origin, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
	}
	e := newEnv(t, "sqlite")
	if r := preflight(e, "https://screen.example.org"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no origins configured: got Access-Control-Allow-Origin %q", r.header.Get("Access-Control-Allow-Origin"))
	}
	e = newEnv(t, "sqlite", func(c *web.Config) { c.Limits.CORSOrigins = []string{"https://screen.example.org"} })
	r := preflight(e, "https://screen.example.org")
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://screen.example.org" {
		t.Fatalf("configured origin: got %d %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
	if r := preflight(e, "https://evil.example.com"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("another origin: got Access-Control-Allow-Origin %q", r.header.Get("Access-Control-Allow-Origin"))
	}
	for _, path := range []string{"/api/v1/teams", "/healthz", "/screen"} {
		r := e.as("viewer", "GET", path, nil)
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := r.header.Get(h); got != want {
				t.Errorf("GET %s: %s is %q, want %q", path, h, got, want)
			}
		}
	}
}
