package regions

import (
	"context"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"dispatchd"
)

// Cover returns the codes of the regions whose boundaries a WGS-84 polygon
// (a ring of [lon, lat] positions) overlaps, in code order: the deepest of
// each branch, so that a region is left out when a region below it with a
// boundary of its own is in. A region the polygon only touches along a
// shared border is in, since a warning drawn along a border should rather
// reach one region too many than one too few.
func (x *Index) Cover(ring [][2]float64) []string {
	if x == nil || len(ring) < 3 {
		return nil
	}
	r := make(orb.Ring, len(ring))
	for i, p := range ring {
		r[i] = orb.Point{p[0], p[1]}
	}
	if !r.Closed() {
		r = append(r, r[0])
	}
	b := r.Bound()
	var hit []string
	for _, e := range x.entries {
		if !e.bound.Intersects(b) {
			continue
		}
		var polys orb.MultiPolygon
		switch g := e.geom.(type) {
		case orb.Polygon:
			polys = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			polys = g
		}
		if slices.ContainsFunc(polys, func(p orb.Polygon) bool { return overlaps(r, b, p) }) {
			hit = append(hit, e.code)
		}
	}
	out := hit[:0:0]
	for _, c := range hit {
		deeper := slices.ContainsFunc(hit, func(d string) bool { return d != c && dispatchd.InRegion(c, d) })
		if !deeper {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// overlaps reports whether the ring r (of bound b) and the polygon p share
// any point: a vertex of one inside the other, or two edges that cross.
func overlaps(r orb.Ring, b orb.Bound, p orb.Polygon) bool {
	if len(p) == 0 || !p.Bound().Intersects(b) {
		return false
	}
	if slices.ContainsFunc(r, func(pt orb.Point) bool { return planar.PolygonContains(p, pt) }) {
		return true
	}
	outer := orb.Polygon{r}
	if slices.ContainsFunc(p[0], func(pt orb.Point) bool { return planar.PolygonContains(outer, pt) }) {
		return true
	}
	for _, ring := range p {
		for i := 1; i < len(ring); i++ {
			c, d := ring[i-1], ring[i]
			if max(c[0], d[0]) < b.Min[0] || min(c[0], d[0]) > b.Max[0] || max(c[1], d[1]) < b.Min[1] || min(c[1], d[1]) > b.Max[1] {
				continue
			}
			for j := 1; j < len(r); j++ {
				if crosses(r[j-1], r[j], c, d) {
					return true
				}
			}
		}
	}
	return false
}

// crosses reports whether the segments ab and cd intersect, end points
// included.
func crosses(a, b, c, d orb.Point) bool {
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(c, d, a)) || (d2 == 0 && onSegment(c, d, b)) ||
		(d3 == 0 && onSegment(a, b, c)) || (d4 == 0 && onSegment(a, b, d))
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// Cover returns the regions a WGS-84 polygon overlaps (Index.Cover); ok
// is false when no boundary is loaded, so that the polygon could select
// none.
func (s *Service) Cover(ctx context.Context, ring [][2]float64) (codes []string, ok bool, err error) {
	x, err := s.Index(ctx)
	if err != nil {
		return nil, false, err
	}
	if x.Len() == 0 {
		return nil, false, nil
	}
	return x.Cover(ring), true, nil
}
