package realtime

import (
	"errors"
	"math"
	"net/url"
	"testing"
	"time"
)

func TestParseOsmAnd(t *testing.T) {
	now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		query string
		want  OsmAndFix
		err   bool
	}{
		{name: "Traccar Client", query: "id=834521&timestamp=1782892800&lat=30.25&lon=120.15&speed=10&bearing=90.5&altitude=12&accuracy=8&batt=76",
			want: OsmAndFix{Device: "834521", Position: Position{Lat: 30.25, Lon: 120.15, TS: time.Unix(1782892800, 0).UTC(),
				Speed: f64(10 * knot), Heading: f64(90.5), Altitude: f64(12), Accuracy: f64(8), Battery: f64(76)}}},
		{name: "milliseconds and deviceid", query: "deviceid=a1&timestamp=1782892800123&lat=30&lon=120",
			want: OsmAndFix{Device: "a1", Position: Position{Lat: 30, Lon: 120, TS: time.UnixMilli(1782892800123).UTC()}}},
		{name: "ISO 8601", query: "id=a1&timestamp=2026-07-01T07:59:30Z&lat=30&lon=120",
			want: OsmAndFix{Device: "a1", Position: Position{Lat: 30, Lon: 120, TS: now.Add(-30 * time.Second)}}},
		{name: "ISO 8601 with an offset", query: "id=a1&timestamp=2026-07-01T15:59:30%2B08:00&lat=30&lon=120",
			want: OsmAndFix{Device: "a1", Position: Position{Lat: 30, Lon: 120, TS: now.Add(-30 * time.Second)}}},
		{name: "date and time", query: "id=a1&timestamp=2026-07-01+07:59:00&lat=30&lon=120",
			want: OsmAndFix{Device: "a1", Position: Position{Lat: 30, Lon: 120, TS: now.Add(-time.Minute)}}},
		{name: "location and heading, no time", query: "id=a1&location=30.5,120.5&heading=180",
			want: OsmAndFix{Device: "a1", Position: Position{Lat: 30.5, Lon: 120.5, TS: now, Heading: f64(180)}}},
		{name: "no id", query: "lat=30&lon=120", err: true},
		{name: "no lat", query: "id=a1&lon=120", err: true},
		{name: "lat not a number", query: "id=a1&lat=abc&lon=120", err: true},
		{name: "NaN", query: "id=a1&lat=NaN&lon=120", err: true},
		{name: "Inf", query: "id=a1&lat=30&lon=+Inf", err: true},
		{name: "bad location", query: "id=a1&location=30.5", err: true},
		{name: "bad time", query: "id=a1&lat=30&lon=120&timestamp=yesterday", err: true},
		{name: "negative time", query: "id=a1&lat=30&lon=120&timestamp=-5", err: true},
		{name: "bad speed", query: "id=a1&lat=30&lon=120&speed=fast", err: true},
		{name: "invalid fix", query: "id=a1&lat=30&lon=120&valid=false", err: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseOsmAnd(q, now)
			if tt.err {
				if !errors.Is(err, ErrOsmAnd) {
					t.Fatalf("got %+v, %v; want an OsmAnd error", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			same := func(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
			w := tt.want
			if got.Device != w.Device || got.Lat != w.Lat || got.Lon != w.Lon || !got.TS.Equal(w.TS) ||
				!same(got.Speed, w.Speed) || !same(got.Heading, w.Heading) || !same(got.Altitude, w.Altitude) ||
				!same(got.Accuracy, w.Accuracy) || !same(got.Battery, w.Battery) {
				t.Fatalf("got %+v, want %+v", got, w)
			}
		})
	}
}

func FuzzParseOsmAnd(f *testing.F) {
	for _, s := range []string{"id=1&lat=30&lon=120&timestamp=1782892800&speed=3", "id=x&location=1,2",
		"deviceid=9&timestamp=2026-07-01T07:59:30Z&lat=-90&lon=180&batt=100&valid=1", "id=&lat=", "%zz"} {
		f.Add(s)
	}
	now := time.Now()
	flt := NewFilter(FilterConfig{})
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fix, err := ParseOsmAnd(q, now)
		if err != nil {
			if !errors.Is(err, ErrOsmAnd) {
				t.Fatalf("%q: got %v, want an OsmAnd error", raw, err)
			}
			return
		}
		if fix.Device == "" || math.IsNaN(fix.Lat) || math.IsInf(fix.Lon, 0) {
			t.Fatalf("%q: accepted %+v", raw, fix)
		}
		fix.Team = "t"
		flt.Check(&fix.Position, now) // must not panic on anything parsed
	})
}

func TestFilter(t *testing.T) {
	now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	at := func(team string, lon, lat float64, ago time.Duration) Position {
		return Position{Team: team, Lon: lon, Lat: lat, TS: now.Add(-ago), Accuracy: f64(10)}
	}
	f := NewFilter(FilterConfig{})
	steps := []struct {
		name   string
		p      Position
		live   bool
		reason string
	}{
		{"first fix", at("t1", 120.1, 30.2, time.Minute), true, ""},
		{"null island", at("t1", 0, 0, 50*time.Second), false, DropInvalid},
		{"out of range", at("t1", 200, 30, 50*time.Second), false, DropInvalid},
		{"duplicate", at("t1", 120.1, 30.2, time.Minute), false, DropDuplicate},
		{"a minute in the future is fine", at("t1", 120.101, 30.2, -time.Minute), true, ""},
		{"far future", at("t1", 120.1, 30.2, -time.Hour), false, DropFuture},
		{"too old", at("t1", 120.1, 30.2, 48*time.Hour), false, DropTooOld},
		{"out of order keeps history only", at("t1", 120.1005, 30.2, 30*time.Second), false, ""},
		{"impossible jump", at("t1", 121.5, 30.2, -2*time.Minute), false, DropJump},
		{"other team", at("t2", 121.5, 30.2, 0), true, ""},
	}
	for _, s := range steps {
		p := s.p
		live, reason := f.Check(&p, now)
		if live != s.live || reason != s.reason {
			t.Fatalf("%s: got live %v reason %q, want %v %q", s.name, live, reason, s.live, s.reason)
		}
	}
	inaccurate := at("t2", 121.5, 30.2, -10*time.Second)
	inaccurate.Accuracy = f64(5000)
	if _, reason := f.Check(&inaccurate, now); reason != DropInaccurate {
		t.Fatalf("got %q, want inaccurate", reason)
	}
	got := f.Dropped()
	for reason, n := range map[string]uint64{DropInvalid: 2, DropDuplicate: 1, DropFuture: 1, DropTooOld: 1, DropJump: 1, DropInaccurate: 1} {
		if got[reason] != n {
			t.Fatalf("got counts %v, want %d %s", got, n, reason)
		}
	}
}

// TestFilterRecoversFromABadFix: when the fix held was the bad one, the
// fixes after it agree with each other, and the filter follows them.
func TestFilterRecoversFromABadFix(t *testing.T) {
	now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	f := NewFilter(FilterConfig{})
	bad := Position{Team: "t", Lon: 100, Lat: 30, TS: now.Add(-time.Minute)}
	f.Check(&bad, now)
	var live bool
	var reason string
	for i := range jumpReset {
		p := Position{Team: "t", Lon: 120 + float64(i)*0.0001, Lat: 30, TS: now.Add(time.Duration(i) * time.Second)}
		live, reason = f.Check(&p, now)
	}
	if !live || reason != "" {
		t.Fatalf("after %d agreeing fixes got live %v reason %q, want the filter to follow them", jumpReset, live, reason)
	}
}

func TestFilterConvertsCRS(t *testing.T) {
	f := NewFilter(FilterConfig{})
	p := Position{Team: "t", Lon: 120.15, Lat: 30.25, CRS: "gcj02", TS: time.Now()}
	if _, reason := f.Check(&p, time.Now()); reason != "" || p.CRS != "" || p.Lon == 120.15 {
		t.Fatalf("got %+v %q, want WGS-84", p, reason)
	}
}

func f64(v float64) *float64 { return &v }
