package resources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"dispatchd"
	"dispatchd/geo"
)

// feature is one GeoJSON feature as imports read it. The envelope is read
// here, not by orb's geojson.Feature, so that a feature of another type is
// an error on its line rather than the end of the file; the geometry is
// read as a geo.Point, which reads a GeoJSON Point through orb's geojson
// package after checks orb does not make (a missing or null coordinate is
// not 0) and keeps a crs member.
type feature struct {
	Type       string          `json:"type"`
	ID         any             `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// geoParser reads a GeoJSON FeatureCollection a feature at a time.
type geoParser struct {
	dec     *json.Decoder
	lines   *lineReader
	inside  bool // within the features array
	sawType bool
}

// newGeoParser reads the start of the object.
func newGeoParser(_ ImportKind, r io.Reader) (*geoParser, error) {
	lines := &lineReader{r: r, line: 1}
	g := &geoParser{dec: json.NewDecoder(lines), lines: lines}
	if t, err := g.dec.Token(); err != nil || t != json.Delim('{') {
		return nil, g.fail(err, "the file must be a GeoJSON FeatureCollection object")
	}
	return g, nil
}

// fail returns the error that ends the reading of the file, at the line the
// decoder is at.
func (g *geoParser) fail(err error, format string, args ...any) error {
	if ae := appError(err); ae != nil {
		return ae
	}
	var errs dispatchd.FileErrors
	errs.Add(g.lines.at(g.dec.InputOffset()), "", format, args...)
	return errs.Err()
}

func (g *geoParser) fill(b *Batch, max int) (bool, error) {
	dec := g.dec
	for {
		if g.inside {
			for dec.More() {
				if b.Len() >= max {
					return false, nil
				}
				line := g.lines.valueAt(dec.InputOffset())
				var f feature
				if err := dec.Decode(&f); err != nil {
					if ae := appError(err); ae != nil {
						return true, ae
					}
					var errs dispatchd.FileErrors
					errs.Add(line, "", "invalid feature: %s", jsonErrMessage(err))
					return true, errs.Err()
				}
				b.addFeature(&f, line, &b.errs)
			}
			if _, err := dec.Token(); err != nil {
				return true, g.fail(err, "invalid JSON: %v", err)
			}
			g.inside = false
		}
		if !dec.More() {
			if !g.sawType {
				var errs dispatchd.FileErrors
				errs.Add(1, "type", "must be \"FeatureCollection\"")
				return true, errs.Err()
			}
			return true, nil
		}
		t, err := dec.Token()
		if err != nil {
			return true, g.fail(err, "invalid JSON: %v", err)
		}
		key, _ := t.(string)
		switch key {
		case "type":
			var typ string
			if err := dec.Decode(&typ); err != nil || typ != "FeatureCollection" {
				return true, g.fail(err, "type must be \"FeatureCollection\"")
			}
			g.sawType = true
		case "features":
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return true, g.fail(err, "features must be an array")
			}
			g.inside = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return true, g.fail(err, "invalid JSON: %v", err)
			}
		}
	}
}

// addFeature decodes one feature; line is where it starts.
func (b *Batch) addFeature(f *feature, line int, errs *dispatchd.FileErrors) {
	if f.Type != "Feature" {
		errs.Add(line, "type", "must be \"Feature\"")
		return
	}
	var pt geo.Point
	hasPoint := len(f.Geometry) > 0 && string(f.Geometry) != "null"
	if hasPoint {
		if err := json.Unmarshal(f.Geometry, &pt); err != nil {
			errs.Add(line, "geometry", "%v", err)
			return
		}
	}
	props := f.Properties
	if len(props) == 0 || string(props) == "null" {
		props = []byte("{}")
	}
	strict := func(v any) bool {
		d := json.NewDecoder(bytes.NewReader(props))
		d.DisallowUnknownFields()
		if err := d.Decode(v); err != nil {
			errs.Add(line, "properties", "%s", jsonErrMessage(err))
			return false
		}
		return true
	}
	id := ""
	if f.ID != nil {
		id = fmt.Sprint(f.ID)
	}
	needPoint := func() bool {
		if !hasPoint {
			errs.Add(line, "geometry", "must be a Point")
		}
		return hasPoint
	}
	switch b.Kind {
	case ImportItems:
		var it Item
		if !strict(&it) {
			return
		}
		b.Items = append(b.Items, it)
	case ImportTeams:
		var t Team
		if !strict(&t) || !needPoint() {
			return
		}
		if t.ID == "" {
			t.ID = id
		}
		t.Base = pt
		b.Teams = append(b.Teams, t)
	case ImportDepots:
		var d Depot
		if !strict(&d) || !needPoint() {
			return
		}
		if d.ID == "" {
			d.ID = id
		}
		d.Location = pt
		b.Depots = append(b.Depots, d)
	case ImportStock:
		// A feature is one depot, its stock as {"item code": on_hand}.
		var p struct {
			Depot string           `json:"depot"`
			Stock map[string]int64 `json:"stock"`
		}
		if !strict(&p) {
			return
		}
		if p.Depot == "" {
			p.Depot = id
		}
		if len(p.Stock) == 0 {
			errs.Add(line, "properties.stock", "must map item codes to on-hand quantities")
			return
		}
		for _, code := range sortedKeys(p.Stock) {
			b.Stock = append(b.Stock, StockLevel{Depot: p.Depot, Item: code, OnHand: p.Stock[code]})
			b.Lines = append(b.Lines, line)
		}
		return
	}
	b.Lines = append(b.Lines, line)
}

// jsonErrMessage turns a decoding error into a message that names the field.
func jsonErrMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: must be %s, not %s", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonTypeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "a whole number"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "slice":
		return "an array"
	case kind == "map", kind == "struct":
		return "an object"
	}
	return "a " + kind
}

// lineReader passes a reader through and maps offsets in what it read to
// line numbers. Offsets are asked for in increasing order, so it keeps only
// the bytes after the last one asked for: about what the JSON decoder holds.
type lineReader struct {
	r    io.Reader
	buf  []byte // what was read from offset base on
	base int64
	line int // the line at base, from 1
}

func (l *lineReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.buf = append(l.buf, p[:n]...)
	return n, err
}

// advance forgets the bytes before off, counting their lines.
func (l *lineReader) advance(off int64) {
	n := int(min(max(off-l.base, 0), int64(len(l.buf))))
	l.line += bytes.Count(l.buf[:n], []byte{'\n'})
	l.buf = l.buf[n:]
	l.base += int64(n)
}

// at returns the line of the byte at offset off.
func (l *lineReader) at(off int64) int {
	l.advance(off)
	return l.line
}

// valueAt returns the line of the next value at or after off: the decoder's
// offset is just past the previous token, before any comma and whitespace.
func (l *lineReader) valueAt(off int64) int {
	l.advance(off)
	i := 0
	for i < len(l.buf) && strings.IndexByte(" \t\r\n,", l.buf[i]) >= 0 {
		i++
	}
	l.advance(l.base + int64(i))
	return l.line
}
