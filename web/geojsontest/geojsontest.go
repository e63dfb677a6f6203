// Package geojsontest checks that a GeoJSON text is valid RFC 7946, twice
// over: Check is a strict checker in Go, of the structure and of what
// structural validators leave out (rings closed and of four positions or
// more, exteriors counterclockwise and holes clockwise, holes inside their
// exterior); Validate runs @placemarkio/check-geojson, a maintained
// validator from npm, installed with the pages' packages (web/ui). Only
// tests import it.
package geojsontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Check reports every way data breaks RFC 7946, each with its JSON path
// (features[2].geometry.coordinates[0]), or nil.
func Check(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	c := &checker{}
	c.object(v, "")
	return errors.Join(c.errs...)
}

type checker struct{ errs []error }

func (c *checker) fail(at, format string, args ...any) {
	if at == "" {
		at = "(root)"
	}
	if len(c.errs) < 20 {
		c.errs = append(c.errs, fmt.Errorf("%s: %s", at, fmt.Sprintf(format, args...)))
	}
}

var geometryTypes = []string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}

// object checks any GeoJSON object: a geometry, a Feature or a
// FeatureCollection.
func (c *checker) object(v any, at string) {
	o, ok := v.(map[string]any)
	if !ok {
		c.fail(at, "a GeoJSON object must be a JSON object")
		return
	}
	t, _ := o["type"].(string)
	switch t {
	case "FeatureCollection":
		fs, ok := o["features"].([]any)
		if !ok {
			c.fail(at, `a FeatureCollection needs a "features" array`)
		}
		for i, f := range fs {
			p := fmt.Sprintf("%sfeatures[%d]", dot(at), i)
			if fo, _ := f.(map[string]any); fo == nil || fo["type"] != "Feature" {
				c.fail(p, "each member of features must be a Feature")
				continue
			}
			c.object(f, p)
		}
	case "Feature":
		g, ok := o["geometry"]
		if !ok {
			c.fail(at, `a Feature needs a "geometry" member (an object or null)`)
		} else if g != nil {
			c.geometry(g, dot(at)+"geometry")
		}
		if p, ok := o["properties"]; !ok {
			c.fail(at, `a Feature needs a "properties" member (an object or null)`)
		} else if _, isObj := p.(map[string]any); p != nil && !isObj {
			c.fail(dot(at)+"properties", "must be an object or null")
		}
		if id, ok := o["id"]; ok {
			if _, s := id.(string); !s {
				if _, n := id.(json.Number); !n {
					c.fail(dot(at)+"id", "must be a string or a number")
				}
			}
		}
	default:
		c.geometry(v, at)
		return
	}
	c.bbox(o, at)
}

func dot(at string) string {
	if at == "" {
		return ""
	}
	return at + "."
}

func (c *checker) geometry(v any, at string) {
	o, ok := v.(map[string]any)
	if !ok {
		c.fail(at, "a geometry must be an object")
		return
	}
	t, _ := o["type"].(string)
	c.bbox(o, at)
	if t == "GeometryCollection" {
		gs, ok := o["geometries"].([]any)
		if !ok {
			c.fail(at, `a GeometryCollection needs a "geometries" array`)
		}
		for i, g := range gs {
			c.geometry(g, fmt.Sprintf("%sgeometries[%d]", dot(at), i))
		}
		return
	}
	found := false
	for _, g := range geometryTypes {
		found = found || g == t
	}
	if !found {
		c.fail(at, "unknown type %q", o["type"])
		return
	}
	at = dot(at) + "coordinates"
	coords, ok := o["coordinates"]
	if !ok {
		c.fail(at, "a %s needs coordinates", t)
		return
	}
	switch t {
	case "Point":
		c.position(coords, at)
	case "MultiPoint":
		c.positions(coords, at, 0)
	case "LineString":
		c.positions(coords, at, 2)
	case "MultiLineString":
		for i, l := range c.array(coords, at) {
			c.positions(l, fmt.Sprintf("%s[%d]", at, i), 2)
		}
	case "Polygon":
		c.polygon(coords, at)
	case "MultiPolygon":
		for i, p := range c.array(coords, at) {
			c.polygon(p, fmt.Sprintf("%s[%d]", at, i))
		}
	}
}

func (c *checker) array(v any, at string) []any {
	a, ok := v.([]any)
	if !ok {
		c.fail(at, "must be an array")
	}
	return a
}

// position checks [lon, lat] or [lon, lat, alt] in WGS-84 degrees.
func (c *checker) position(v any, at string) [2]float64 {
	a := c.array(v, at)
	if a == nil {
		return [2]float64{}
	}
	if len(a) < 2 || len(a) > 3 {
		c.fail(at, "a position has two or three numbers, not %d", len(a))
		return [2]float64{}
	}
	var p [3]float64
	for i, n := range a {
		num, ok := n.(json.Number)
		f, err := num.Float64()
		if !ok || err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			c.fail(at, "a position holds numbers, not %v", n)
			return [2]float64{}
		}
		p[i] = f
	}
	if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
		c.fail(at, "[%v, %v] is not a longitude and latitude", p[0], p[1])
	}
	return [2]float64{p[0], p[1]}
}

func (c *checker) positions(v any, at string, atLeast int) [][2]float64 {
	a := c.array(v, at)
	if len(a) < atLeast {
		c.fail(at, "needs %d or more positions, has %d", atLeast, len(a))
	}
	out := make([][2]float64, len(a))
	for i, p := range a {
		out[i] = c.position(p, fmt.Sprintf("%s[%d]", at, i))
	}
	return out
}

// polygon checks the rings of one polygon: each a closed ring of four or
// more positions, the exterior counterclockwise, the holes clockwise and
// inside the exterior (RFC 7946 section 3.1.6).
func (c *checker) polygon(v any, at string) {
	rings := c.array(v, at)
	if v != nil && len(rings) == 0 {
		c.fail(at, "a polygon needs an exterior ring")
	}
	var exterior [][2]float64
	for i, r := range rings {
		rat := fmt.Sprintf("%s[%d]", at, i)
		ring := c.positions(r, rat, 4)
		if len(ring) < 4 {
			continue
		}
		if ring[0] != ring[len(ring)-1] {
			c.fail(rat, "a linear ring is closed: its first position %v and last %v differ", ring[0], ring[len(ring)-1])
			continue
		}
		a := Area(ring)
		switch {
		case a == 0:
			c.fail(rat, "the ring has no area")
		case i == 0 && a < 0:
			c.fail(rat, "the exterior ring runs clockwise; the right-hand rule wants it counterclockwise")
		case i > 0 && a > 0:
			c.fail(rat, "the hole runs counterclockwise; the right-hand rule wants it clockwise")
		}
		if i == 0 {
			exterior = ring
			continue
		}
		if exterior == nil {
			continue
		}
		for j, p := range ring {
			if !Covers(exterior, p) {
				c.fail(rat, "the hole is not inside the exterior: position %d %v lies outside it", j, p)
				break
			}
		}
	}
}

// Area is the signed area of a closed ring in square degrees (the
// shoelace formula): positive when it runs counterclockwise.
func Area(ring [][2]float64) float64 {
	var s float64
	for i := 0; i+1 < len(ring); i++ {
		s += ring[i][0]*ring[i+1][1] - ring[i+1][0]*ring[i][1]
	}
	return s / 2
}

// Covers reports whether p lies inside the closed ring or on its edge.
func Covers(ring [][2]float64, p [2]float64) bool {
	in := false
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		if onSegment(a, b, p) {
			return true
		}
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func onSegment(a, b, p [2]float64) bool {
	const eps = 1e-12
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	return math.Abs(cross) <= eps &&
		p[0] >= math.Min(a[0], b[0])-eps && p[0] <= math.Max(a[0], b[0])+eps &&
		p[1] >= math.Min(a[1], b[1])-eps && p[1] <= math.Max(a[1], b[1])+eps
}

func (c *checker) bbox(o map[string]any, at string) {
	b, ok := o["bbox"]
	if !ok {
		return
	}
	a, _ := b.([]any)
	if len(a) != 4 && len(a) != 6 {
		c.fail(dot(at)+"bbox", "a bbox has 2n numbers")
	}
}

// ErrNoValidator is returned by Validate when Node.js or the validator is
// not installed (run make ui).
var ErrNoValidator = errors.New("@placemarkio/check-geojson is not installed (make ui installs it into web/ui/node_modules)")

// uiDir is web/ui, where the validator is installed.
func uiDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "ui")
}

// Validate runs @placemarkio/check-geojson over each document, in one
// Node.js process, and returns the issues it finds ("document N: ..."), or
// ErrNoValidator.
func Validate(docs ...[]byte) error {
	node, err := exec.LookPath("node")
	if err != nil {
		return ErrNoValidator
	}
	dir := uiDir()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@placemarkio", "check-geojson", "package.json")); err != nil {
		return ErrNoValidator
	}
	cmd := exec.Command(node, "check-geojson.mjs")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(bytes.Join(docs, []byte{0}))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if strings.Contains(stderr.String(), "ERR_MODULE_NOT_FOUND") || strings.Contains(stderr.String(), "Cannot find module") {
		return ErrNoValidator
	}
	if err != nil {
		return fmt.Errorf("@placemarkio/check-geojson: %s%s", strings.TrimSpace(stdout.String()), strings.TrimSpace(stderr.String()))
	}
	return nil
}
