package web

import (
	"testing"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/dispatch"
	"dispatchd/resources"
)

// FuzzDecodeBody feeds arbitrary bodies to the decoder every handler uses,
// into the request types with the most structure. It must never panic, and
// every failure must be an application error with a message, never an
// internal one (which would be a 500).
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"队","kind":"social","base":{"lon":120,"lat":30,"crs":"gcj02"},"equipment":[{"item":"2010101","qty":1}]}`,
		`{"base":{"type":"Point","coordinates":[120,30]}}`, `{"headcount":"x"}`, `{"colour":1}`, `[]`, `{} {}`, `{"leader":{"name":1}}`,
		`{"reason":"r","lines":[{"item":"1010101","delta":-5}]}`, `{"username":"a","role":"admin","depots":[1]}`,
		`{"type":"flood","level":2,"title":"t","location":{"lon":120,"lat":30},"needs":{"teams":[{"capability":"medical","count":1}]}}`,
		`{"tasks":[{"team":"t1","ack_within_s":60}],"orders":[{"depot":"d1","lines":[{"item":"1010101","qty":5}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []any{&resources.Team{}, &resources.TeamPatch{}, &resources.AdjustRequest{}, &auth.NewUser{}, &resources.Depot{},
			&dispatch.Incident{}, &dispatch.IncidentPatch{}, &dispatch.DispatchRequest{}, &dispatch.ReplaceRequest{}} {
			err := decodeStrict(data, v)
			if err == nil {
				continue
			}
			if code := dispatchd.ErrorCode(err); code == dispatchd.EINTERNAL || dispatchd.ErrorMessage(err) == "" {
				t.Fatalf("%q into %T: got %v (code %s), want an input error", data, v, err, code)
			}
		}
	})
}
