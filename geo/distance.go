package geo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// EarthRadius is the mean Earth radius in metres (IUGG).
const EarthRadius = 6371008.8

// Distance returns the great-circle (haversine) distance in metres.
func Distance(a, b Point) float64 {
	lat1, lat2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dLat := lat2 - lat1
	dLon := (b.Lon - a.Lon) * math.Pi / 180
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1)*math.Cos(lat2)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * EarthRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

// BBox is a west, south, east, north box in WGS-84.
type BBox struct{ W, S, E, N float64 }

// ParseBBox parses "w,s,e,n".
func ParseBBox(s string) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return BBox{}, errors.New("must be four numbers: west,south,east,north")
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return BBox{}, fmt.Errorf("%q is not a number", strings.TrimSpace(p))
		}
		v[i] = f
	}
	b := BBox{W: v[0], S: v[1], E: v[2], N: v[3]}
	switch {
	case b.W < -180 || b.E > 180 || b.S < -90 || b.N > 90:
		return BBox{}, errors.New("must lie within [-180, 180] and [-90, 90]")
	case b.W > b.E || b.S > b.N:
		return BBox{}, errors.New("west must not exceed east, nor south north")
	}
	return b, nil
}

// Contains reports whether p is inside the box, edges included.
func (b BBox) Contains(p Point) bool {
	return p.Lon >= b.W && p.Lon <= b.E && p.Lat >= b.S && p.Lat <= b.N
}
