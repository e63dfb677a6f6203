// Package geo is the pure geometry of dispatchd: positions and the datums
// they arrive in (WGS-84 from GPS, GCJ-02 and BD-09 from Chinese map SDKs),
// great-circle distances and bounding boxes. It does no I/O.
package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Point is a position, longitude first. CRS is the datum the coordinates were
// given in; the zero value "" means WGS-84. Stored points are always WGS-84
// with CRS "".
type Point struct {
	Lon, Lat float64
	CRS      CRS
}

// Validate reports whether p is a real position: Lon in [-180, 180] and Lat
// in [-90, 90], both finite, not the (0, 0) "null island" fix that broken
// trackers send when they have no fix, and CRS a datum ParseCRS knows.
func (p Point) Validate() error {
	for _, c := range [...]struct {
		name     string
		v, limit float64
	}{{"lon", p.Lon, 180}, {"lat", p.Lat, 90}} {
		switch {
		case math.IsNaN(c.v) || math.IsInf(c.v, 0):
			return fmt.Errorf("%s %v is not a finite number", c.name, c.v)
		case c.v < -c.limit || c.v > c.limit:
			return fmt.Errorf("%s %v is out of range [%v, %v]", c.name, c.v, -c.limit, c.limit)
		}
	}
	if p.Lon == 0 && p.Lat == 0 {
		return errors.New("coordinates (0, 0) are not a real position")
	}
	_, err := ParseCRS(string(p.CRS))
	return err
}

// WGS84 validates p and returns it converted to WGS-84 with CRS "", the form
// in which points are stored.
func (p Point) WGS84() (Point, error) {
	if err := p.Validate(); err != nil {
		return Point{}, err
	}
	crs, _ := ParseCRS(string(p.CRS))
	var lon, lat float64
	switch crs {
	case WGS84:
		return Point{Lon: p.Lon, Lat: p.Lat}, nil
	case GCJ02:
		lon, lat = GCJ02ToWGS84(p.Lon, p.Lat)
	case BD09:
		lon, lat = BD09ToWGS84(p.Lon, p.Lat)
	}
	// BD-09 shifts every point on Earth by up to a few hundred metres, so
	// input at a pole or on the antimeridian can land just outside the
	// ranges; fold it back rather than store an invalid point.
	lat = math.Max(-90, math.Min(90, lat))
	if lon > 180 {
		lon -= 360
	} else if lon < -180 {
		lon += 360
	}
	// A Baidu SDK without a fix reports BD-09's image of (0, 0).
	if lon == 0 && lat == 0 {
		return Point{}, fmt.Errorf("coordinates (%v, %v) in %s are (0, 0) in wgs84, not a real position", p.Lon, p.Lat, crs)
	}
	return Point{Lon: lon, Lat: lat}, nil
}

// To returns the WGS-84 point p expressed in crs, for clients that draw on a
// Chinese map. A p still in another datum is first brought to WGS-84, so
// asking for the datum it is already in gives it back; an unknown crs gives
// the WGS-84 point, with CRS "" to say so.
func (p Point) To(crs CRS) Point {
	lon, lat := p.Lon, p.Lat
	switch from, _ := ParseCRS(string(p.CRS)); from {
	case GCJ02:
		lon, lat = GCJ02ToWGS84(lon, lat)
	case BD09:
		lon, lat = BD09ToWGS84(lon, lat)
	}
	switch to, _ := ParseCRS(string(crs)); to {
	case GCJ02:
		lon, lat = WGS84ToGCJ02(lon, lat)
		return Point{Lon: lon, Lat: lat, CRS: GCJ02}
	case BD09:
		lon, lat = WGS84ToBD09(lon, lat)
		return Point{Lon: lon, Lat: lat, CRS: BD09}
	}
	return Point{Lon: lon, Lat: lat}
}

// MarshalJSON writes {"lon":..,"lat":..}, adding "crs" only when p is not in
// WGS-84, so stored points read the same as they always have.
func (p Point) MarshalJSON() ([]byte, error) {
	if math.IsNaN(p.Lon) || math.IsInf(p.Lon, 0) || math.IsNaN(p.Lat) || math.IsInf(p.Lat, 0) {
		return nil, fmt.Errorf("point (%v, %v) is not finite", p.Lon, p.Lat)
	}
	crs := p.CRS
	if c, err := ParseCRS(string(crs)); err == nil {
		crs = c
	}
	if crs == WGS84 {
		crs = ""
	}
	return json.Marshal(struct {
		Lon float64 `json:"lon"`
		Lat float64 `json:"lat"`
		CRS CRS     `json:"crs,omitempty"`
	}{p.Lon, p.Lat, crs})
}

var errShape = errors.New(`point must be {"lon","lat"} or a GeoJSON Point`)

// UnmarshalJSON reads {"lon":..,"lat":..,"crs":..} or a GeoJSON Point
// {"type":"Point","coordinates":[lon,lat],"crs":..}, ignoring an altitude.
// It checks only the shape: the domain checks ranges through WGS84, where it
// can name the field, so an out-of-range or unknown-datum point decodes. A
// known crs is stored in canonical form, and WGS-84 as "". JSON null leaves
// p unchanged, and so does an error.
func (p *Point) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return errShape
	}
	var crs CRS
	if c, ok := raw["crs"]; ok {
		var s *string
		if err := json.Unmarshal(c, &s); err != nil {
			return errors.New("crs must be a string: wgs84, gcj02 or bd09")
		}
		if s != nil {
			crs = CRS(*s)
			if known, err := ParseCRS(*s); err == nil {
				crs = known
			}
			if crs == WGS84 {
				crs = ""
			}
		}
	}
	var (
		q   Point
		err error
	)
	_, isType := raw["type"]
	_, isCoords := raw["coordinates"]
	if isType || isCoords {
		q, err = decodeGeoJSON(data, raw)
	} else {
		q, err = decodeLonLat(raw)
	}
	if err != nil {
		return err
	}
	q.CRS = crs
	*p = q
	return nil
}

func decodeLonLat(raw map[string]json.RawMessage) (Point, error) {
	for k := range raw {
		if k != "lon" && k != "lat" && k != "crs" {
			return Point{}, fmt.Errorf("unknown field %q in point", k)
		}
	}
	lonRaw, okLon := raw["lon"]
	latRaw, okLat := raw["lat"]
	if !okLon || !okLat {
		return Point{}, errors.New("point needs both lon and lat")
	}
	lon, err := number("lon", lonRaw)
	if err != nil {
		return Point{}, err
	}
	lat, err := number("lat", latRaw)
	if err != nil {
		return Point{}, err
	}
	return Point{Lon: lon, Lat: lat}, nil
}

// decodeGeoJSON reads a GeoJSON Point with orb's geojson package, once the
// members are checked here: orb reads a coordinate that is null, missing or
// beyond the third as nothing, so [120] and [120, null] would be (120, 0).
func decodeGeoJSON(data []byte, raw map[string]json.RawMessage) (Point, error) {
	for k := range raw {
		// RFC 7946 allows a bbox member on any geometry; GIS exports write it.
		if k != "type" && k != "coordinates" && k != "crs" && k != "bbox" {
			return Point{}, fmt.Errorf("unknown field %q in point", k)
		}
	}
	var typ string
	if err := json.Unmarshal(raw["type"], &typ); err != nil {
		return Point{}, errors.New(`a GeoJSON point needs "type": "Point"`)
	}
	if typ != "Point" {
		return Point{}, fmt.Errorf(`GeoJSON type must be "Point", not %q`, typ)
	}
	var coords []json.RawMessage
	if err := json.Unmarshal(raw["coordinates"], &coords); err != nil || len(coords) < 2 || len(coords) > 3 {
		return Point{}, errors.New("coordinates must be [lon, lat]")
	}
	if _, err := number("lon", coords[0]); err != nil {
		return Point{}, err
	}
	if _, err := number("lat", coords[1]); err != nil {
		return Point{}, err
	}
	if len(coords) == 3 && !isNumber(coords[2]) {
		return Point{}, errors.New("altitude must be a number")
	}
	g, err := geojson.UnmarshalGeometry(data)
	if err != nil {
		return Point{}, errors.New("coordinates must be [lon, lat]")
	}
	pt, ok := g.Coordinates.(orb.Point)
	if !ok {
		return Point{}, errors.New(`a GeoJSON point needs "type": "Point"`)
	}
	return FromOrb(pt), nil
}

// isNumber tells a JSON number from the other JSON values by its first byte;
// raw has already been through the JSON parser.
func isNumber(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

// number parses a JSON number by hand because encoding/json would decode
// null as 0 and so turn a missing coordinate into a real-looking one.
func number(name string, raw json.RawMessage) (float64, error) {
	if !isNumber(raw) {
		return 0, fmt.Errorf("%s must be a number", name)
	}
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
	if err != nil {
		return 0, fmt.Errorf("%s is too large to be a coordinate", name)
	}
	return f, nil
}
