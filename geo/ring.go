package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// CheckRing returns what is wrong with a polygon ring read from outside
// input, "" if nothing is: it must have four positions at least, each a
// longitude and latitude in range, and be closed.
func CheckRing(r orb.Ring) string {
	if len(r) < 4 {
		return "must have at least four positions"
	}
	for _, p := range r {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
			return fmt.Sprintf("position [%v, %v] is not a longitude and latitude", p[0], p[1])
		}
	}
	if r[0] != r[len(r)-1] {
		return "is not closed: its last position must be its first"
	}
	return ""
}

// ToWGS84 converts every position of polys, given in crs, to WGS-84 in
// place.
func ToWGS84(polys orb.MultiPolygon, crs CRS) {
	if crs == "" || crs == WGS84 {
		return
	}
	for _, poly := range polys {
		for _, ring := range poly {
			for k, pt := range ring {
				w := Point{Lon: pt[0], Lat: pt[1], CRS: crs}.To(WGS84)
				ring[k] = orb.Point{w.Lon, w.Lat}
			}
		}
	}
}

// RightHand winds polys in place by RFC 7946's right-hand rule: exterior
// rings counterclockwise, holes clockwise.
func RightHand(polys orb.MultiPolygon) {
	for _, poly := range polys {
		for i, ring := range poly {
			o := ring.Orientation()
			if (i == 0 && o == orb.CW) || (i > 0 && o == orb.CCW) {
				ring.Reverse()
			}
		}
	}
}
