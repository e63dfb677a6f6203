package geo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
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

// BBox is a box in WGS-84: orb's Bound, whose Min is the south-west
// corner and Max the north-east, each [lon, lat].
type BBox = orb.Bound

// NewBBox returns the box from its west, south, east and north edges.
func NewBBox(w, s, e, n float64) BBox {
	return orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, n}}
}

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
	if v[0] > v[2] {
		return BBox{}, fmt.Errorf("west %v is east of east %v; boxes across the antimeridian are not supported", v[0], v[2])
	}
	if v[1] > v[3] {
		return BBox{}, fmt.Errorf("south %v is north of north %v", v[1], v[3])
	}
	return NewBBox(v[0], v[1], v[2], v[3]), nil
}

// InBBox reports whether the WGS-84 point p is inside b; the edges count
// as inside so that adjacent boxes leave no gap. Unlike orb's
// Bound.Contains, a coordinate that is not a number is outside.
func InBBox(b BBox, p Point) bool {
	return p.Lon >= b.Min[0] && p.Lon <= b.Max[0] && p.Lat >= b.Min[1] && p.Lat <= b.Max[1]
}
