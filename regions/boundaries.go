package regions

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/paulmach/orb/geojson"

	"dispatchd"
	"dispatchd/geo"
)

// MaxBoundaries bounds the features of one boundaries file: every county
// and township of China is about 45,000.
const MaxBoundaries = 100_000

// Boundary is one region's outline, read from a boundaries file.
type Boundary struct {
	Line int
	Code string
	// Geometry is the outline as compact GeoJSON, in WGS-84.
	Geometry string
}

// ParseBoundaries reads a GeoJSON FeatureCollection of region outlines:
// each feature has the property code (or adcode, as DataV.GeoAtlas and
// AMap publish it, a number or a string) and a Polygon or MultiPolygon
// geometry, whose rings must be closed, of four positions at least, with
// longitudes and latitudes in range. crs is the datum of the coordinates
// (DataV's are GCJ-02); they are stored in WGS-84. Every bad feature is
// reported with its line, and then nothing is returned.
func ParseBoundaries(data []byte, crs geo.CRS) ([]Boundary, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := &geoReader{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	var errs dispatchd.FileErrors
	fail := func(format string, args ...any) error {
		errs.Add(p.line(p.dec.InputOffset()), "", format, args...)
		return errs.Err()
	}
	if t, err := p.dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fail("the file must be a GeoJSON FeatureCollection object")
	}
	var out []Boundary
	sawType, sawFeatures := false, false
	seen := map[string]int{}
	for p.dec.More() {
		t, err := p.dec.Token()
		if err != nil {
			return nil, fail("invalid JSON: %s", jsonMessage(err))
		}
		switch key, _ := t.(string); key {
		case "type":
			var typ string
			if err := p.dec.Decode(&typ); err != nil || typ != "FeatureCollection" {
				errs.Add(1, "type", "must be \"FeatureCollection\"")
				return nil, errs.Err()
			}
			sawType = true
		case "features":
			if t, err := p.dec.Token(); err != nil || t != json.Delim('[') {
				return nil, fail("features must be an array")
			}
			sawFeatures = true
			for p.dec.More() {
				line := p.valueLine()
				var f struct {
					Type       string                     `json:"type"`
					Properties map[string]json.RawMessage `json:"properties"`
					Geometry   json.RawMessage            `json:"geometry"`
				}
				if err := p.dec.Decode(&f); err != nil {
					errs.Add(line, "", "invalid feature: %s", jsonMessage(err))
					return nil, errs.Err()
				}
				if len(out) >= MaxBoundaries {
					return nil, dispatchd.Errorf(dispatchd.ETOOLARGE, "the file has more than %d features: split it", MaxBoundaries)
				}
				b, ok := readBoundary(&errs, line, f.Type, f.Properties, f.Geometry, crs)
				if !ok {
					continue
				}
				if first, dup := seen[b.Code]; dup {
					errs.Add(line, "properties.code", "region %s already has a boundary on line %d", b.Code, first)
					continue
				}
				seen[b.Code] = line
				out = append(out, b)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, fail("invalid JSON: %s", jsonMessage(err))
			}
		default:
			var skip json.RawMessage
			if err := p.dec.Decode(&skip); err != nil {
				return nil, fail("invalid JSON: %s", jsonMessage(err))
			}
		}
	}
	if !sawType {
		errs.Add(1, "type", "must be \"FeatureCollection\"")
	}
	if errs.Total() > 0 {
		return nil, errs.Err()
	}
	if !sawFeatures || len(out) == 0 {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "the file has no features to import")
	}
	return out, nil
}

// readBoundary checks one feature and returns its boundary.
func readBoundary(errs *dispatchd.FileErrors, line int, typ string, props map[string]json.RawMessage, geometry json.RawMessage, crs geo.CRS) (Boundary, bool) {
	before := errs.Total()
	if typ != "Feature" {
		errs.Add(line, "type", "must be \"Feature\"")
		return Boundary{}, false
	}
	code := ""
	raw, ok := props["code"]
	if !ok {
		raw, ok = props["adcode"]
	}
	if ok {
		var s string
		var n json.Number
		if json.Unmarshal(raw, &s) == nil {
			code = strings.TrimSpace(s)
		} else if json.Unmarshal(raw, &n) == nil {
			code = n.String()
		}
	}
	switch {
	case !ok:
		errs.Add(line, "properties.code", "is required: the region code of the outline (code or adcode)")
	case !dispatchd.ValidRegion(code):
		errs.Add(line, "properties.code", "must be a GB/T 2260 region code: 6 digits, 9 for a township")
	}
	area, msgs := geo.ReadArea(geometry, crs)
	for _, m := range msgs {
		errs.Add(line, "geometry", "%s", m)
	}
	if errs.Total() > before {
		return Boundary{}, false
	}
	out, err := json.Marshal(geojson.NewGeometry(area))
	if err != nil {
		errs.Add(line, "geometry", "%v", err)
		return Boundary{}, false
	}
	return Boundary{Line: line, Code: code, Geometry: string(out)}, true
}

// geoReader maps the decoder's offsets to lines; they are asked for in
// increasing order.
type geoReader struct {
	data []byte
	dec  *json.Decoder
	off  int64
	at   int // the line at off
}

func (g *geoReader) line(off int64) int {
	off = min(max(off, g.off), int64(len(g.data)))
	if g.at == 0 {
		g.at = 1
	}
	g.at += bytes.Count(g.data[g.off:off], []byte{'\n'})
	g.off = off
	return g.at
}

// valueLine is the line of the next value: past the comma and spaces
// after the decoder's offset.
func (g *geoReader) valueLine() int {
	off := g.dec.InputOffset()
	for off < int64(len(g.data)) && strings.IndexByte(" \t\r\n,", g.data[off]) >= 0 {
		off++
	}
	return g.line(off)
}

func jsonMessage(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return se.Error() + " at byte " + strconv.FormatInt(se.Offset, 10)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
