package storetest

import (
	"fmt"
	"testing"
	"time"

	"dispatchd/realtime"
)

func f64(v float64) *float64 { return &v }

// testPositions appends a day of fixes for two teams in one batch, with
// some late and some repeated, and reads tracks back: ranges with an
// inclusive start and an exclusive end, device-time order, the limit, and
// optional fields that come back nil or as they were written.
func testPositions(t *testing.T, s Store) {
	c := ctx(t)
	t0 := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	const n = 10_000
	ps := make([]realtime.Position, 0, n)
	for i := range n {
		team := "p1"
		if i%2 == 1 {
			team = "p2"
		}
		// Every 10th fix of p1 arrives about 5 minutes late, after fixes
		// newer than it.
		ts := t0.Add(time.Duration(i/2) * 10 * time.Second)
		if i%20 == 0 && i > 0 {
			ts = ts.Add(-5*time.Minute - 3*time.Second)
		}
		p := realtime.Position{Team: team, Lon: 120 + float64(i)/1e5, Lat: 30 + float64(i)/1e5, TS: ts.Add(123456 * time.Nanosecond)}
		if i%3 == 0 {
			p.Speed, p.Heading, p.Accuracy, p.Altitude, p.Battery = f64(float64(i)/7), f64(90.5), f64(8), f64(-12.25), f64(76)
		}
		ps = append(ps, p)
	}
	ps = append(ps, ps[100], ps[101]) // repeated fixes are kept
	noErr(t, s.AppendPositions(c, ps))
	noErr(t, s.AppendPositions(c, nil))

	day := t0.Add(-time.Hour)
	all := ok(s.Track(c, "p1", day, day.Add(48*time.Hour), 100_000)).get(t)
	if len(all) != n/2+1 {
		t.Fatalf("got %d fixes of p1, want %d", len(all), n/2+1)
	}
	for i := 1; i < len(all); i++ {
		if all[i].TS.Before(all[i-1].TS) {
			t.Fatalf("fix %d at %v comes after one at %v, want device-time order", i, all[i].TS, all[i-1].TS)
		}
	}
	byTime := map[time.Time]realtime.Position{}
	for _, p := range all {
		if p.Team != "p1" || p.TS.Location() != time.UTC {
			t.Fatalf("got %+v, want team p1 in UTC", p)
		}
		byTime[p.TS] = p
	}
	// Round trips: microsecond times, coordinates exactly, nil stays nil.
	for _, i := range []int{0, 2, 4, 6, 20, 9998} {
		want := ps[i]
		want.TS = want.TS.Truncate(time.Microsecond)
		got, found := byTime[want.TS]
		if !found {
			t.Fatalf("fix %d at %v is missing", i, want.TS)
		}
		if got.Lon != want.Lon || got.Lat != want.Lat || fmt.Sprint(opt(got.Speed), opt(got.Heading), opt(got.Accuracy), opt(got.Altitude), opt(got.Battery)) !=
			fmt.Sprint(opt(want.Speed), opt(want.Heading), opt(want.Accuracy), opt(want.Altitude), opt(want.Battery)) {
			t.Fatalf("fix %d: got %+v %s, want %+v %s", i, got, optional(got), want, optional(want))
		}
	}

	for _, tt := range []struct {
		name     string
		team     string
		from, to time.Time
		limit    int
		want     int
		first    time.Time
	}{
		{name: "start inclusive, end exclusive", team: "p2", from: t0.Add(123456 * time.Nanosecond).Truncate(time.Microsecond),
			to: t0.Add(10*time.Second + 123*time.Microsecond), limit: 10, want: 1, first: t0.Add(123 * time.Microsecond)},
		{name: "a minute", team: "p2", from: t0.Add(time.Hour), to: t0.Add(time.Hour + time.Minute), limit: 100, want: 6,
			first: t0.Add(time.Hour + 123*time.Microsecond)},
		{name: "limit keeps the oldest", team: "p1", from: day, to: day.Add(48 * time.Hour), limit: 3, want: 3,
			first: t0.Add(-203*time.Second + 123*time.Microsecond)},
		{name: "other team", team: "p3", from: day, to: day.Add(48 * time.Hour), limit: 10},
		{name: "empty range", team: "p1", from: t0.Add(48 * time.Hour), to: t0.Add(49 * time.Hour), limit: 10},
		{name: "limit zero reads nothing", team: "p1", from: day, to: day.Add(48 * time.Hour)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ok(s.Track(c, tt.team, tt.from, tt.to, tt.limit)).get(t)
			if got == nil || len(got) != tt.want {
				t.Fatalf("got %d fixes (%v), want %d", len(got), got, tt.want)
			}
			if tt.want > 0 && !got[0].TS.Equal(tt.first) {
				t.Fatalf("got first fix at %v, want %v", got[0].TS, tt.first)
			}
		})
	}

	// Retention removes by device time, late fixes included.
	cut := t0.Add(10 * time.Minute)
	var before int64
	for _, p := range ps {
		if p.TS.Before(cut) {
			before++
		}
	}
	if got := ok(s.DeletePositionsBefore(c, cut)).get(t); got != before {
		t.Fatalf("got %d deleted, want %d", got, before)
	}
	if got := ok(s.DeletePositionsBefore(c, cut)).get(t); got != 0 {
		t.Fatalf("got %d deleted the second time, want 0", got)
	}
	left := ok(s.Track(c, "p1", day, day.Add(48*time.Hour), 100_000)).get(t)
	if len(left) == 0 || left[0].TS.Before(cut) || len(left) >= len(all) {
		t.Fatalf("got %d fixes after the cut at %v (%v), want fewer than %d and none before it", len(left), cut, left[:min(len(left), 1)], len(all))
	}
}

func opt(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func optional(p realtime.Position) string {
	return fmt.Sprint(opt(p.Speed), opt(p.Heading), opt(p.Accuracy), opt(p.Altitude), opt(p.Battery))
}

// testPositionDays writes a fix every 10 minutes for five days, some on
// days whose partition is made only afterwards (PostgreSQL keeps them in
// its default partition meanwhile and moves them then), and some on days
// that never get one. The track reads back whole across every midnight;
// a prune in the middle of a day, then one at a midnight, then one past
// the days with partitions each remove exactly the fixes before the cut,
// and counts them.
func testPositionDays(t *testing.T, s Store) {
	c := ctx(t)
	d0 := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	var ps []realtime.Position
	for ts := d0.Add(-12 * time.Hour); ts.Before(d0.Add(84 * time.Hour)); ts = ts.Add(10 * time.Minute) {
		ps = append(ps, realtime.Position{Team: "days", Lon: 120, Lat: 30, TS: ts})
	}
	noErr(t, s.AppendPositions(c, ps[:len(ps)/2]))
	if p, ok := s.(realtime.PartitionedHistoryStore); ok {
		// Days d0 to d0+2 get partitions; d0-1 and d0+3 stay without.
		noErr(t, p.CreatePositionPartitions(c, d0, d0.Add(48*time.Hour)))
		noErr(t, p.CreatePositionPartitions(c, d0, d0.Add(48*time.Hour))) // again: nothing to do
	}
	noErr(t, s.AppendPositions(c, ps[len(ps)/2:]))

	read := func() []realtime.Position {
		return ok(s.Track(c, "days", d0.Add(-24*time.Hour), d0.Add(5*24*time.Hour), 100_000)).get(t)
	}
	got := read()
	if len(got) != len(ps) {
		t.Fatalf("got %d fixes across the days, want %d", len(got), len(ps))
	}
	for i := range got {
		if !got[i].TS.Equal(ps[i].TS) {
			t.Fatalf("fix %d: got %v, want %v", i, got[i].TS, ps[i].TS)
		}
	}
	for _, cut := range []time.Time{d0.Add(30 * time.Hour), d0.Add(48 * time.Hour), d0.Add(78 * time.Hour), d0.Add(78 * time.Hour)} {
		var want int64
		for _, p := range ps {
			if p.TS.Before(cut) {
				want++
			}
		}
		left := read()
		want -= int64(len(ps) - len(left))
		if n := ok(s.DeletePositionsBefore(c, cut)).get(t); n != want {
			t.Fatalf("cut at %v: got %d deleted, want %d", cut, n, want)
		}
		left = read()
		if len(left) == 0 || left[0].TS.Before(cut) || !left[0].TS.Equal(cut) || !left[len(left)-1].TS.Equal(ps[len(ps)-1].TS) {
			t.Fatalf("cut at %v: got %d fixes from %v, want every fix from the cut on", cut, len(left), left[:min(1, len(left))])
		}
	}
}
