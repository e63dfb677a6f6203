// Package geo is pure geometry: points, datums (WGS-84, GCJ-02, BD-09),
// distances and boxes. It does no I/O.
package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// CRS names the datum a coordinate was given in.
type CRS string

// The datums: GPS gives WGS-84; Chinese map SDKs give GCJ-02 (AMap, Tencent)
// or BD-09 (Baidu).
const (
	WGS84 CRS = "wgs84"
	GCJ02 CRS = "gcj02"
	BD09  CRS = "bd09"
)

// ParseCRS accepts "", wgs84, gcj02 and bd09 in any case, with or without a
// dash; "" means WGS-84.
func ParseCRS(s string) (CRS, error) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "") {
	case "", "wgs84":
		return WGS84, nil
	case "gcj02":
		return GCJ02, nil
	case "bd09":
		return BD09, nil
	}
	return "", fmt.Errorf("unknown crs %q: want wgs84, gcj02 or bd09", s)
}

// Point is a position, longitude first. CRS is the datum the coordinates were
// given in; "" means WGS-84. Stored points are WGS-84 with CRS "".
type Point struct {
	Lon, Lat float64
	CRS      CRS
}

// Validate reports whether the point is a real position: finite, in range,
// not the (0, 0) fix that broken trackers send, and in a known datum.
func (p Point) Validate() error {
	switch {
	case math.IsNaN(p.Lon) || math.IsInf(p.Lon, 0) || math.IsNaN(p.Lat) || math.IsInf(p.Lat, 0):
		return errors.New("coordinates must be finite numbers")
	case p.Lon < -180 || p.Lon > 180:
		return fmt.Errorf("lon %v is out of range [-180, 180]", p.Lon)
	case p.Lat < -90 || p.Lat > 90:
		return fmt.Errorf("lat %v is out of range [-90, 90]", p.Lat)
	case p.Lon == 0 && p.Lat == 0:
		return errors.New("coordinates (0, 0) are not a real position")
	}
	_, err := ParseCRS(string(p.CRS))
	return err
}

// WGS84 validates p and returns it in WGS-84, with CRS "".
func (p Point) WGS84() (Point, error) {
	if err := p.Validate(); err != nil {
		return Point{}, err
	}
	crs, _ := ParseCRS(string(p.CRS))
	lon, lat := p.Lon, p.Lat
	switch crs {
	case GCJ02:
		lon, lat = GCJ02ToWGS84(lon, lat)
	case BD09:
		lon, lat = BD09ToWGS84(lon, lat)
	}
	return Point{Lon: lon, Lat: lat}, nil
}

// To returns the WGS-84 point p in crs.
func (p Point) To(crs CRS) Point {
	switch crs {
	case GCJ02:
		lon, lat := WGS84ToGCJ02(p.Lon, p.Lat)
		return Point{Lon: lon, Lat: lat, CRS: GCJ02}
	case BD09:
		lon, lat := WGS84ToBD09(p.Lon, p.Lat)
		return Point{Lon: lon, Lat: lat, CRS: BD09}
	}
	return Point{Lon: p.Lon, Lat: p.Lat}
}

type pointJSON struct {
	Lon *float64 `json:"lon,omitempty"`
	Lat *float64 `json:"lat,omitempty"`
	CRS CRS      `json:"crs,omitempty"`
}

// MarshalJSON writes {"lon":..,"lat":..}, and "crs" when it is not WGS-84.
func (p Point) MarshalJSON() ([]byte, error) {
	crs := p.CRS
	if crs == WGS84 {
		crs = ""
	}
	return json.Marshal(pointJSON{Lon: &p.Lon, Lat: &p.Lat, CRS: crs})
}

var errShape = errors.New(`point must be {"lon","lat"} or a GeoJSON Point`)

// UnmarshalJSON reads {"lon":..,"lat":..,"crs":..} or a GeoJSON Point
// {"type":"Point","coordinates":[lon,lat],"crs":..}. It checks only the
// shape: the domain checks ranges, with the field's name, through WGS84.
func (p *Point) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return errShape
	}
	var crs string
	if c, ok := raw["crs"]; ok {
		if err := json.Unmarshal(c, &crs); err != nil {
			return errors.New("crs must be a string: wgs84, gcj02 or bd09")
		}
	}
	if _, ok := raw["type"]; ok {
		return p.unmarshalGeoJSON(raw, CRS(crs))
	}
	for k := range raw {
		if k != "lon" && k != "lat" && k != "crs" {
			return fmt.Errorf("unknown field %q in point", k)
		}
	}
	lonRaw, okLon := raw["lon"]
	latRaw, okLat := raw["lat"]
	if !okLon || !okLat {
		return errors.New("point needs both lon and lat")
	}
	var lon, lat float64
	if json.Unmarshal(lonRaw, &lon) != nil || json.Unmarshal(latRaw, &lat) != nil {
		return errors.New("lon and lat must be numbers")
	}
	*p = Point{Lon: lon, Lat: lat, CRS: CRS(crs)}
	return nil
}

func (p *Point) unmarshalGeoJSON(raw map[string]json.RawMessage, crs CRS) error {
	var typ string
	if err := json.Unmarshal(raw["type"], &typ); err != nil || typ != "Point" {
		return errors.New(`a GeoJSON geometry here must have "type": "Point"`)
	}
	for k := range raw {
		if k != "type" && k != "coordinates" && k != "crs" && k != "bbox" {
			return fmt.Errorf("unknown field %q in point", k)
		}
	}
	var coords []float64
	if err := json.Unmarshal(raw["coordinates"], &coords); err != nil || len(coords) < 2 || len(coords) > 3 {
		return errors.New("coordinates must be [lon, lat]")
	}
	*p = Point{Lon: coords[0], Lat: coords[1], CRS: crs}
	return nil
}
