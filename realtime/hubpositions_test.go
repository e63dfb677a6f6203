package realtime

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// TestPositionsByJurisdiction checks the three ways a session is brought up
// to date with positions (the last flush, a few merged, every unit's
// latest) for a session of a jurisdiction: only its own teams, while the
// whole deployment's frame is the shared one, encoded once.
func TestPositionsByJurisdiction(t *testing.T) {
	regions := map[string]string{"tA": "330127", "tA2": "330127", "tB": "330122"}
	h := NewHub(HubConfig{UnitEvery: time.Nanosecond, Flush: time.Hour, Ring: 4,
		TeamRegion: func(team string) (string, bool) { r, ok := regions[team]; return r, ok }}, nullState{}, nil)
	t0 := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	move := func(teams ...string) {
		var ps []Position
		for _, tm := range teams {
			t0 = t0.Add(time.Second)
			ps = append(ps, Position{Team: tm, Lon: 119, Lat: 29.6, TS: t0})
		}
		h.Move(ps)
		h.flushPositions(t0)
	}
	teams := func(frame []byte) []string {
		var f positionsFrame
		if len(frame) > 0 {
			if err := json.Unmarshal(frame, &f); err != nil {
				t.Fatal(err)
			}
		}
		var out []string
		for _, p := range f.Items {
			out = append(out, p.Team)
		}
		slices.Sort(out)
		return out
	}
	move("tA", "tB")
	all, _ := h.positionsSince(0, nil, "")
	if got := teams(all); !slices.Equal(got, []string{"tA", "tB"}) {
		t.Errorf("the whole deployment: got %v", got)
	}
	if f := h.ring[1]; &all[0] != &f.all[0] {
		t.Errorf("the whole deployment's frame is not the flush's shared one")
	}
	county, _ := h.positionsSince(0, nil, "330127")
	if got := teams(county); !slices.Equal(got, []string{"tA"}) {
		t.Errorf("the last flush for 330127: got %v, want [tA]", got)
	}
	if got := teams(mustFrame(h.positionsSince(0, nil, "3301"))); !slices.Equal(got, []string{"tA", "tB"}) {
		t.Errorf("the last flush for the city 3301: got %v, want both", got)
	}
	if got := teams(mustFrame(h.positionsSince(0, nil, "3302"))); len(got) != 0 {
		t.Errorf("the last flush for 3302: got %v, want none", got)
	}
	// A few flushes behind: merged.
	move("tB")
	move("tA2")
	if got := teams(mustFrame(h.positionsSince(1, nil, "330127"))); !slices.Equal(got, []string{"tA2"}) {
		t.Errorf("two flushes merged for 330127: got %v, want [tA2]", got)
	}
	// Further behind than the ring: every unit's latest.
	move("tB")
	move("tB")
	move("tB")
	if got := teams(mustFrame(h.positionsSince(0, nil, "330127"))); !slices.Equal(got, []string{"tA", "tA2"}) {
		t.Errorf("the latest for 330127: got %v, want [tA tA2]", got)
	}
	if got := teams(encodePositions(h.latestIn(nil, "330122"))); !slices.Equal(got, []string{"tB"}) {
		t.Errorf("the latest for 330122 on subscribing: got %v, want [tB]", got)
	}
}

func mustFrame(b []byte, _ uint64) []byte { return b }
