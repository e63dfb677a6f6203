package demo

import (
	"testing"

	"dispatchd/geo"
	"dispatchd/regions"
)

// TestOutlines: the demo's county outlines are valid boundaries (the
// importer's own reader takes them), one per county, and each county's
// point lies in its own outline.
func TestOutlines(t *testing.T) {
	bs, err := regions.ParseBoundaries(Outlines(), geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	var rs []regions.Region
	for _, b := range bs {
		rs = append(rs, regions.Region{Code: b.Code, Boundary: b.Geometry})
	}
	x := regions.NewIndex(rs)
	n := 0
	for _, c := range zhejiang {
		for _, ct := range c.counties {
			n++
			if got := x.Locate(geo.Point{Lon: ct.lon, Lat: ct.lat}); got != ct.code {
				t.Errorf("%s %s: its point is located in %q", ct.code, ct.name, got)
			}
		}
	}
	if len(bs) != n {
		t.Errorf("%d outlines for %d counties", len(bs), n)
	}
}
