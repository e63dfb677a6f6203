package fence_test

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"dispatchd/geo"
	"dispatchd/geo/fence"
)

// center is the scene of every track: a point in 杭州市.
var center = geo.Point{Lon: 120.2000, Lat: 30.2500}

// at returns the point dx metres east and dy metres north of center.
func at(dx, dy float64) geo.Point {
	return geo.Point{Lon: center.Lon + dx/(111195*math.Cos(center.Lat*math.Pi/180)), Lat: center.Lat + dy/111195}
}

// fix is one fix of a recorded track: offsets in metres from center.
type fix struct{ dx, dy float64 }

// parseTrack reads a track written as "dx,dy dx,dy ...", one fix every
// 5 seconds.
func parseTrack(t *testing.T, s string) []fix {
	t.Helper()
	var out []fix
	for _, f := range strings.Fields(s) {
		a, b, ok := strings.Cut(f, ",")
		x, err1 := strconv.ParseFloat(a, 64)
		y, err2 := strconv.ParseFloat(b, 64)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("bad fix %q", f)
		}
		out = append(out, fix{x, y})
	}
	return out
}

var t0 = time.Date(2026, 7, 14, 3, 0, 0, 0, time.UTC)

// event is a change at the index of the fix it dates from.
type event struct {
	change fence.Change
	fix    int
}

// run plays a track through the state machine and returns the changes,
// each dated by the index of its fix.
func run(t *testing.T, s *fence.Shape, track []fix, dwell time.Duration) []event {
	t.Helper()
	var st fence.State
	var out []event
	for i, f := range track {
		ts := t0.Add(time.Duration(i) * 5 * time.Second)
		next, ch, when := st.Step(s.Classify(at(f.dx, f.dy)), ts, dwell)
		st = next
		if ch != fence.NoChange {
			out = append(out, event{ch, int(when.Sub(t0) / (5 * time.Second))})
		}
	}
	return out
}

// The tracks below are written as a tracker reports a team on the ground,
// one fix every 5 seconds, in metres east and north of the scene's
// centre. The scene is a circle of 300 m (band 300-360 m) or the polygon
// rect, 400 m by 300 m around the centre (band 60 m).
var rect = [][2]float64{
	{at(-200, -150).Lon, at(-200, -150).Lat}, {at(200, -150).Lon, at(200, -150).Lat},
	{at(200, 150).Lon, at(200, 150).Lat}, {at(-200, 150).Lon, at(-200, 150).Lat},
	{at(-200, -150).Lon, at(-200, -150).Lat},
}

func TestTracks(t *testing.T) {
	circle := fence.Circle(center, 300)
	poly, err := fence.Polygon(rect)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		shape *fence.Shape
		track string
		want  []event
	}{
		{
			// Approaches from the east and parks at the edge: the fixes
			// wander 30-80 m either side of 300 m for three minutes. Two
			// swings beyond the band (378, 392 m) break the first runs;
			// from fix 13 on it never leaves the band again, and fix 13
			// is the first of the run that lasts the minute.
			name: "jitter at the edge, then settles", shape: circle,
			track: `900,0 760,10 620,0 480,-10 360,5 295,10 250,-20 340,15 378,0 280,10 330,-5 262,0 392,10
				270,5 340,-10 310,20 255,5 345,0 290,-15 352,10 265,0 300,5 280,-5 240,0 220,10 200,0 190,5
				185,-5 180,0 182,3`,
			want: []event{{fence.Arrived, 13}},
		},
		{
			// Jitters 230-395 m for four minutes, never a minute without a
			// swing beyond the band: it never counts as arrived.
			name: "jitter never settles", shape: circle,
			track: `600,0 420,0 290,0 330,0 370,0 250,0 300,0 340,0 290,0 380,0 240,0 310,0 355,0 280,0 395,0
				230,0 320,0 290,0 345,0 270,0 300,0 372,0 260,0 330,0 250,0 350,0 290,0 385,0 300,0 240,0
				330,0 280,0 366,0 260,0 300,0 340,0 250,0 390,0 280,0 320,0 300,0 375,0 290,0 260,0 380,0
				250,0 300,0 340,0 365,0`,
			want: nil,
		},
		{
			// Drives past at 15 m/s, 120 m from the centre at the closest:
			// inside for 30 seconds, less than the dwell.
			name: "passes by without stopping", shape: circle,
			track: `-600,120 -525,120 -450,120 -375,120 -300,120 -225,120 -150,120 -75,120 0,120 75,120 150,120
				225,120 300,120 375,120 450,120 525,120`,
			want: nil,
		},
		{
			// Arrives, works on scene for two minutes, leaves at walking
			// pace and jitters at the edge on the way out (back to 340 m,
			// then 298 m), then drives off.
			name: "arrives, then leaves", shape: circle,
			track: `500,0 350,0 200,0 100,0 90,5 95,-5 100,0 92,3 88,-2 100,0 96,4 90,0 93,-3 95,0 100,0
				150,0 220,0 290,0 345,0 370,0 340,0 298,0 330,0 365,0 390,0 420,0 470,0 540,0 620,0 700,0
				800,0 900,0 1000,0 1100,0 1200,0 1300,0`,
			want: []event{{fence.Arrived, 2}, {fence.Left, 23}},
		},
		{
			// Parked inside, its tracker loses the sky behind a building:
			// three fixes 420-600 m away (beyond the band) within 15 s do
			// not make it leave.
			name: "multipath outliers do not make it leave", shape: circle,
			track: `100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 420,200
				600,-100 450,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0 100,0`,
			want: []event{{fence.Arrived, 0}},
		},
		{
			// The polygon: comes up from the south along x = 50, jitters
			// across the south edge (y = -150; band to -200), settles
			// inside at fix 9.
			name: "polygon: jitter at the edge", shape: poly,
			track: `50,-600 50,-450 50,-300 50,-205 50,-140 50,-190 50,-215 50,-130 50,-220 50,-145 50,-180
				50,-160 50,-195 50,-120 50,-170 50,-100 50,-60 50,-40 50,-30 50,-35 50,-30 50,-25`,
			want: []event{{fence.Arrived, 9}},
		},
		{
			// The polygon is a rectangle, not a circle: a fix 240 m east of
			// the centre at y = 0 is 40 m beyond the east edge (band: 50 m),
			// one at (0, 240) is 90 m beyond the north edge (outside). It goes
			// round the north of the scene at 240 m and never arrives.
			name: "polygon: passes north", shape: poly,
			track: `-600,240 -500,240 -400,240 -300,240 -200,240 -100,240 0,240 100,240 200,240 300,240 400,240
				500,240 600,240`,
			want: nil,
		},
		{
			// The same track along y = 100 crosses the rectangle in 20 s.
			name: "polygon: crosses without stopping", shape: poly,
			track: `-600,100 -500,100 -400,100 -300,100 -200,100 -100,100 0,100 100,100 200,100 300,100 400,100
				500,100 600,100`,
			want: nil,
		},
		{
			// Stops in the east part of the rectangle, 215 m from its
			// centre, where a circle of the same area (r 195 m) would not
			// hold it; then drives out east.
			name: "polygon: arrives in a corner, leaves", shape: poly,
			track: `500,100 400,100 300,100 190,100 185,105 180,95 190,100 188,98 185,100 182,102 190,100 186,100
				185,98 187,101 184,100 186,99 240,100 300,100 360,100 420,100 500,100 600,100 700,100 800,100
				900,100 1000,100 1100,100 1200,100 1300,100 1400,100`,
			want: []event{{fence.Arrived, 3}, {fence.Left, 17}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.shape, parseTrack(t, tt.track), fence.DefaultDwell)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestStepOrder(t *testing.T) {
	var st fence.State
	d := time.Minute
	st, _, _ = st.Step(fence.Inside, t0, d)
	// An older fix, and one at the same time, are ignored: the run stands.
	st, ch, _ := st.Step(fence.Outside, t0.Add(-time.Second), d)
	if ch != fence.NoChange || !st.Since.Equal(t0) {
		t.Fatalf("an older fix changed the state: %+v", st)
	}
	st, _, _ = st.Step(fence.Outside, t0, d)
	st, ch, when := st.Step(fence.Inside, t0.Add(time.Minute), d)
	if ch != fence.Arrived || !when.Equal(t0) || !st.In {
		t.Fatalf("got %v at %v, want arrived at %v", ch, when, t0)
	}
	// Step leaves the state it is called on as it was.
	old := st
	_, ch, _ = old.Step(fence.Outside, t0.Add(3*time.Minute), 0)
	if ch != fence.Left || !old.In {
		t.Fatalf("got %v and %+v", ch, old)
	}
}

func TestClassifyCircle(t *testing.T) {
	c := fence.Circle(center, 300)
	for _, tt := range []struct {
		d    float64
		want fence.Side
	}{{0, fence.Inside}, {299, fence.Inside}, {301, fence.Band}, {359, fence.Band}, {361, fence.Outside}, {5000, fence.Outside}} {
		for _, p := range []geo.Point{at(tt.d, 0), at(0, -tt.d), at(-tt.d*0.6, tt.d*0.8)} {
			if got := c.Classify(p); got != tt.want {
				t.Errorf("%g m: got %v, want %v", tt.d, got, tt.want)
			}
			if d := geo.Distance(center, p); math.Abs(d-tt.d) > 0.5 {
				t.Errorf("the local plane is off: %g m is %g m on the sphere", tt.d, d)
			}
		}
	}
	big := fence.Circle(center, 1000)
	if big.Margin() != 200 || fence.Circle(center, 1).Size() != fence.MinRadius {
		t.Fatalf("margin %g, clamped size %g", big.Margin(), fence.Circle(center, 1).Size())
	}
	if !c.Trusts(0) || !c.Trusts(300) || c.Trusts(301) {
		t.Fatal("a fix of accuracy worse than the radius must not count")
	}
}

func TestPolygon(t *testing.T) {
	ring := func(pts ...[2]float64) [][2]float64 { return pts }
	for _, tt := range []struct {
		name string
		ring [][2]float64
	}{
		{"too short", ring(rect[0], rect[1], rect[0])},
		{"not closed", rect[:4]},
		{"not a position", ring(rect[0], rect[1], [2]float64{200, 30}, rect[0])},
		{"too small", ring(rect[0], [2]float64{rect[0][0] + 0.00001, rect[0][1]}, [2]float64{rect[0][0], rect[0][1] + 0.00001}, rect[0])},
		{"too large", ring([2]float64{120, 30}, [2]float64{121.5, 30}, [2]float64{121.5, 30.5}, [2]float64{120, 30})},
	} {
		if _, err := fence.Polygon(tt.ring); err == nil {
			t.Errorf("%s: want an error", tt.name)
		}
	}
	p, err := fence.Polygon(rect)
	if err != nil {
		t.Fatal(err)
	}
	if fence.Clockwise(rect) {
		t.Fatal("rect runs counterclockwise")
	}
	rev := make([][2]float64, len(rect))
	for i := range rect {
		rev[len(rect)-1-i] = rect[i]
	}
	if !fence.Clockwise(rev) {
		t.Fatal("rect reversed runs clockwise")
	}
	q, err := fence.Polygon(rev)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		dx, dy float64
		want   fence.Side
	}{{0, 0, fence.Inside}, {199, 149, fence.Inside}, {200, 0, fence.Inside}, {230, 0, fence.Band}, {0, -195, fence.Band},
		{265, 0, fence.Outside}, {235, 180, fence.Band}, {250, 200, fence.Outside}, {3000, 0, fence.Outside}} {
		for _, s := range []*fence.Shape{p, q} {
			if got := s.Classify(at(tt.dx, tt.dy)); got != tt.want {
				t.Errorf("(%g, %g): got %v, want %v", tt.dx, tt.dy, got, tt.want)
			}
		}
	}
}

// FuzzPolygon feeds rings from outside (a scene's GeoJSON): Polygon
// refuses or builds a fence, and Classify never panics.
func FuzzPolygon(f *testing.F) {
	f.Add(120.19, 30.22, 120.21, 30.22, 120.21, 30.24, 120.2, 30.23)
	f.Add(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
	f.Add(179.99, 10.0, -179.99, 10.0, -179.99, 10.01, 180.0, 10.0)
	f.Fuzz(func(t *testing.T, x1, y1, x2, y2, x3, y3, px, py float64) {
		ring := [][2]float64{{x1, y1}, {x2, y2}, {x3, y3}, {x1, y1}}
		s, err := fence.Polygon(ring)
		if err != nil {
			return
		}
		side := s.Classify(geo.Point{Lon: px, Lat: py})
		if side != fence.Inside && side != fence.Outside && side != fence.Band {
			t.Fatalf("got side %v", side)
		}
		if s.Classify(s.Center()) == fence.Outside && !fence.Clockwise(ring) && s.Size() > 1000 {
			// The mean of a triangle's corners lies inside it.
			t.Fatalf("the centre of %v is outside", ring)
		}
	})
}
