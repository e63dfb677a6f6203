package web_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dispatchd/web/geojsontest"
)

// TestDemoBoundariesAreValid reads every file of the demo base map as the
// server sends it and holds it to RFC 7946: rings closed and of four
// positions or more, exteriors counterclockwise, holes clockwise and inside
// their exterior, islands as polygons of their own (geojsontest.Check), and
// @placemarkio/check-geojson finds nothing (geojsontest.Validate).
func TestDemoBoundariesAreValid(t *testing.T) {
	e := newEnv(t, "sqlite")
	built(t, e)
	files, err := filepath.Glob(filepath.Join("ui", "dist", "map", "*.geojson"))
	if err != nil || len(files) < 30 {
		t.Fatalf("got %d demo map files (%v), want the provinces and a file of cities per province", len(files), err)
	}
	for _, f := range files {
		path := "/ui/map/" + filepath.Base(f)
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := e.call("GET", path, "", nil, "Accept-Encoding", "identity")
			if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
				t.Fatalf("GET %s: got %d %s", path, r.status, r.header.Get("Content-Type"))
			}
			if err := geojsontest.Check(r.body); err != nil {
				t.Errorf("GET %s: %v", path, err)
			}
			if err := geojsontest.Validate(r.body); err != nil {
				if errors.Is(err, geojsontest.ErrNoValidator) && os.Getenv("CI") != "true" {
					t.Skip(err)
				}
				t.Errorf("GET %s: %v", path, err)
			}
			if !strings.Contains(string(r.body), `"MultiPolygon"`) && !strings.Contains(string(r.body), `"Polygon"`) {
				t.Errorf("GET %s: no polygons", path)
			}
		})
	}
}
