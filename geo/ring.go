package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
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

// ReadArea reads a GeoJSON Polygon or MultiPolygon geometry of outside
// input given in crs: it checks every ring (CheckRing) and converts the
// positions to WGS-84. It returns the area, of the type given, or nil and
// what is wrong with it.
func ReadArea(raw json.RawMessage, crs CRS) (orb.Geometry, []string) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, []string{"must be a Polygon or MultiPolygon"}
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, []string{fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)}
		}
		return nil, []string{strings.TrimPrefix(err.Error(), "json: ")}
	}
	var polys orb.MultiPolygon
	switch c := g.Coordinates.(type) {
	case orb.Polygon:
		polys = orb.MultiPolygon{c}
	case orb.MultiPolygon:
		polys = c
	default:
		return nil, []string{fmt.Sprintf("must be a Polygon or MultiPolygon, not %s", g.Type)}
	}
	var bad []string
	if len(polys) == 0 {
		bad = append(bad, "has no polygon")
	}
	for i, poly := range polys {
		if len(poly) == 0 {
			bad = append(bad, fmt.Sprintf("polygon %d has no ring", i))
		}
		for j, ring := range poly {
			if msg := CheckRing(ring); msg != "" {
				bad = append(bad, fmt.Sprintf("polygon %d, ring %d: %s", i, j, msg))
			}
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	ToWGS84(polys, crs)
	if _, single := g.Coordinates.(orb.Polygon); single {
		return polys[0], nil
	}
	return polys, nil
}
