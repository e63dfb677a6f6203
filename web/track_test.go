package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"dispatchd/realtime"
	"dispatchd/web/geojsontest"
)

type trackFeature struct {
	Type     string `json:"type"`
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		Team      string      `json:"team"`
		Times     []time.Time `json:"times"`
		Speeds    []*float64  `json:"speeds"`
		Count     int         `json:"count"`
		Truncated bool        `json:"truncated"`
	} `json:"properties"`
}

// TestTrack writes a team's history through the store and reads it back as
// a GeoJSON LineString: the last day by default, a range, a limit, and the
// requests it refuses.
func TestTrack(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		now := time.Now().UTC().Truncate(time.Second)
		speed := 4.5
		ps := []realtime.Position{
			{Team: "t1", Lon: 120.10, Lat: 30.10, TS: now.Add(-30 * time.Hour)}, // before the default day
			{Team: "t1", Lon: 120.13, Lat: 30.13, TS: now.Add(-10 * time.Minute)},
			{Team: "t1", Lon: 120.11, Lat: 30.11, TS: now.Add(-50 * time.Minute), Speed: &speed}, // late, out of order
			{Team: "t1", Lon: 120.12, Lat: 30.12, TS: now.Add(-30 * time.Minute)},
			{Team: "t2", Lon: 121.00, Lat: 31.00, TS: now.Add(-20 * time.Minute)}, // another team
		}
		if err := e.store.AppendPositions(context.Background(), ps); err != nil {
			t.Fatal(err)
		}

		r := e.as("viewer", "GET", "/api/v1/teams/t1/track", nil)
		var tr trackFeature
		e.mustJSON(r, 200, &tr)
		if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
			t.Fatalf("got Content-Type %q, want application/geo+json", ct)
		}
		p := tr.Properties
		if tr.Type != "Feature" || tr.Geometry == nil || tr.Geometry.Type != "LineString" || p.Team != "t1" || p.Count != 3 || p.Truncated {
			t.Fatalf("got %+v, want the 3 fixes of t1 in the last day", tr)
		}
		if got, want := string(tr.Geometry.Coordinates), "[[120.11,30.11],[120.12,30.12],[120.13,30.13]]"; got != want {
			t.Fatalf("got coordinates %s, want %s in device-time order", got, want)
		}
		if len(p.Times) != 3 || !p.Times[0].Equal(now.Add(-50*time.Minute)) || !p.Times[2].Equal(now.Add(-10*time.Minute)) {
			t.Fatalf("got times %v", p.Times)
		}
		if len(p.Speeds) != 3 || p.Speeds[0] == nil || *p.Speeds[0] != speed || p.Speeds[1] != nil {
			t.Fatalf("got speeds %v, want 4.5 then nulls", p.Speeds)
		}
		if raw := string(r.body); !strings.Contains(raw, `"speeds":[4.5,null,null]`) {
			t.Fatalf("got %s, want speeds with nulls", raw)
		}

		// An explicit range, from inclusive and to exclusive, and a limit.
		q := url.Values{"from": {now.Add(-30 * time.Hour).Format(time.RFC3339)}, "to": {now.Add(-10 * time.Minute).Format(time.RFC3339)}}
		e.mustJSON(e.as("commander", "GET", "/api/v1/teams/t1/track?"+q.Encode(), nil), 200, &tr)
		if tr.Properties.Count != 3 || !strings.HasPrefix(string(tr.Geometry.Coordinates), "[[120.1,30.1],") {
			t.Fatalf("got %+v, want the 3 fixes from the first to before the last", tr)
		}
		q.Set("limit", "2")
		e.mustJSON(e.as("lead", "GET", "/api/v1/teams/t1/track?"+q.Encode(), nil), 200, &tr)
		if tr.Properties.Count != 2 || !tr.Properties.Truncated || len(tr.Properties.Times) != 2 {
			t.Fatalf("got %+v, want the 2 oldest and truncated", tr)
		}
		// RFC 7946 wants two positions or more in a LineString: one fix is
		// a Point, none a null geometry, with the properties as ever.
		for _, tt := range []struct {
			name, from, to string
			count          int
			geometry       string
		}{
			{"no fix", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", 0, `"geometry":null`},
			{"one fix", now.Add(-11 * time.Minute).Format(time.RFC3339), now.Format(time.RFC3339), 1,
				`"geometry":{"type":"Point","coordinates":[120.13,30.13]}`},
			{"two fixes", now.Add(-31 * time.Minute).Format(time.RFC3339), now.Format(time.RFC3339), 2,
				`"geometry":{"type":"LineString","coordinates":[[120.12,30.12],[120.13,30.13]]}`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := e.as("viewer", "GET", "/api/v1/teams/t1/track?"+url.Values{"from": {tt.from}, "to": {tt.to}}.Encode(), nil)
				var tr trackFeature
				e.mustJSON(r, 200, &tr)
				if !strings.Contains(string(r.body), tt.geometry) {
					t.Errorf("got %s, want %s", r.body, tt.geometry)
				}
				if tr.Properties.Count != tt.count || len(tr.Properties.Times) != tt.count || len(tr.Properties.Speeds) != tt.count {
					t.Errorf("got count %d, %d times, %d speeds, want %d of each", tr.Properties.Count,
						len(tr.Properties.Times), len(tr.Properties.Speeds), tt.count)
				}
				if err := geojsontest.Check(r.body); err != nil {
					t.Errorf("got invalid GeoJSON: %v", err)
				}
			})
		}

		for _, tt := range []struct {
			name, query, field string
		}{
			{"from not a time", "from=yesterday", "from"},
			{"to not RFC 3339", "to=2026-07-01+08:00", "to"},
			{"from after to", "from=2026-07-02T00:00:00Z&to=2026-07-01T00:00:00Z", "from"},
			{"from equal to to", "from=2026-07-01T00:00:00Z&to=2026-07-01T00:00:00Z", "from"},
			{"more than 31 days", "from=2026-05-01T00:00:00Z&to=2026-07-01T00:00:00Z", "from"},
			{"limit zero", "limit=0", "limit"},
			{"limit too large", "limit=100001", "limit"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e.mustProblem(e.as("viewer", "GET", "/api/v1/teams/t1/track?"+tt.query, nil), 400, tt.field)
			})
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/teams/nope/track", nil), 404)
		e.mustProblem(e.as("tracker", "GET", "/api/v1/teams/t1/track", nil), 403)
	})
}
