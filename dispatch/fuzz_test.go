package dispatch

import (
	"encoding/json"
	"testing"

	"dispatchd"
	"dispatchd/dispatch/plan"
)

// FuzzRequests feeds arbitrary JSON through the decoding and validation of
// what commanders send: an incident, a dispatch, a confirmation. Nothing
// may panic, and every refusal must be an input error.
func FuzzRequests(f *testing.F) {
	for _, s := range []string{
		`{"type":"flood","level":2,"title":"堤坝管涌","location":{"lon":120.2,"lat":30.2,"crs":"gcj02"},"deadline_s":10800,
		  "needs":{"teams":[{"capability":"water_rescue","count":2}],"items":[{"item":"1010101","qty":500}]}}`,
		`{"tasks":[{"team":"t1","need":"water_rescue","ack_within_s":120}],"orders":[{"depot":"d1","lines":[{"item":"1010101","qty":5}]}]}`,
		`{"tasks":[{"team":"t1"},{"team":"t1"}]}`,
		`{"suggestion":"sg1","skipped":[{"need":"water_rescue","team":"t1","reason":"休整"},{"item":"1010101","depot":"d1","reason":""},{"team":"t1","depot":"d1"}]}`, `{"level":-1,"needs":{"teams":[{"count":1e9}]}}`, `{"location":{"type":"Point","coordinates":[1]}}`,
	} {
		f.Add([]byte(s))
	}
	s := NewService(nil, plan.NewProjection(plan.ProjectionConfig{}), Config{})
	prop := &Proposal{ID: "sg1", Incident: "i1", Teams: []ProposedTeams{{Need: "water_rescue", Picks: []ProposedPick{{Team: "t1"}}}},
		Items: []ProposedItems{{Item: "1010101", Lines: []ProposedLine{{Depot: "d1", Qty: 5}}}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(what string, err error) {
			if err != nil && dispatchd.ErrorCode(err) != dispatchd.EINVALID {
				t.Fatalf("%s %q: got %v, want an input error", what, data, err)
			}
		}
		var in Incident
		if json.Unmarshal(data, &in) == nil {
			check("incident", in.Validate())
		}
		var r DispatchRequest
		if json.Unmarshal(data, &r) == nil {
			check("dispatch", s.validateDispatch(&r))
			var f dispatchd.Fields
			for i := range r.Skipped {
				checkSkip(&f, "skipped", &r.Skipped[i], prop)
			}
			check("skips", f.Err())
		}
		var p IncidentPatch
		if json.Unmarshal(data, &p) == nil {
			in := Incident{Type: "flood", Level: 1, Title: "x"}
			in.Location.Lon, in.Location.Lat = 120, 30
			p.apply(&in)
			check("patch", in.Validate())
		}
	})
}
