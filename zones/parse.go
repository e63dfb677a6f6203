package zones

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"dispatchd"
	"dispatchd/geo"
)

// Bounds of one import.
const (
	// MaxFeatures bounds the zones of one FeatureCollection.
	MaxFeatures = 20_000
	// MaxWindow bounds a zone's validity window: forecasts reach 48 hours,
	// warnings a few days.
	MaxWindow = 7 * 24 * time.Hour
	// MaxName bounds a zone's name, in characters.
	MaxName = 200
)

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// ParseFeatureCollection reads an import of risk zones: a GeoJSON
// FeatureCollection whose features have a Polygon or MultiPolygon geometry
// and the properties level (red, orange, yellow, blue), hazard (one of
// hazards), valid_from and valid_to (RFC 3339, valid_to after valid_from,
// at most MaxWindow apart), and optionally name and id (or the feature's
// id). crs is the datum of the coordinates; the zones are in WGS-84, their
// rings wound by the right-hand rule. Every bad feature is reported as
// field errors (features[3].properties.level), and then nothing is
// returned. Zones without an id get none: the caller names them.
func ParseFeatureCollection(data []byte, hazards []string, crs geo.CRS) ([]Zone, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "", Message: "must be a GeoJSON FeatureCollection: " + jsonMessage(err)})
	}
	if fc.Type != "FeatureCollection" {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "type", Message: `must be "FeatureCollection"`})
	}
	if len(fc.Features) == 0 {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "features", Message: "must hold one zone at least"})
	}
	if len(fc.Features) > MaxFeatures {
		return nil, dispatchd.Errorf(dispatchd.ETOOLARGE, "the collection has %d features, more than %d: split it", len(fc.Features), MaxFeatures)
	}
	var errs dispatchd.FileErrors
	out := make([]Zone, 0, len(fc.Features))
	seen := map[string]int{}
	for i, raw := range fc.Features {
		z, ok := readFeature(&errs, fmt.Sprintf("features[%d]", i), raw, hazards, crs)
		if !ok {
			continue
		}
		if z.ID != "" {
			if first, dup := seen[z.ID]; dup {
				errs.Add(0, fmt.Sprintf("features[%d].properties.id", i), "zone %s is also features[%d]", z.ID, first)
				continue
			}
			seen[z.ID] = i
		}
		out = append(out, z)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// readFeature checks one feature and returns its zone.
func readFeature(errs *dispatchd.FileErrors, at string, raw json.RawMessage, hazards []string, crs geo.CRS) (Zone, bool) {
	before := errs.Total()
	bad := func(field, format string, args ...any) { errs.Add(0, at+field, format, args...) }
	var f struct {
		Type       string                     `json:"type"`
		ID         json.RawMessage            `json:"id"`
		Properties map[string]json.RawMessage `json:"properties"`
		Geometry   json.RawMessage            `json:"geometry"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		bad("", "must be a GeoJSON Feature: %s", jsonMessage(err))
		return Zone{}, false
	}
	if f.Type != "Feature" {
		bad(".type", `must be "Feature"`)
	}
	var z Zone
	str := func(key string, required bool) string {
		v, ok := f.Properties[key]
		if !ok || string(v) == "null" {
			if required {
				bad(".properties."+key, "is required")
			}
			return ""
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			bad(".properties."+key, "must be a string")
			return ""
		}
		s = strings.TrimSpace(s)
		if s == "" && required {
			bad(".properties."+key, "is required")
		}
		return s
	}
	z.Level = str("level", true)
	if z.Level != "" && !slices.Contains(Levels, z.Level) {
		bad(".properties.level", "must be one of %s", strings.Join(Levels, ", "))
	}
	z.Hazard = str("hazard", true)
	if z.Hazard != "" && !slices.Contains(hazards, z.Hazard) {
		bad(".properties.hazard", "must be one of %s", strings.Join(hazards, ", "))
	}
	z.Name = str("name", false)
	if utf8.RuneCountInString(z.Name) > MaxName {
		bad(".properties.name", "must be at most %d characters", MaxName)
	}
	z.ID = str("id", false)
	if z.ID == "" && len(f.ID) > 0 && string(f.ID) != "null" {
		var n json.Number
		if json.Unmarshal(f.ID, &z.ID) != nil && json.Unmarshal(f.ID, &n) == nil {
			z.ID = n.String()
		}
	}
	if z.ID != "" && !idRE.MatchString(z.ID) {
		bad(".properties.id", "must be 1 to 64 letters, digits, '.', '_', ':' or '-'")
	}
	when := func(key string) time.Time {
		s := str(key, true)
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			bad(".properties."+key, "must be an RFC 3339 time")
			return time.Time{}
		}
		return t.UTC()
	}
	z.ValidFrom, z.ValidTo = when("valid_from"), when("valid_to")
	if !z.ValidFrom.IsZero() && !z.ValidTo.IsZero() {
		switch {
		case !z.ValidTo.After(z.ValidFrom):
			bad(".properties.valid_to", "must be after valid_from")
		case z.ValidTo.Sub(z.ValidFrom) > MaxWindow:
			bad(".properties.valid_to", "must be at most %s after valid_from", MaxWindow)
		}
	}
	z.Geometry = readGeometry(func(format string, args ...any) { bad(".geometry", format, args...) }, f.Geometry, crs)
	return z, errs.Total() == before
}

// readGeometry returns a checked Polygon or MultiPolygon in WGS-84, wound
// by the right-hand rule; nil after reporting what is wrong.
func readGeometry(bad func(format string, args ...any), raw json.RawMessage, crs geo.CRS) orb.Geometry {
	g, msgs := geo.ReadArea(raw, crs)
	for _, m := range msgs {
		bad("%s", m)
	}
	switch a := g.(type) {
	case orb.Polygon:
		geo.RightHand(orb.MultiPolygon{a})
	case orb.MultiPolygon:
		geo.RightHand(a)
	}
	return g
}

func jsonMessage(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// GeometryJSON is a zone's geometry as compact GeoJSON, as stored.
func GeometryJSON(g orb.Geometry) string {
	b, err := json.Marshal(geojson.NewGeometry(g))
	if err != nil {
		return "null" // checked geometries always encode
	}
	return string(b)
}

// ParseGeometry reads a stored geometry.
func ParseGeometry(s string) (orb.Geometry, error) {
	g, err := geojson.UnmarshalGeometry([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode a zone's geometry: %w", err)
	}
	return g.Geometry(), nil
}
