package geo

import "time"

// Router estimates a trip from one point to another for a mode of travel
// (a team kind such as "fire_rescue" or "aviation", or "truck" for
// material). It is an interface so that a road router can plug in later.
type Router interface {
	Route(from, to Point, mode string) Route
}

// Route is the estimate of one trip.
type Route struct {
	// Metres is the distance travelled, detour included.
	Metres float64
	// Seconds is the estimated travel time.
	Seconds float64
}

// GreatCircle is the default Router: great-circle distance × a detour
// factor ÷ the speed of the mode, plus a fixed turn-out time per mode.
// For a fixed mode its time never decreases with distance, which lets
// callers merge per-mode nearest-first streams by ETA exactly.
type GreatCircle struct {
	// Detour is road distance over great-circle distance; 1.3 when 0.
	Detour float64
	// Speeds are in km/h by mode; modes not listed use DefaultSpeed.
	Speeds map[string]float64
	// DefaultSpeed is in km/h; 60 when 0.
	DefaultSpeed float64
	// Setup is the fixed delay before a mode moves (turn-out time).
	Setup map[string]time.Duration
	// AirDetour lists modes that fly straight, with no detour.
	AirDetour map[string]bool
}

// DefaultRouter returns the router dispatch uses unless configured: road
// speeds by team kind, lorries at 50 km/h for material, and helicopters at
// 200 km/h in a straight line after 15 minutes to take off.
func DefaultRouter() *GreatCircle {
	return &GreatCircle{
		Detour: 1.3,
		Speeds: map[string]float64{"fire_rescue": 60, "professional": 55, "social": 45, "militia": 45,
			"medical": 60, "aviation": 200, "truck": 50},
		DefaultSpeed: 60,
		Setup:        map[string]time.Duration{"aviation": 15 * time.Minute},
		AirDetour:    map[string]bool{"aviation": true},
	}
}

// Route implements Router.
func (g *GreatCircle) Route(from, to Point, mode string) Route {
	detour, perMetre, setup := g.Line(mode)
	return Along(detour, perMetre, setup, Distance(from, to))
}

// Linear is a Router whose estimate grows linearly with great-circle
// distance. A caller that already knows the distance (a spatial index
// does) computes the estimate itself from Line, without the geometry.
type Linear interface {
	Router
	// Line returns, for a mode, the detour factor, the seconds per metre
	// travelled, and the fixed seconds before moving: a trip of d metres
	// great-circle is d·detour metres and setup + d·detour·perMetre seconds.
	Line(mode string) (detour, perMetre, setup float64)
}

// Line implements Linear.
func (g *GreatCircle) Line(mode string) (detour, perMetre, setup float64) {
	// The negated tests also catch NaN, which would make every ETA NaN
	// and so break the monotonicity callers rely on.
	detour = g.Detour
	if !(detour > 0) {
		detour = 1.3
	}
	if g.AirDetour[mode] {
		detour = 1
	}
	speed := g.Speeds[mode]
	if !(speed > 0) {
		speed = g.DefaultSpeed
	}
	if !(speed > 0) {
		speed = 60
	}
	return detour, 3.6 / speed, g.Setup[mode].Seconds()
}

// Along is the trip of a mode over a great-circle distance, from Line.
func Along(detour, perMetre, setup, metres float64) Route {
	m := metres * detour
	return Route{Metres: m, Seconds: setup + m*perMetre}
}
