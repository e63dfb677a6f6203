// Package fence holds geofences and the state machine that tells, from a
// track of fixes, when a unit arrived inside one and when it left: a scene
// (a circle or a polygon), a depot, a staging area. It is pure: no I/O, no
// clock, no locks. Both steps are cheap enough for the position path: a
// fix is classified in a few multiplications (a polygon in one pass over
// its edges, after a bounding-box test), without allocating.
package fence

import (
	"fmt"
	"math"

	"dispatchd/geo"
)

// Side is where a fix lies with respect to a fence, with hysteresis: a fix
// in the band between Inside and Outside changes nothing, so that GPS
// jitter at the edge does not flap.
type Side int8

// The sides of a fence.
const (
	// Band is within the margin beyond the fence's edge: neither in nor
	// out.
	Band Side = iota
	// Inside is within the fence (a circle's radius, a polygon's ring).
	Inside
	// Outside is beyond the fence by more than its margin.
	Outside
)

// String names the side.
func (s Side) String() string {
	switch s {
	case Inside:
		return "inside"
	case Outside:
		return "outside"
	}
	return "band"
}

// Limits of a fence's size, in metres.
const (
	MinRadius = 10.0
	MaxRadius = 50_000.0
	// MinMargin is the smallest hysteresis band, whatever the fence's
	// size: consumer GPS wanders 10-50 m, more near buildings.
	MinMargin = 50.0
	// MarginShare is the band as a share of the fence's size.
	MarginShare = 0.2
	// MaxVertices bounds a polygon fence.
	MaxVertices = 1000
)

// metresPerDegree is a degree of latitude (and of longitude at the
// equator) on the sphere geo.Distance uses.
const metresPerDegree = 6371008.8 * math.Pi / 180

// Shape is a fence: a circle, or a polygon with one ring. It is immutable
// once made and safe to share between goroutines. Points are compared in a
// local plane around the fence (an equirectangular projection at its
// centre), which over the 50 km a fence may span errs by well under a
// metre per kilometre, far below GPS noise.
type Shape struct {
	lon0, lat0 float64
	kx, ky     float64 // metres per degree of longitude, latitude
	r          float64 // a circle's radius; 0 for a polygon
	ring       []vec   // a polygon's ring in the local plane, closed
	lo, hi     vec     // the ring's bounding box
	size       float64 // the radius, or a polygon's equal-area radius
	margin     float64
}

type vec struct{ x, y float64 }

func newShape(center geo.Point) *Shape {
	return &Shape{lon0: center.Lon, lat0: center.Lat, ky: metresPerDegree,
		kx: metresPerDegree * math.Cos(center.Lat*math.Pi/180)}
}

func (s *Shape) local(p geo.Point) vec {
	dlon := p.Lon - s.lon0
	// Across the antimeridian the short way round.
	if dlon > 180 {
		dlon -= 360
	} else if dlon < -180 {
		dlon += 360
	}
	return vec{dlon * s.kx, (p.Lat - s.lat0) * s.ky}
}

// Circle returns the fence of radius metres around center. The radius is
// clamped to [MinRadius, MaxRadius]; CheckRadius says whether it was in.
func Circle(center geo.Point, radius float64) *Shape {
	s := newShape(center)
	s.r = min(max(radius, MinRadius), MaxRadius)
	s.size = s.r
	s.margin = max(MinMargin, MarginShare*s.r)
	return s
}

// CheckRadius returns why radius cannot be a fence's, or "".
func CheckRadius(radius float64) string {
	if math.IsNaN(radius) || radius < MinRadius || radius > MaxRadius {
		return fmt.Sprintf("must be between %g and %g metres", MinRadius, MaxRadius)
	}
	return ""
}

// Polygon returns the fence inside ring ([lon, lat] pairs, WGS-84, closed:
// the last pair repeats the first). It fails, saying why, when the ring is
// not closed, has fewer than three corners or more than MaxVertices, holds
// a position that is not real, spans more than 2*MaxRadius or encloses
// less than a circle of MinRadius.
func Polygon(ring [][2]float64) (*Shape, error) {
	n := len(ring)
	switch {
	case n < 4:
		return nil, fmt.Errorf("a ring needs at least 4 positions (3 corners, closed), got %d", n)
	case n > MaxVertices:
		return nil, fmt.Errorf("a ring may have at most %d positions, got %d", MaxVertices, n)
	case ring[0] != ring[n-1]:
		return nil, fmt.Errorf("the ring is not closed: its last position must repeat its first")
	}
	var c vec
	for i, q := range ring {
		if err := (geo.Point{Lon: q[0], Lat: q[1]}).Validate(); err != nil {
			return nil, fmt.Errorf("position %d: %w", i, err)
		}
		if i < n-1 {
			// Longitudes are taken relative to the first corner, so that
			// a ring across the antimeridian has its centre among its
			// corners, not half the world away.
			c.x += math.Remainder(q[0]-ring[0][0], 360)
			c.y += q[1]
		}
	}
	lon := math.Remainder(ring[0][0]+c.x/float64(n-1), 360)
	s := newShape(geo.Point{Lon: lon, Lat: c.y / float64(n-1)})
	s.ring = make([]vec, n)
	s.lo, s.hi = vec{math.Inf(1), math.Inf(1)}, vec{math.Inf(-1), math.Inf(-1)}
	for i, q := range ring {
		v := s.local(geo.Point{Lon: q[0], Lat: q[1]})
		s.ring[i] = v
		s.lo.x, s.lo.y = min(s.lo.x, v.x), min(s.lo.y, v.y)
		s.hi.x, s.hi.y = max(s.hi.x, v.x), max(s.hi.y, v.y)
	}
	if s.hi.x-s.lo.x > 2*MaxRadius || s.hi.y-s.lo.y > 2*MaxRadius {
		return nil, fmt.Errorf("the polygon spans more than %g km", 2*MaxRadius/1000)
	}
	area := math.Abs(signedArea(s.ring))
	if area < math.Pi*MinRadius*MinRadius {
		return nil, fmt.Errorf("the polygon encloses %.0f m², less than a circle of %g m", area, MinRadius)
	}
	s.size = math.Sqrt(area / math.Pi)
	s.margin = max(MinMargin, MarginShare*s.size)
	return s, nil
}

// signedArea is the shoelace area of a closed ring: positive when it runs
// counterclockwise.
func signedArea(r []vec) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i].x*r[i+1].y - r[i+1].x*r[i].y
	}
	return a / 2
}

// Clockwise reports whether a closed ring of [lon, lat] runs clockwise:
// RFC 7946 wants exterior rings counterclockwise.
func Clockwise(ring [][2]float64) bool {
	a := 0.0
	for i := 0; i+1 < len(ring); i++ {
		a += ring[i][0]*ring[i+1][1] - ring[i+1][0]*ring[i][1]
	}
	return a < 0
}

// Size is the fence's radius, or a polygon's equal-area radius, in metres.
func (s *Shape) Size() float64 { return s.size }

// Margin is the width of the band beyond the edge, in metres.
func (s *Shape) Margin() float64 { return s.margin }

// Center is the circle's centre, or the mean of a polygon's corners.
func (s *Shape) Center() geo.Point { return geo.Point{Lon: s.lon0, Lat: s.lat0} }

// Trusts reports whether a fix of this accuracy radius (metres; 0 when the
// tracker did not say) is precise enough to place against the fence: no
// worse than the fence's size or its margin, whichever is larger.
func (s *Shape) Trusts(accuracy float64) bool {
	return !(accuracy > max(s.size, s.margin))
}

// Classify tells where p lies: Inside the fence, Outside it by more than
// the margin, or in the Band between.
func (s *Shape) Classify(p geo.Point) Side {
	v := s.local(p)
	m := s.margin
	if s.ring == nil {
		d2 := v.x*v.x + v.y*v.y
		switch {
		case d2 <= s.r*s.r:
			return Inside
		case d2 > (s.r+m)*(s.r+m):
			return Outside
		}
		return Band
	}
	if v.x < s.lo.x-m || v.x > s.hi.x+m || v.y < s.lo.y-m || v.y > s.hi.y+m {
		return Outside
	}
	in, d2 := s.locate(v)
	switch {
	case in:
		return Inside
	case d2 > m*m:
		return Outside
	}
	return Band
}

// locate tells whether v lies inside the ring (a crossing-number test;
// on an edge counts as inside) and its squared distance to the ring.
func (s *Shape) locate(v vec) (bool, float64) {
	in := false
	best := math.Inf(1)
	for i := 0; i+1 < len(s.ring); i++ {
		a, b := s.ring[i], s.ring[i+1]
		if (a.y > v.y) != (b.y > v.y) && v.x < (b.x-a.x)*(v.y-a.y)/(b.y-a.y)+a.x {
			in = !in
		}
		best = min(best, segDist2(v, a, b))
	}
	return in || best == 0, best
}

// segDist2 is the squared distance from p to the segment ab.
func segDist2(p, a, b vec) float64 {
	dx, dy := b.x-a.x, b.y-a.y
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = min(max(((p.x-a.x)*dx+(p.y-a.y)*dy)/l2, 0), 1)
	}
	ex, ey := p.x-(a.x+t*dx), p.y-(a.y+t*dy)
	return ex*ex + ey*ey
}
