package web_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// codeList is a piece of the official code list as published (Chinese
// header, byte-order mark), with a county-level city a province governs
// directly and a township.
const codeList = "\ufeff行政区划代码,单位名称\n420000,湖北省\n429004,仙桃市\n330000,浙江省\n330100,杭州市\n" +
	"330122,桐庐县\n330127,淳安县\n330127101,千岛湖镇\n"

// countyOutlines: 桐庐县 west of 119.5°E, 淳安县 east of it, both from 29°N
// to 30°N.
const countyOutlines = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"adcode":330122},"geometry":{"type":"Polygon","coordinates":[[[119,29],[119.5,29],[119.5,30],[119,30],[119,29]]]}},
{"type":"Feature","properties":{"code":"330127"},"geometry":{"type":"Polygon","coordinates":[[[119.5,29],[120,29],[120,30],[119.5,30],[119.5,29]]]}}
]}`

type regionOut struct {
	Code, Name, Level, Parent string
	HasBoundary               bool `json:"has_boundary"`
	Path                      []struct{ Code, Name, Level string }
}

// TestRegionsAPI loads the code list over HTTP, reads the tree, pages
// through it, and refuses malformed and unknown codes, on both stores.
func TestRegionsAPI(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		var list struct {
			Items []regionOut
			Next  string `json:"next_cursor"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/regions", nil), 200, &list)
		if len(list.Items) != 0 {
			t.Fatalf("before any import: got %+v", list)
		}
		// A bad file is refused whole: nothing is written.
		p := e.mustProblem(e.as("commander", "POST", "/api/v1/import/regions", "code,name\n330000,浙江省\n3301,杭州市\n", "Content-Type", "text/csv"), 400, "code")
		if p.Errors[0].Line != 3 {
			t.Errorf("got %+v, want line 3", p.Errors)
		}
		e.mustProblem(e.as("commander", "POST", "/api/v1/import/regions", "code,name\n330000,\"浙江省\n", "Content-Type", "text/csv"), 400)
		e.mustJSON(e.as("viewer", "GET", "/api/v1/regions", nil), 200, &list)
		if len(list.Items) != 0 {
			t.Fatalf("a refused file wrote %+v", list.Items)
		}
		var sum struct {
			Kind string
			Rows int
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/import/regions?source=mca.csv", codeList, "Content-Type", "text/csv"), 200, &sum)
		if sum.Kind != "regions" || sum.Rows != 7 {
			t.Fatalf("got %+v", sum)
		}
		e.mustJSON(e.as("lead", "GET", "/api/v1/regions?limit=1", nil), 200, &list)
		if len(list.Items) != 1 || list.Items[0].Code != "330000" || list.Next == "" {
			t.Fatalf("page 1: got %+v", list)
		}
		cursor := list.Next
		list.Next = ""
		e.mustJSON(e.as("lead", "GET", "/api/v1/regions?limit=1&cursor="+cursor, nil), 200, &list)
		if len(list.Items) != 1 || list.Items[0].Code != "420000" || list.Next != "" {
			t.Fatalf("page 2: got %+v", list)
		}
		e.mustJSON(e.as("manager", "GET", "/api/v1/regions?parent=420000", nil), 200, &list)
		if len(list.Items) != 1 || list.Items[0].Code != "429004" || list.Items[0].Level != "county" {
			t.Fatalf("the province's direct counties: got %+v", list)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/regions?parent=330100", nil), 200, &list)
		if len(list.Items) != 2 || list.Items[1].Code != "330127" || list.Items[1].HasBoundary {
			t.Fatalf("the city's counties: got %+v", list)
		}
		var r regionOut
		e.mustJSON(e.as("viewer", "GET", "/api/v1/regions/330127101", nil), 200, &r)
		if r.Name != "千岛湖镇" || r.Level != "township" || r.Parent != "330127" || len(r.Path) != 3 ||
			r.Path[0].Code != "330000" || r.Path[2].Name != "淳安县" {
			t.Fatalf("got %+v", r)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/regions/330199", nil), 404)
		e.mustProblem(e.as("viewer", "GET", "/api/v1/regions/33x", nil), 400, "code")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/regions?parent=3301", nil), 400, "parent")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/regions?parent=330200", nil), 404)
		e.mustProblem(e.as("viewer", "GET", "/api/v1/regions?cursor=***", nil), 400, "cursor")
	})
}

// countyCommander creates a commander of 淳安县 and returns its token.
func countyCommander(t *testing.T, e *env) string {
	t.Helper()
	e.mustJSON(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "commander-330127", "password": "harbour-lamp-42",
		"role": "commander", "jurisdiction": "330127"}), 201, nil)
	var res struct{ Token string }
	e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "commander-330127", "password": "harbour-lamp-42"}), 200, &res)
	return res.Token
}

type incidentOut struct {
	ID           string
	Region       string
	RegionSource string `json:"region_source"`
}

func incidentAt(lon, lat float64, extra ...any) map[string]any {
	body := map[string]any{"type": "flood", "level": 3, "title": "山洪", "location": map[string]float64{"lon": lon, "lat": lat}}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	return body
}

// TestBoundariesPlaceIncidents imports county outlines over HTTP; an
// incident created without a region gets the county that holds it, a
// moved one follows, a region given stays; a region unknown or outside the
// commander's jurisdiction is refused; only the whole deployment may load
// the tree. On both stores.
func TestBoundariesPlaceIncidents(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustJSON(e.as("admin", "POST", "/api/v1/import/regions", codeList, "Content-Type", "text/csv"), 200, nil)
		county := countyCommander(t, e)
		geoJSON := []string{"Content-Type", "application/geo+json"}
		e.mustProblem(e.call("POST", "/api/v1/import/boundaries", county, countyOutlines, geoJSON...), 403)
		e.mustProblem(e.call("POST", "/api/v1/import/regions", county, codeList, "Content-Type", "text/csv"), 403)

		// Bad outlines are refused whole.
		unknown := strings.Replace(countyOutlines, `"330127"`, `"330182"`, 1)
		p := e.mustProblem(e.as("admin", "POST", "/api/v1/import/boundaries", unknown, geoJSON...), 400, "properties.code")
		if p.Errors[0].Line != 3 || !strings.Contains(p.Errors[0].Message, "unknown region") {
			t.Errorf("got %+v", p.Errors)
		}
		open := strings.Replace(countyOutlines, `[119.5,30],[119.5,29]]]`, `[119.5,30]]]`, 1)
		e.mustProblem(e.as("admin", "POST", "/api/v1/import/boundaries", open, geoJSON...), 400, "geometry")
		var r regionOut
		e.mustJSON(e.as("viewer", "GET", "/api/v1/regions/330122", nil), 200, &r)
		if r.HasBoundary {
			t.Fatal("a refused file wrote a boundary")
		}
		var sum struct{ Rows int }
		e.mustJSON(e.as("commander", "POST", "/api/v1/import/boundaries", countyOutlines, geoJSON...), 200, &sum)
		if sum.Rows != 2 {
			t.Fatalf("got %+v", sum)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/regions/330127", nil), 200, &r)
		if !r.HasBoundary {
			t.Fatal("no boundary after the import")
		}

		// Placed by its location.
		var in incidentOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents", incidentAt(119.7, 29.6)), 201, &in)
		if in.Region != "330127" || in.RegionSource != "location" {
			t.Fatalf("got %+v, want 淳安县 from the location", in)
		}
		// Moved, it follows; a region given stays when it moves.
		e.mustJSON(e.as("commander", "PATCH", "/api/v1/incidents/"+in.ID, map[string]any{"location": map[string]float64{"lon": 119.2, "lat": 29.6}}), 200, &in)
		if in.Region != "330122" || in.RegionSource != "location" {
			t.Fatalf("moved: got %+v, want 桐庐县", in)
		}
		e.mustJSON(e.as("commander", "PATCH", "/api/v1/incidents/"+in.ID, map[string]any{"region": "330127"}), 200, &in)
		e.mustJSON(e.as("commander", "PATCH", "/api/v1/incidents/"+in.ID, map[string]any{"location": map[string]float64{"lon": 119.3, "lat": 29.6}}), 200, &in)
		if in.Region != "330127" || in.RegionSource != "given" {
			t.Fatalf("given, then moved: got %+v, want 330127 kept", in)
		}
		// A region cleared is derived again.
		e.mustJSON(e.as("commander", "PATCH", "/api/v1/incidents/"+in.ID, map[string]any{"region": ""}), 200, &in)
		if in.Region != "330122" || in.RegionSource != "location" {
			t.Fatalf("cleared: got %+v, want 330122 from the location", in)
		}
		// Outside every outline: the commander's jurisdiction.
		e.mustJSON(e.call("POST", "/api/v1/incidents", county, incidentAt(121.5, 29.6)), 201, &in)
		if in.Region != "330127" || in.RegionSource != "jurisdiction" {
			t.Fatalf("got %+v, want the county commander's jurisdiction", in)
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents", incidentAt(121.5, 29.6)), 201, &in)
		if in.Region != "" {
			t.Fatalf("got %+v, want no region for the whole deployment", in)
		}

		// Refused: unknown, outside the jurisdiction, located outside it.
		p = e.mustProblem(e.as("commander", "POST", "/api/v1/incidents", incidentAt(119.7, 29.6, "region", "330182")), 400, "region")
		if !strings.Contains(p.Errors[0].Message, "unknown region") {
			t.Errorf("got %+v", p.Errors)
		}
		p = e.mustProblem(e.call("POST", "/api/v1/incidents", county, incidentAt(119.7, 29.6, "region", "330122")), 400, "region")
		if !strings.Contains(p.Errors[0].Message, "outside your jurisdiction") {
			t.Errorf("got %+v", p.Errors)
		}
		e.mustProblem(e.call("POST", "/api/v1/incidents", county, incidentAt(119.2, 29.6)), 400, "location")
		e.mustProblem(e.as("commander", "PATCH", "/api/v1/incidents/"+in.ID, map[string]any{"region": "330182"}), 400, "region")

		// One event per import, with counts, never the file.
		var evs struct{ Items []json.RawMessage }
		e.mustJSON(e.as("admin", "GET", "/api/v1/audit?type=region.", nil), 200, &evs)
		if len(evs.Items) != 2 {
			t.Fatalf("got %d region events, want 2", len(evs.Items))
		}
		for _, ev := range evs.Items {
			if len(ev) > 400 || strings.Contains(string(ev), "coordinates") {
				t.Errorf("the event carries the file: %s", ev)
			}
		}
	})
}
