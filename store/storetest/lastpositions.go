package storetest

import (
	"testing"
	"time"

	"dispatchd/realtime"
)

// testLastPositions reads each team's last fix at a moment: the newest at
// or before it (a late fix counts by its device time), across a UTC
// midnight, none when the newest is older than the window or the team
// has none, in the order asked.
func testLastPositions(t *testing.T, s Store) {
	c := ctx(t)
	mid := time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)
	var ps []realtime.Position
	for i := range 120 { // a fix a minute from 23:00 to 00:59
		ts := mid.Add(-time.Hour + time.Duration(i)*time.Minute)
		ps = append(ps, realtime.Position{Team: "l1", TS: ts, Lon: 120 + float64(i)/1000, Lat: 30})
	}
	ps = append(ps,
		realtime.Position{Team: "l2", TS: mid.Add(-10 * time.Minute), Lon: 121, Lat: 31, Speed: f64(3.5)},
		realtime.Position{Team: "l2", TS: mid.Add(-20 * time.Minute), Lon: 121.5, Lat: 31}, // late, older
	)
	noErr(t, s.AppendPositions(c, ps))
	for _, tt := range []struct {
		name   string
		at     time.Time
		within time.Duration
		want   map[string]float64 // team: lon
	}{
		{"before midnight", mid.Add(-30*time.Second - time.Minute), time.Hour, map[string]float64{"l1": 120.058, "l2": 121}},
		{"at a fix", mid, time.Hour, map[string]float64{"l1": 120.06, "l2": 121}},
		{"after midnight, the day before within reach", mid.Add(30 * time.Minute), time.Hour, map[string]float64{"l1": 120.09, "l2": 121}},
		{"older than the window", mid.Add(55 * time.Minute), 30 * time.Minute, map[string]float64{"l1": 120.115}},
		{"before any", mid.Add(-2 * time.Hour), time.Hour, map[string]float64{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ok(s.LastPositions(c, []string{"l1", "l2", "l3"}, tt.at, tt.within)).get(t)
			if got == nil || len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i, p := range got {
				if want, found := tt.want[p.Team]; !found || p.Lon != want || p.TS.After(tt.at) || p.TS.Location() != time.UTC {
					t.Fatalf("got %+v, want lon %v at or before %v", p, want, tt.at)
				}
				if i > 0 && got[i-1].Team > p.Team {
					t.Fatalf("got %v, want the order asked", got)
				}
			}
			if len(got) == 2 && got[1].Speed == nil {
				t.Fatalf("got %+v, want the speed kept", got[1])
			}
		})
	}
	// The order asked, each team once.
	got := ok(s.LastPositions(c, []string{"l2", "l3", "l1", "l2"}, mid, time.Hour)).get(t)
	if len(got) != 2 || got[0].Team != "l2" || got[1].Team != "l1" {
		t.Fatalf("got %v, want l2 then l1", got)
	}
	if got := ok(s.LastPositions(c, nil, mid, time.Hour)).get(t); got == nil || len(got) != 0 {
		t.Fatalf("got %v for no teams, want an empty list", got)
	}
}
