package dispatch

import (
	"context"
	"encoding/json"
	"testing"

	"dispatchd"
	"dispatchd/dispatch/plan"
)

// FuzzPrepositionInput feeds arbitrary JSON through what a pre-positioning
// request carries from outside: its zones (a GeoJSON geometry among them),
// the staging point, and the templates an administrator sends. Nothing may
// panic, and every refusal must be an input error.
func FuzzPrepositionInput(f *testing.F) {
	for _, s := range []string{
		`{"id":"z1","hazard":"flood","level":"red","geometry":{"type":"Polygon","coordinates":[[[120,30],[120.1,30],[120.1,30.1],[120,30]]]}}`,
		`{"id":"z1","hazard":"flood","level":"red","geometry":{"type":"MultiPolygon","coordinates":[]}}`,
		`{"id":"","geometry":{"type":"Point","coordinates":[1]}}`,
		`{"zones":[{"id":"z"}],"staging":{"lon":200,"lat":0},"deadline_s":-1}`,
		`{"templates":[{"hazard":"flood","level":"red","needs":{"teams":[{"capability":"x","count":0}]}}]}`,
	} {
		f.Add([]byte(s))
	}
	s := NewService(nil, plan.NewProjection(plan.ProjectionConfig{}), Config{})
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(what string, err error) {
			if err != nil && dispatchd.ErrorCode(err) != dispatchd.EINVALID {
				t.Fatalf("%s %q: got %v, want an input error", what, data, err)
			}
		}
		var zi ZoneInput
		if json.Unmarshal(data, &zi) == nil {
			z, err := s.zoneOf(context.Background(), "zone", zi)
			check("zone", err)
			if err == nil {
				var fs dispatchd.Fields
				stagingOf(&fs, "staging", z, nil)
				check("staging", fs.Err())
			}
		}
		var r PlanPrepositionRequest
		if json.Unmarshal(data, &r) == nil {
			var fs dispatchd.Fields
			checkPrepositionDeadline(&fs, &r.DeadlineS)
			check("deadline", fs.Err())
		}
		var body struct {
			Templates []Template `json:"templates"`
		}
		if json.Unmarshal(data, &body) == nil {
			check("templates", validateTemplates(body.Templates))
		}
	})
}
