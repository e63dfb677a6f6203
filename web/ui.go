package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
)

// The pages are built by web/ui/build.mjs (make build) into web/ui/dist.
//
//go:embed all:ui/dist
var uiDist embed.FS

// MapConfig is what the operator configures of the map: authoritative
// boundaries instead of the demo ones, and a tile layer drawn beneath.
type MapConfig struct {
	// Boundaries is a GeoJSON file (.geojson, .json) or a PMTiles archive
	// (.pmtiles) served at /map/boundaries.*; empty means the demo
	// boundaries built into the binary.
	Boundaries string
	// BoundariesLayer is the layer of a PMTiles archive to draw
	// (default "boundaries").
	BoundariesLayer string
	// Tiles is a raster tile URL template ({z}/{x}/{y}), e.g. a local tile
	// server, drawn beneath the boundaries.
	Tiles string
	// TilesAttribution credits the tiles on the map.
	TilesAttribution string
}

// asset is one embedded file with its gzip copy and validator.
type asset struct {
	body, gz []byte
	ctype    string
	etag     string
}

// assets reads the built pages once at start.
type assets struct {
	files map[string]*asset
	built bool
}

func loadAssets() *assets {
	a := &assets{files: map[string]*asset{}}
	sub, err := fs.Sub(uiDist, "ui/dist")
	if err != nil {
		return a
	}
	_ = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".gz") || path.Base(p) == ".gitkeep" {
			return nil
		}
		body, err := fs.ReadFile(sub, p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(body)
		f := &asset{body: body, ctype: assetType(p), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		if gz, err := fs.ReadFile(sub, p+".gz"); err == nil {
			f.gz = gz
		}
		a.files[p] = f
		a.built = true
		return nil
	})
	return a
}

func assetType(p string) string {
	switch path.Ext(p) {
	case ".mjs", ".js":
		return "text/javascript; charset=utf-8"
	case ".geojson":
		return "application/geo+json"
	case "":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// serve writes the asset, gzipped when the client takes it, and answers a
// matching If-None-Match with 304. Pages are revalidated on every load, so
// a new binary's pages are picked up at once.
func (f *asset) serve(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	h.Add("Vary", "Accept-Encoding")
	if match := c.Request().Header.Get("If-None-Match"); match != "" && strings.Contains(match, f.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	body := f.body
	if f.gz != nil && acceptsGzip(c.Request()) {
		h.Set(echo.HeaderContentEncoding, "gzip")
		body = f.gz
	}
	return c.Blob(http.StatusOK, f.ctype, body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

func (s *Server) notBuilt() error {
	return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "the pages are not built into this binary: build it with `make build`")
}

// page handles GET /screen, /lead and /depot: the page's HTML, which logs
// in by itself.
func (s *Server) page(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, ok := s.ui.files[name+".html"]
		if !ok {
			return s.notBuilt()
		}
		c.Response().Header().Set("Content-Security-Policy",
			"default-src 'self'; img-src 'self' data: blob: https: http:; style-src 'self' 'unsafe-inline'; "+
				"worker-src 'self' blob:; connect-src 'self' ws: wss: https: http:; frame-ancestors 'none'")
		return f.serve(c)
	}
}

// home handles GET /: the large screen.
func (s *Server) home(c echo.Context) error {
	return c.Redirect(http.StatusFound, "/screen")
}

// uiAsset handles GET /ui/*: the pages' scripts, styles and base map.
func (s *Server) uiAsset(c echo.Context) error {
	p := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
	f, ok := s.ui.files[p]
	if !ok {
		if !s.ui.built {
			return s.notBuilt()
		}
		return dispatchd.Errorf(dispatchd.ENOTFOUND, "no file %s", p)
	}
	return f.serve(c)
}

// mapConfig handles GET /api/v1/map: the layers the pages draw.
func (s *Server) mapConfig(c echo.Context) error {
	m := s.mapCfg
	type layer struct {
		Kind string `json:"kind"` // geojson, pmtiles, raster
		// URL may hold {province}: the first two digits of the GB/T 2260
		// codes of the depots shown, one file per province.
		URL   string `json:"url"`
		Layer string `json:"layer,omitempty"`
	}
	out := struct {
		Boundaries  []layer `json:"boundaries"`
		Tiles       *layer  `json:"tiles,omitempty"`
		Attribution string  `json:"attribution"`
		Demo        bool    `json:"demo"`
	}{Attribution: m.TilesAttribution}
	switch {
	case m.Boundaries == "":
		out.Demo = true
		out.Boundaries = []layer{{Kind: "geojson", URL: "/ui/map/provinces.geojson", Layer: "provinces"},
			{Kind: "geojson", URL: "/ui/map/cities-{province}.geojson", Layer: "cities"}}
		out.Attribution = strings.TrimPrefix(out.Attribution+" · Boundaries: Apache ECharts 4.9.0 (demo only)", " · ")
	case isPMTiles(m.Boundaries):
		l := m.BoundariesLayer
		if l == "" {
			l = "boundaries"
		}
		out.Boundaries = []layer{{Kind: "pmtiles", URL: "/map/boundaries.pmtiles", Layer: l}}
	default:
		out.Boundaries = []layer{{Kind: "geojson", URL: "/map/boundaries.geojson", Layer: "boundaries"}}
	}
	if m.Tiles != "" {
		out.Tiles = &layer{Kind: "raster", URL: m.Tiles}
	}
	return reply(c, http.StatusOK, out)
}

func isPMTiles(p string) bool { return strings.EqualFold(filepath.Ext(p), ".pmtiles") }

// boundaries handles GET /map/boundaries.geojson and .pmtiles: the
// operator's file, with HTTP Range for PMTiles. It is sent as stored,
// never gzipped: a compressed range would not be the bytes asked for.
func (s *Server) boundaries(c echo.Context) error {
	want := strings.TrimPrefix(path.Ext(c.Path()), ".")
	if s.mapCfg.Boundaries == "" || (want == "pmtiles") != isPMTiles(s.mapCfg.Boundaries) {
		return dispatchd.Errorf(dispatchd.ENOTFOUND, "no %s boundaries are configured (--map-boundaries)", want)
	}
	// The cause names the file's path: logged, never shown.
	f, err := os.Open(s.mapCfg.Boundaries)
	if err != nil {
		return &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Message: "the boundaries file cannot be read", Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", s.mapCfg.Boundaries)
	}
	if err != nil {
		return &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Message: "the boundaries file cannot be read", Err: err}
	}
	h := c.Response().Header()
	if want == "pmtiles" {
		h.Set(echo.HeaderContentType, "application/vnd.pmtiles")
	} else {
		h.Set(echo.HeaderContentType, "application/geo+json")
	}
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(c.Response(), c.Request(), "", st.ModTime().Truncate(time.Second), f)
	return nil
}
