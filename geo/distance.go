package geo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// earthRadius is the IUGG mean radius (2a+b)/3: a sphere that size keeps
// great-circle distances within about 0.5% of the ellipsoid's everywhere,
// far below what matters for choosing the nearest team.
const earthRadius = 6371008.8

// Distance returns the great-circle (haversine) distance in metres between
// two WGS-84 points. Haversine rather than the spherical law of cosines
// because dispatch often compares points metres apart, where the cosine form
// rounds to centimetres or worse.
func Distance(a, b Point) float64 {
	lat1, lat2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	sinLat := math.Sin((lat2 - lat1) / 2)
	sinLon := math.Sin((b.Lon - a.Lon) * math.Pi / 180 / 2)
	h := sinLat*sinLat + math.Cos(lat1)*math.Cos(lat2)*sinLon*sinLon
	// Rounding can push h of near-antipodal points just past 1.
	return 2 * earthRadius * math.Asin(math.Sqrt(math.Min(1, h)))
}

// BBox is a west, south, east, north box in WGS-84.
type BBox struct{ W, S, E, N float64 }

// ParseBBox parses "w,s,e,n", the order of GeoJSON and of map viewports.
// Boxes across the antimeridian are refused: dispatchd's areas never need
// one, and a swapped west and east is far more often a client bug.
func ParseBBox(s string) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return BBox{}, errors.New("must be four numbers: west,south,east,north")
	}
	names := [4]string{"west", "south", "east", "north"}
	limits := [4]float64{180, 90, 180, 90}
	var v [4]float64
	for i, part := range parts {
		part = strings.TrimSpace(part)
		f, err := strconv.ParseFloat(part, 64)
		// ParseFloat also takes "Inf", "NaN", hex and underscores, none of
		// which belongs in a query string.
		if err != nil || strings.Trim(part, "+-.0123456789eE") != "" {
			return BBox{}, fmt.Errorf("%s %q is not a number", names[i], part)
		}
		if f < -limits[i] || f > limits[i] {
			return BBox{}, fmt.Errorf("%s %v is out of range [%v, %v]", names[i], f, -limits[i], limits[i])
		}
		v[i] = f
	}
	b := BBox{W: v[0], S: v[1], E: v[2], N: v[3]}
	if b.W > b.E {
		return BBox{}, fmt.Errorf("west %v is east of east %v; boxes across the antimeridian are not supported", b.W, b.E)
	}
	if b.S > b.N {
		return BBox{}, fmt.Errorf("south %v is north of north %v", b.S, b.N)
	}
	return b, nil
}

// Contains reports whether the WGS-84 point p is inside b; the edges count
// as inside so that adjacent boxes leave no gap.
func (b BBox) Contains(p Point) bool {
	return p.Lon >= b.W && p.Lon <= b.E && p.Lat >= b.S && p.Lat <= b.N
}
