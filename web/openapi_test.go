package web_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes fails when a route exists that the document
// lacks, or the document describes a route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, "sqlite")
	r := e.call("GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	e.mustJSON(r, 200, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("got openapi %q, want 3.x", doc.OpenAPI)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	var routes, documented []string
	for _, rt := range e.srv.Routes() {
		path := param.ReplaceAllString(rt.Path, "{$1}")
		path = strings.Replace(path, "/*", "/{file}", 1)
		routes = append(routes, rt.Method+" "+path)
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(routes)
	slices.Sort(documented)
	for _, rt := range routes {
		if !slices.Contains(documented, rt) {
			t.Errorf("route %s is not in the OpenAPI document", rt)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("the OpenAPI document describes %s, which is not a route", d)
		}
	}
}

// TestEveryRouteHasAPolicy walks the route table: a route must say who may
// call it, and only the few public routes may say "anyone".
func TestEveryRouteHasAPolicy(t *testing.T) {
	e := newEnv(t, "sqlite")
	public := []string{"GET /healthz", "GET /readyz", "GET /metrics", "GET /api/v1/openapi.json", "POST /api/v1/auth/login",
		"GET /osmand", "POST /osmand",
		// The one-tap answer page: the code in the link is the credential.
		"GET /a/:code", "POST /a/:code",
		// The pages and their files; each page logs in over the API.
		"GET /", "GET /screen", "GET /lead", "GET /depot", "GET /ui/*", "GET /map/boundaries.geojson", "GET /map/boundaries.pmtiles"}
	for _, rt := range e.srv.Routes() {
		key := rt.Method + " " + rt.Path
		if rt.Roles == nil && !slices.Contains(public, key) {
			t.Errorf("route %s has no role policy", key)
		}
		if rt.Roles == nil {
			continue
		}
		path := strings.NewReplacer(":id", "t1", ":rid", "r1", ":code", "1010101", ":kind", "teams").Replace(rt.Path)
		r := e.call(rt.Method, path, "", nil)
		if r.status != 401 {
			t.Errorf("%s without a token: got %d, want 401", key, r.status)
		}
	}
}
