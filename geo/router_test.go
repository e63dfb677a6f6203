package geo

import (
	"math"
	"testing"
	"time"
)

var routerModes = []string{"fire_rescue", "professional", "social", "militia", "medical", "aviation", "truck", "unknown"}

// TestGreatCircleMonotone pins what callers merging per-mode nearest-first
// streams by ETA rely on: for a fixed mode, a farther point is never
// sooner, whatever the direction, with or without setup delays.
func TestGreatCircleMonotone(t *testing.T) {
	routers := map[string]*GreatCircle{
		"default": DefaultRouter(),
		"zero":    {},
		"custom": {Detour: 1.7, DefaultSpeed: 30, Speeds: map[string]float64{"truck": 80},
			Setup: map[string]time.Duration{"truck": time.Minute}, AirDetour: map[string]bool{"medical": true}},
	}
	base := Point{Lon: 120.2, Lat: 29.2}
	for name, r := range routers {
		for _, bearing := range []float64{0, 45, 90, 200} {
			prev := map[string]Route{}
			for km := 0.0; km <= 500; km += 3.7 {
				to := destination(base, bearing, km*1000)
				for _, mode := range routerModes {
					got := r.Route(base, to, mode)
					if p, ok := prev[mode]; ok && (got.Seconds < p.Seconds || got.Metres < p.Metres) {
						t.Fatalf("%s %s bearing %v: %+v at %v km after %+v: not monotone", name, mode, bearing, got, km, p)
					}
					prev[mode] = got
				}
			}
		}
	}
}

// destination is the point d metres from p on the initial bearing (degrees
// clockwise from north), so the monotonicity test walks a real great circle.
func destination(p Point, bearing, d float64) Point {
	lat1, lon1, th, delta := p.Lat*math.Pi/180, p.Lon*math.Pi/180, bearing*math.Pi/180, d/earthRadius
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(delta) + math.Cos(lat1)*math.Sin(delta)*math.Cos(th))
	lon2 := lon1 + math.Atan2(math.Sin(th)*math.Sin(delta)*math.Cos(lat1), math.Cos(delta)-math.Sin(lat1)*math.Sin(lat2))
	return Point{Lon: lon2 * 180 / math.Pi, Lat: lat2 * 180 / math.Pi}
}

func TestGreatCircleAviationFaster(t *testing.T) {
	r := DefaultRouter()
	base := Point{Lon: 120, Lat: 30}
	far := destination(base, 90, 50000)
	if d := Distance(base, far); math.Abs(d-50000) > 1e-3 {
		t.Fatalf("destination is off: %v m", d)
	}
	road, air := r.Route(base, far, "fire_rescue"), r.Route(base, far, "aviation")
	if air.Seconds >= road.Seconds {
		t.Fatalf("aviation %v s, fire_rescue %v s over 50 km: want aviation faster", air.Seconds, road.Seconds)
	}
	// 15 min to take off, then 50 km at 200 km/h; 65 km of road at 60 km/h.
	if want := 900 + 50000/(200/3.6); math.Abs(air.Seconds-want) > 1e-6 {
		t.Fatalf("aviation %v s, want %v", air.Seconds, want)
	}
	if want := 65000 / (60 / 3.6); math.Abs(road.Seconds-want) > 1e-6 {
		t.Fatalf("fire_rescue %v s, want %v", road.Seconds, want)
	}
}

func TestGreatCircleDetour(t *testing.T) {
	r := DefaultRouter()
	a, b := Point{Lon: 120, Lat: 30}, Point{Lon: 120.3, Lat: 30.2}
	d := Distance(a, b)
	for _, mode := range routerModes {
		want := 1.3 * d
		if mode == "aviation" {
			want = d
		}
		if got := r.Route(a, b, mode).Metres; math.Abs(got-want) > 1e-6 {
			t.Errorf("%s: %v m for %v m great-circle, want %v", mode, got, d, want)
		}
	}
	r.Detour = 2
	if got := r.Route(a, b, "truck"); math.Abs(got.Metres-2*d) > 1e-6 || math.Abs(got.Seconds-2*d/(50/3.6)) > 1e-6 {
		t.Errorf("a detour of 2: got %+v for %v m", got, d)
	}
	if got := r.Route(a, a, "aviation"); got.Metres != 0 || got.Seconds != 900 {
		t.Errorf("a trip of nothing by air: got %+v, want the 15 min setup only", got)
	}
}

// TestGreatCircleDefaults checks that zero, negative and NaN fields fall
// back to a 1.3 detour and 60 km/h rather than giving zero or NaN ETAs.
func TestGreatCircleDefaults(t *testing.T) {
	a, b := Point{Lon: 120, Lat: 30}, Point{Lon: 120.5, Lat: 30}
	d := Distance(a, b)
	want := Route{Metres: 1.3 * d, Seconds: 1.3 * d / (60 / 3.6)}
	for name, r := range map[string]*GreatCircle{
		"zero":     {},
		"negative": {Detour: -1, DefaultSpeed: -5, Speeds: map[string]float64{"x": -3}},
		"nan":      {Detour: math.NaN(), DefaultSpeed: math.NaN(), Speeds: map[string]float64{"x": math.NaN()}},
	} {
		got := r.Route(a, b, "x")
		if math.Abs(got.Metres-want.Metres) > 1e-6 || math.Abs(got.Seconds-want.Seconds) > 1e-6 {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
	r := &GreatCircle{DefaultSpeed: 30, Speeds: map[string]float64{"fast": 120}}
	if got := r.Route(a, b, "other").Seconds; math.Abs(got-1.3*d/(30/3.6)) > 1e-6 {
		t.Errorf("an unlisted mode took %v s, want DefaultSpeed", got)
	}
	if got := r.Route(a, b, "fast").Seconds; math.Abs(got-1.3*d/(120/3.6)) > 1e-6 {
		t.Errorf("a listed mode took %v s, want its own speed", got)
	}
}

// TestAlongMatchesRoute holds the shortcut callers take from Line and
// Along, with a distance they already have, to the full Route.
func TestAlongMatchesRoute(t *testing.T) {
	r := DefaultRouter()
	a, b := Point{Lon: 120, Lat: 30}, Point{Lon: 120.4, Lat: 29.8}
	var _ Linear = r
	for _, mode := range routerModes {
		detour, perMetre, setup := r.Line(mode)
		if got, want := Along(detour, perMetre, setup, Distance(a, b)), r.Route(a, b, mode); got != want {
			t.Errorf("%s: Along %+v, Route %+v", mode, got, want)
		}
	}
}
