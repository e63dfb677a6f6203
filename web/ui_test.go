package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dispatchd/web"
)

// built skips a test of the pages when they are not built into this test
// binary (go test without make); under CI they must be.
func built(t *testing.T, e *env) {
	t.Helper()
	if r := e.call("GET", "/screen", "", nil); r.status == 503 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the pages are not built: run make test, which builds them")
		}
		t.Skip("the pages are not built (make ui)")
	}
}

// TestPagesAndAssets serves the built pages: HTML with its policy, files
// gzipped for clients that take gzip and plain for the others, 304 for an
// unchanged file, and nothing outside the pages' folder.
func TestPagesAndAssets(t *testing.T) {
	e := newEnv(t, "sqlite")
	built(t, e)
	for _, page := range []string{"/screen", "/lead", "/depot"} {
		r := e.call("GET", page, "", nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !bytes.Contains(r.body, []byte(`<script type="module"`)) {
			t.Fatalf("GET %s: got %d %s", page, r.status, r.header.Get("Content-Type"))
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: got Content-Security-Policy %q", page, csp)
		}
	}
	if r := e.call("GET", "/", "", nil); r.status != 200 || !bytes.Contains(r.body, []byte("/ui/screen.js")) {
		t.Fatalf("GET / (following the redirect): got %d", r.status)
	}

	plain := e.call("GET", "/ui/screen.js", "", nil, "Accept-Encoding", "identity")
	if plain.status != 200 || plain.header.Get("Content-Encoding") != "" || !strings.HasPrefix(plain.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("plain screen.js: got %d %q %q", plain.status, plain.header.Get("Content-Encoding"), plain.header.Get("Content-Type"))
	}
	zipped := e.call("GET", "/ui/screen.js", "", nil, "Accept-Encoding", "br, gzip;q=0.8")
	if zipped.status != 200 || zipped.header.Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzipped screen.js: got %d %q", zipped.status, zipped.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.body) {
		t.Fatalf("the gzipped file is not the plain one (%v)", err)
	}
	if len(zipped.body)*2 > len(plain.body) {
		t.Errorf("gzip: %d bytes of %d", len(zipped.body), len(plain.body))
	}
	if r := e.call("GET", "/ui/screen.js", "", nil, "If-None-Match", plain.header.Get("ETag")); r.status != 304 || len(r.body) != 0 {
		t.Fatalf("If-None-Match: got %d with %d bytes", r.status, len(r.body))
	}
	if r := e.call("GET", "/ui/screen.js", "", nil, "Accept-Encoding", "gzip;q=0"); r.header.Get("Content-Encoding") != "" {
		t.Fatalf("gzip;q=0 refuses gzip, got %q", r.header.Get("Content-Encoding"))
	}

	// MapLibre's worker sits beside the bundle that loads it.
	if r := e.call("GET", "/ui/maplibre-gl-worker.mjs", "", nil); r.status != 200 {
		t.Fatalf("worker: got %d", r.status)
	}
	// The demo base map: China's provinces, and Zhejiang's eleven cities.
	var fc struct {
		Type     string
		Features []struct {
			Properties struct{ Code, Name string }
			Geometry   struct{ Type string }
		}
	}
	e.mustJSON(e.call("GET", "/ui/map/cities-33.geojson", "", nil), 200, &fc)
	if fc.Type != "FeatureCollection" || len(fc.Features) != 11 || fc.Features[0].Properties.Name != "杭州" {
		t.Fatalf("cities of Zhejiang: got %s with %d features", fc.Type, len(fc.Features))
	}
	e.mustJSON(e.call("GET", "/ui/map/provinces.geojson", "", nil), 200, &fc)
	if len(fc.Features) < 34 {
		t.Fatalf("provinces: got %d, want 34", len(fc.Features))
	}

	for _, p := range []string{"/ui/nothing.js", "/ui/../go.mod", "/ui/%2e%2e/openapi.json", "/ui/.gitkeep"} {
		if r := e.call("GET", p, "", nil); r.status != 404 {
			t.Errorf("GET %s: got %d, want 404", p, r.status)
		}
	}
}

// TestMapConfig names the demo boundaries by default, and an operator's
// file and tiles when configured; a PMTiles file is served in ranges,
// never gzipped.
func TestMapConfig(t *testing.T) {
	e := newEnv(t, "sqlite")
	var cfg struct {
		Boundaries []struct{ Kind, URL, Layer string }
		Tiles      *struct{ Kind, URL string }
		Demo       bool
	}
	e.mustJSON(e.as("viewer", "GET", "/api/v1/map", nil), 200, &cfg)
	if !cfg.Demo || len(cfg.Boundaries) != 2 || cfg.Boundaries[1].URL != "/ui/map/cities-{province}.geojson" || cfg.Tiles != nil {
		t.Fatalf("demo map: got %+v", cfg)
	}
	e.mustProblem(e.call("GET", "/api/v1/map", "", nil), 401)
	e.mustProblem(e.call("GET", "/map/boundaries.pmtiles", "", nil), 404)

	archive := make([]byte, 100_000)
	for i := range archive {
		archive[i] = byte(i * 7)
	}
	file := filepath.Join(t.TempDir(), "china.pmtiles")
	if err := os.WriteFile(file, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	e = newEnv(t, "sqlite", func(c *web.Config) {
		c.Map = web.MapConfig{Boundaries: file, BoundariesLayer: "admin", Tiles: "http://tiles.local/{z}/{x}/{y}.png", TilesAttribution: "本地瓦片"}
	})
	e.mustJSON(e.as("commander", "GET", "/api/v1/map", nil), 200, &cfg)
	if cfg.Demo || len(cfg.Boundaries) != 1 || cfg.Boundaries[0].Kind != "pmtiles" || cfg.Boundaries[0].Layer != "admin" ||
		cfg.Tiles == nil || cfg.Tiles.URL != "http://tiles.local/{z}/{x}/{y}.png" {
		t.Fatalf("operator's map: got %+v", cfg)
	}
	r := e.call("GET", "/map/boundaries.pmtiles", "", nil, "Range", "bytes=16384-16511", "Accept-Encoding", "gzip")
	if r.status != 206 || !bytes.Equal(r.body, archive[16384:16512]) || r.header.Get("Content-Encoding") != "" {
		t.Fatalf("range: got %d, %d bytes, Content-Encoding %q", r.status, len(r.body), r.header.Get("Content-Encoding"))
	}
	if r := e.call("GET", "/map/boundaries.pmtiles", "", nil, "Range", "bytes=200000-"); r.status != 416 {
		t.Fatalf("range past the end: got %d, want 416", r.status)
	}
	if r := e.call("GET", "/map/boundaries.pmtiles", "", nil); r.status != 200 || len(r.body) != len(archive) {
		t.Fatalf("whole file: got %d, %d bytes", r.status, len(r.body))
	}
	e.mustProblem(e.call("GET", "/map/boundaries.geojson", "", nil), 404)
}

// TestItemStock answers what each depot can still promise of an item, for
// the screen's depots sized by stock.
func TestItemStock(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		adj := map[string]any{"reason": "入库", "lines": []map[string]any{{"item": "1010101", "delta": 120, "reason": "采购入库"}}}
		e.mustJSON(e.as("manager", "POST", "/api/v1/depots/d1/stock/adjustments", adj), 200, nil)
		var got struct {
			Item      string
			Available map[string]int64
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			e.mustJSON(e.as("viewer", "GET", "/api/v1/stock?item=1010101", nil), 200, &got)
			if got.Available["d1"] == 120 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got.Item != "1010101" || got.Available["d1"] != 120 || len(got.Available) != 1 {
			t.Fatalf("got %+v, want d1: 120", got)
		}
		var none struct{ Available map[string]int64 }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/stock?item=2020101", nil), 200, &none)
		if len(none.Available) != 0 {
			t.Fatalf("an item no depot holds: got %+v", none.Available)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/stock", nil), 400, "item")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/stock?item=9999999", nil), 404)
		e.mustProblem(e.call("GET", "/api/v1/stock?item=1010101", "", nil), 401)
	})
}

// TestLeadSharesLocation lets a team lead's phone report its own team's
// position, and no other team's.
func TestLeadSharesLocation(t *testing.T) {
	e := newEnv(t, "sqlite")
	before, now := time.Now().UTC().Add(-10*time.Second).Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339)
	var res struct {
		Accepted int
		Rejected []struct {
			Index  int
			Reason string
		}
	}
	body := map[string]any{"positions": []map[string]any{
		{"lon": 120.14, "lat": 30.27, "ts": before},
		{"team": "t1", "lon": 120.141, "lat": 30.271, "ts": now},
		{"team": "t2", "lon": 120.2, "lat": 30.3, "ts": now},
	}}
	e.mustJSON(e.as("lead", "POST", "/api/v1/positions", body), 200, &res)
	if res.Accepted != 2 || len(res.Rejected) != 1 || res.Rejected[0].Index != 2 || res.Rejected[0].Reason != "other_team" {
		b, _ := json.Marshal(res)
		t.Fatalf("got %s, want 2 accepted and the other team's refused", b)
	}
	e.mustProblem(e.as("manager", "POST", "/api/v1/positions", body), 403)
}
