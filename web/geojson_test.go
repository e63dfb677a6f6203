package web_test

import (
	"errors"
	"io"
	"net/http"
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
	var bodies [][]byte
	for _, f := range files {
		path := "/ui/map/" + filepath.Base(f)
		// Fetched here rather than with e.call, so that each check runs
		// once: the OpenAPI document's here, check-geojson's over all the
		// files at the end.
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("GET %s: got %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(string(body), `"MultiPolygon"`) && !strings.Contains(string(body), `"Polygon"`) {
			t.Errorf("GET %s: no polygons", path)
		}
		if err := apiDoc(t).Check(nil, resp, body); err != nil { // geojsontest.Check included
			t.Error(err)
		}
		bodies = append(bodies, body)
	}
	if err := geojsontest.Validate(bodies...); err != nil {
		if errors.Is(err, geojsontest.ErrNoValidator) && os.Getenv("CI") != "true" {
			t.Skip(err)
		}
		t.Errorf("the files in order %v: %v", files, err)
	}
}
