package zones

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func square(lon, lat, side float64) orb.Polygon {
	return orb.Polygon{{{lon, lat}, {lon + side, lat}, {lon + side, lat + side}, {lon, lat + side}, {lon, lat}}}
}

func TestIndexFind(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	zs := []Zone{
		{ID: "a", Level: Yellow, Hazard: "flood", ValidFrom: t0, ValidTo: t0.Add(6 * time.Hour), Geometry: square(120, 30, 0.1)},
		{ID: "b", Level: Red, Hazard: "flood", ValidFrom: t0, ValidTo: t0.Add(3 * time.Hour), Geometry: square(120.05, 30.05, 0.1)},
		{ID: "c", Level: Orange, Hazard: "forest_fire", ValidFrom: t0.Add(3 * time.Hour), ValidTo: t0.Add(24 * time.Hour),
			Geometry: orb.MultiPolygon{square(120, 30, 0.02), square(121, 31, 0.02)}},
		// A zone far larger than the grid's cells goes to the large list.
		{ID: "d", Level: Blue, Hazard: "typhoon", ValidFrom: t0, ValidTo: t0.Add(48 * time.Hour), Geometry: square(118, 27, 5)},
		{ID: "e", Level: Red, Hazard: "flood", ValidFrom: t0, ValidTo: t0.Add(48 * time.Hour), Geometry: square(120.5, 30.5, 0.1), Superseded: t0},
	}
	x := NewIndex(zs)
	tests := []struct {
		name   string
		p      orb.Point
		at     time.Time
		hazard string
		want   []string
		level  string
	}{
		{"in a alone", orb.Point{120.01, 30.01}, t0, "", []string{"a", "d"}, Yellow},
		{"in a and b, red wins", orb.Point{120.07, 30.07}, t0.Add(time.Hour), "", []string{"a", "b", "d"}, Red},
		{"b expired", orb.Point{120.07, 30.07}, t0.Add(3 * time.Hour), "flood", []string{"a"}, Yellow},
		{"c not yet", orb.Point{121.01, 31.01}, t0, "", []string{"d"}, Blue},
		{"c second polygon", orb.Point{121.01, 31.01}, t0.Add(4 * time.Hour), "forest_fire", []string{"c"}, Orange},
		{"a corner counts", orb.Point{120, 30}, t0, "flood", []string{"a"}, Yellow},
		{"superseded", orb.Point{120.55, 30.55}, t0, "flood", nil, ""},
		{"outside all", orb.Point{125, 35}, t0, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			x.Find(tt.p, tt.at, func(z *Zone) bool {
				if tt.hazard == "" || z.Hazard == tt.hazard {
					got = append(got, z.ID)
				}
				return true
			})
			if fmt.Sprint(sorted(got)) != fmt.Sprint(tt.want) {
				t.Errorf("Find: got %v, want %v", got, tt.want)
			}
			if l, _ := x.In(tt.p, tt.at, tt.hazard); l != tt.level {
				t.Errorf("In: got %q, want %q", l, tt.level)
			}
		})
	}
	var nilx *Index
	nilx.Find(orb.Point{0, 0}, t0, func(*Zone) bool { t.Error("a nil index found a zone"); return true })
}

func sorted(s []string) []string { slices.Sort(s); return s }

// TestIndexMatchesScan checks the grid against a scan of every zone.
func TestIndexMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	var zs []Zone
	for i := range 2000 {
		side := 0.005 + r.Float64()*r.Float64()*0.5
		zs = append(zs, Zone{ID: fmt.Sprint(i), Level: Levels[i%4], ValidFrom: t0, ValidTo: t0.Add(time.Hour),
			Geometry: square(118+r.Float64()*4, 27+r.Float64()*4, side)})
	}
	x := NewIndex(zs)
	for range 5000 {
		p := orb.Point{118 + r.Float64()*4.5, 27 + r.Float64()*4.5}
		n := 0
		x.Find(p, t0, func(*Zone) bool { n++; return true })
		want := 0
		for i := range zs {
			if zs[i].Contains(p) {
				want++
			}
		}
		if n != want {
			t.Fatalf("at %v: found %d zones, a scan finds %d", p, n, want)
		}
	}
}

func BenchmarkIndexIn(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	var zs []Zone
	for i := range 10000 {
		zs = append(zs, Zone{ID: fmt.Sprint(i), Level: Levels[i%4], ValidFrom: t0, ValidTo: t0.Add(time.Hour),
			Geometry: square(118+r.Float64()*4, 27+r.Float64()*4, 0.02)})
	}
	x := NewIndex(zs)
	ps := make([]orb.Point, 1024)
	for i := range ps {
		ps[i] = orb.Point{118 + r.Float64()*4, 27 + r.Float64()*4}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		x.In(ps[i%len(ps)], t0, "")
	}
}
