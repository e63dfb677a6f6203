package storetest

import (
	"testing"
	"time"

	"dispatchd/realtime"
)

// testThinPositions thins a whole day to one fix per team per 30 s (the
// first of each interval, by device time, whatever order the fixes came
// in, one of two at the same time), leaves the day that the cut falls in
// whole, skips a day already thinned at that interval, and thins again at
// a coarser one.
func testThinPositions(t *testing.T, s Store) {
	ts, isThin := s.(realtime.ThinningHistoryStore)
	if !isThin {
		t.Skip("the store does not thin")
	}
	c := ctx(t)
	d := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if p, ok := s.(realtime.PartitionedHistoryStore); ok {
		noErr(t, p.CreatePositionPartitions(c, d, d.Add(24*time.Hour)))
	}
	sec := func(base time.Time, v float64) time.Time { return base.Add(time.Duration(v * float64(time.Second))) }
	var ps []realtime.Position
	add := func(team string, at time.Time) {
		ps = append(ps, realtime.Position{Team: team, Lon: 120, Lat: 30, TS: at})
	}
	// th1 on day d, late ones included: 5 comes before 0.
	for _, v := range []float64{5, 0, 10, 29.999999, 30, 31, 59, 60, 60, 95} {
		add("th1", sec(d, v))
	}
	ps[1].Speed = f64(4.5) // the fix at 0 s, which is kept
	for v := range 12 {
		add("th2", sec(d, float64(v*10)))
	}
	d1 := d.Add(24 * time.Hour)
	for _, v := range []float64{0, 5, 10} {
		add("th1", sec(d1, v))
	}
	noErr(t, s.AppendPositions(c, ps))

	times := func(team string) []time.Duration {
		var out []time.Duration
		for _, p := range ok(s.Track(c, team, d, d.Add(72*time.Hour), 1000)).get(t) {
			out = append(out, p.TS.Sub(d))
		}
		return out
	}
	want := func(team string, secs ...float64) {
		t.Helper()
		got := times(team)
		ok := len(got) == len(secs)
		for i := 0; ok && i < len(secs); i++ {
			ok = got[i] == time.Duration(secs[i]*float64(time.Second))
		}
		if !ok {
			t.Fatalf("%s: got fixes at %v, want at %v s", team, got, secs)
		}
	}
	cut := d.Add(36 * time.Hour) // in day d1: only d is whole before it
	if n := ok(ts.ThinPositions(c, cut, 30*time.Second)).get(t); n != 6+8 {
		t.Fatalf("got %d fixes thinned, want 14", n)
	}
	want("th1", 0, 30, 60, 95, 86400, 86405, 86410)
	want("th2", 0, 30, 60, 90)
	kept := ok(s.Track(c, "th1", d, d.Add(time.Second), 10)).get(t)
	if len(kept) != 1 || kept[0].Speed == nil || *kept[0].Speed != 4.5 {
		t.Fatalf("got %+v, want the fix at 0 s with its speed", kept)
	}
	if n := ok(ts.ThinPositions(c, cut, 30*time.Second)).get(t); n != 0 {
		t.Fatalf("got %d fixes thinned the second time, want 0", n)
	}
	if n := ok(ts.ThinPositions(c, cut, time.Minute)).get(t); n != 4 {
		t.Fatalf("got %d fixes thinned at a minute, want 4", n)
	}
	want("th1", 0, 60, 86400, 86405, 86410)
	want("th2", 0, 60)
	// New fixes of the day stay until the day is thinned at another interval.
	noErr(t, s.AppendPositions(c, []realtime.Position{{Team: "th2", Lon: 1, Lat: 2, TS: sec(d, 61)}}))
	want("th2", 0, 60, 61)
}
