package regions

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"dispatchd/geo"
)

// Index finds the region whose boundary holds a point: each boundary with
// its bounding box, the deepest regions first, so that a point in a county
// that lies in a city with a boundary of its own gives the county. It is
// read-only once built and safe for concurrent use; a nil Index holds no
// boundary.
type Index struct {
	gen     int64
	entries []entry
}

type entry struct {
	code  string
	depth int
	bound orb.Bound
	geom  orb.Geometry // orb.Polygon or orb.MultiPolygon
}

// NewIndex builds an index of the regions' boundaries. A boundary that is
// not a Polygon or MultiPolygon (which an import never writes) is left
// out.
func NewIndex(rs []Region) *Index {
	x := &Index{}
	for _, r := range rs {
		if r.Boundary == "" {
			continue
		}
		g, err := geojson.UnmarshalGeometry([]byte(r.Boundary))
		if err != nil {
			continue
		}
		switch g.Coordinates.(type) {
		case orb.Polygon, orb.MultiPolygon:
		default:
			continue
		}
		x.entries = append(x.entries, entry{code: r.Code, depth: slices.Index(Levels, LevelOf(r.Code)),
			bound: g.Coordinates.Bound(), geom: g.Coordinates})
	}
	slices.SortFunc(x.entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(b.depth, a.depth), cmp.Compare(a.code, b.code))
	})
	return x
}

// Len returns the number of boundaries.
func (x *Index) Len() int {
	if x == nil {
		return 0
	}
	return len(x.entries)
}

// Locate returns the code of the deepest region whose boundary holds the
// WGS-84 point p, "" when none does.
func (x *Index) Locate(p geo.Point) string {
	if x == nil {
		return ""
	}
	pt := p.Orb()
	for _, e := range x.entries {
		if !e.bound.Contains(pt) {
			continue
		}
		switch g := e.geom.(type) {
		case orb.Polygon:
			if planar.PolygonContains(g, pt) {
				return e.code
			}
		case orb.MultiPolygon:
			if planar.MultiPolygonContains(g, pt) {
				return e.code
			}
		}
	}
	return ""
}

// Each calls fn for every boundary of the index, the deepest regions
// first, then by code: the region's code, level and outline (an
// orb.Polygon or orb.MultiPolygon, which fn must not change).
func (x *Index) Each(fn func(code string, level Level, g orb.Geometry)) {
	if x == nil {
		return
	}
	for _, e := range x.entries {
		fn(e.code, Levels[e.depth], e.geom)
	}
}
