package realtime_test

import (
	"errors"
	"strings"
	"testing"

	"dispatchd"
	"dispatchd/realtime"
)

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		field string // the field at fault, "" when the message is accepted
	}{
		{"subscribe", `{"op":"subscribe","topics":["incidents","positions"],"bbox":[110,20,120,30],"since":5}`, ""},
		{"ping", `{"op":"ping"}`, ""},
		{"positions", `{"op":"positions","positions":[{"team":"t","lon":120,"lat":30,"ts":"2026-11-23T08:00:00Z"}]}`, ""},
		{"no op", `{"topics":["teams"]}`, "op"},
		{"unknown op", `{"op":"publish"}`, "op"},
		{"empty positions", `{"op":"positions","positions":[]}`, "positions"},
		{"unknown field", `{"op":"ping","extra":1}`, "-"},
		{"two objects", `{"op":"ping"}{"op":"ping"}`, "-"},
		{"not json", `hello`, "-"},
		{"array", `[1,2]`, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := realtime.DecodeMessage([]byte(tt.in))
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.field != "" && dispatchd.ErrorCode(err) != dispatchd.EINVALID:
				t.Fatalf("got %v, want an invalid error", err)
			case tt.field != "" && tt.field != "-" && !hasField(err, tt.field):
				t.Fatalf("got %v, want an error on %s", err, tt.field)
			}
		})
	}
}

func TestSubscribeChecks(t *testing.T) {
	tests := []struct {
		name, in, field string
	}{
		{"no topics", `{"op":"subscribe"}`, "topics"},
		{"unknown topic", `{"op":"subscribe","topics":["weather"]}`, "topics"},
		{"short bbox", `{"op":"subscribe","topics":["teams"],"bbox":[1,2,3]}`, "bbox"},
		{"bbox upside down", `{"op":"subscribe","topics":["teams"],"bbox":[110,30,120,20]}`, "bbox"},
		{"bbox off the globe", `{"op":"subscribe","topics":["teams"],"bbox":[-200,20,120,30]}`, "bbox"},
		{"negative since", `{"op":"subscribe","topics":["teams"],"since":-1}`, "since"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := realtime.DecodeMessage([]byte(tt.in))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if _, err := m.Subscribe(); !hasField(err, tt.field) {
				t.Fatalf("got %v, want an error on %s", err, tt.field)
			}
		})
	}
}

func hasField(err error, field string) bool {
	var e *dispatchd.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// FuzzDecodeMessage feeds the websocket decoder arbitrary frames: it never
// panics, refuses with an invalid error, and what it accepts subscribes to
// known topics only, within the globe.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{
		`{"op":"subscribe","topics":["incidents","teams","positions","tasks","orders","depots"],"bbox":[110,20,120,30],"since":5}`,
		`{"op":"ping"}`,
		`{"op":"positions","positions":[{"team":"t","lon":120,"lat":30,"ts":"2026-11-23T08:00:00Z","crs":"gcj02"}]}`,
		`{"op":"subscribe","topics":[],"bbox":[1e400,0,0,0]}`,
		`{"op":"subscribe","since":-1}`,
		`{"op":"x"}{}`,
		strings.Repeat("[", 100),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := realtime.DecodeMessage(b)
		if err != nil {
			if dispatchd.ErrorCode(err) != dispatchd.EINVALID {
				t.Fatalf("got %v, want an invalid error", err)
			}
			return
		}
		if m.Op != realtime.OpSubscribe {
			return
		}
		sub, err := m.Subscribe()
		if err != nil {
			if dispatchd.ErrorCode(err) != dispatchd.EINVALID {
				t.Fatalf("got %v, want an invalid error", err)
			}
			return
		}
		if sub.Topics == 0 {
			t.Fatal("accepted a subscription to no topic")
		}
		if b := sub.BBox; b != nil && (b.Left() > b.Right() || b.Bottom() > b.Top() || b.Left() < -180 || b.Right() > 180 || b.Bottom() < -90 || b.Top() > 90) {
			t.Fatalf("accepted bbox %+v", *b)
		}
		if sub.Since != nil && *sub.Since < 0 {
			t.Fatalf("accepted since %d", *sub.Since)
		}
	})
}
