package realtime

import (
	"errors"
	"math"
	"testing"
	"time"
)

// traccar9 is a body of Traccar Client 9, as its location template makes
// it, with "_" left out.
const traccar9 = `{"location":{"timestamp":"2026-07-01T07:59:30.000Z","coords":{"latitude":30.25,"longitude":120.15,` +
	`"accuracy":8.5,"speed":12.5,"heading":271.5,"altitude":42},"is_moving":true,"odometer":1234,"event":"motionchange",` +
	`"battery":{"level":0.76,"is_charging":false},"activity":{"type":"in_vehicle"},"extras":{}},"device_id":"834521"}`

// traccar9Legacy is the same with the legacy "_" query string.
const traccar9Legacy = `{"location":{"timestamp":"2026-07-01T07:59:30.000Z","coords":{"latitude":30.25,"longitude":120.15,` +
	`"accuracy":8.5,"speed":12.5,"heading":271.5,"altitude":42},"is_moving":true,"odometer":1234,"event":"motionchange",` +
	`"battery":{"level":0.76,"is_charging":false},"activity":{"type":"in_vehicle"},"extras":{},` +
	`"_":"&id=834521&lat=30.25&lon=120.15&timestamp=2026-07-01T07:59:30.000Z&"},"device_id":"834521"}`

func TestParseTraccarJSON(t *testing.T) {
	now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	full := OsmAndFix{Device: "834521", Position: Position{Lat: 30.25, Lon: 120.15, TS: now.Add(-30 * time.Second),
		Speed: f64(12.5), Heading: f64(271.5), Accuracy: f64(8.5), Altitude: f64(42), Battery: f64(76)}}
	for _, tt := range []struct {
		name string
		body string
		want OsmAndFix
		err  bool
	}{
		{name: "Traccar Client 9", body: traccar9, want: full},
		{name: "with the legacy _", body: traccar9Legacy, want: full},
		{name: "unknowns are -1", body: `{"device_id":"a1","location":{"timestamp":"2026-07-01T08:00:00Z",` +
			`"coords":{"latitude":30,"longitude":120,"accuracy":-1,"speed":-1,"heading":-1,"altitude":0},"battery":{"level":-1}}}`,
			want: OsmAndFix{Device: "a1", Position: Position{Lat: 30, Lon: 120, TS: now, Altitude: f64(0)}}},
		{name: "5 km accuracy is kept for the filter", body: `{"device_id":"a1","location":{"coords":{"latitude":30,"longitude":120,"accuracy":5000}}}`,
			want: OsmAndFix{Device: "a1", Position: Position{Lat: 30, Lon: 120, TS: now, Accuracy: f64(5000)}}},
		{name: "numeric device id", body: `{"device_id":834521,"location":{"coords":{"latitude":30,"longitude":120}}}`,
			want: OsmAndFix{Device: "834521", Position: Position{Lat: 30, Lon: 120, TS: now}}},
		{name: "only the legacy _", body: `{"location":{"_":"&id=a1&lat=30.5&lon=120.5&timestamp=1782892800&"}}`,
			want: OsmAndFix{Device: "a1", Position: Position{Lat: 30.5, Lon: 120.5, TS: time.Unix(1782892800, 0).UTC()}}},
		{name: "battery above 1 is not a fraction", body: `{"device_id":"a1","location":{"coords":{"latitude":30,"longitude":120},"battery":{"level":76}}}`,
			want: OsmAndFix{Device: "a1", Position: Position{Lat: 30, Lon: 120, TS: now}}},
		{name: "not JSON", body: `id=a1&lat=30&lon=120`, err: true},
		{name: "no device", body: `{"location":{"coords":{"latitude":30,"longitude":120}}}`, err: true},
		{name: "device id an object", body: `{"device_id":{},"location":{"coords":{"latitude":30,"longitude":120}}}`, err: true},
		{name: "no coords", body: `{"device_id":"a1","location":{"timestamp":"2026-07-01T08:00:00Z"}}`, err: true},
		{name: "latitude a string", body: `{"device_id":"a1","location":{"coords":{"latitude":"30","longitude":120}}}`, err: true},
		{name: "bad time", body: `{"device_id":"a1","location":{"timestamp":"yesterday","coords":{"latitude":30,"longitude":120}}}`, err: true},
		{name: "huge number", body: `{"device_id":"a1","location":{"coords":{"latitude":1e999,"longitude":120}}}`, err: true},
		{name: "bad legacy lat", body: `{"location":{"_":"&id=a1&lat=NaN&lon=120&"}}`, err: true},
		{name: "null", body: `null`, err: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTraccarJSON([]byte(tt.body), now)
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
	// The filter drops the 5 km fix.
	fix, err := ParseTraccarJSON([]byte(`{"device_id":"a1","location":{"coords":{"latitude":30,"longitude":120,"accuracy":5000}}}`), now)
	if err != nil {
		t.Fatal(err)
	}
	fix.Team = "t"
	if _, reason := NewFilter(FilterConfig{}).Check(&fix.Position, now); reason != DropInaccurate {
		t.Fatalf("5 km accuracy: got reason %q, want %q", reason, DropInaccurate)
	}
}

func FuzzParseTraccarJSON(f *testing.F) {
	for _, s := range []string{traccar9, traccar9Legacy, `{"location":{"_":"&id=a1&lat=30&lon=120&"}}`,
		`{"device_id":1e5,"location":{"coords":{"latitude":-90,"longitude":180,"speed":-1}}}`, `{}`, `[`, `null`} {
		f.Add([]byte(s))
	}
	now := time.Now()
	flt := NewFilter(FilterConfig{})
	f.Fuzz(func(t *testing.T, body []byte) {
		fix, err := ParseTraccarJSON(body, now)
		if err != nil {
			if !errors.Is(err, ErrOsmAnd) {
				t.Fatalf("%q: got %v, want an OsmAnd error", body, err)
			}
			return
		}
		if fix.Device == "" || len(fix.Device) > 128 || math.IsNaN(fix.Lat) || math.IsInf(fix.Lon, 0) {
			t.Fatalf("%q: accepted %+v", body, fix)
		}
		for _, v := range []*float64{fix.Speed, fix.Heading, fix.Accuracy, fix.Battery} {
			if v != nil && (*v < 0 || math.IsNaN(*v)) {
				t.Fatalf("%q: accepted a negative or NaN measure in %+v", body, fix)
			}
		}
		fix.Team = "t"
		flt.Check(&fix.Position, now) // must not panic on anything parsed
	})
}
