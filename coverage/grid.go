// Package coverage measures how much of each county some available team
// can reach within a target time, per capability: the counties are laid
// on a grid of square cells (2 km by default), each cell belonging to the
// county that holds its centre, and every available team reaches the
// cells whose centres its ETA (the planner's router) brings within the
// capability's target. It keeps, per capability, the count of teams that
// reach each cell, updated team by team, so that a dispatch changes one
// team's disc and not the whole grid. It does no I/O.
package coverage

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"dispatchd/geo"
)

// DefaultCellMetres is the side of a grid cell.
const DefaultCellMetres = 2000

// metresPerDegree is the length of a degree of latitude on geo's sphere.
const metresPerDegree = 6371008.8 * math.Pi / 180

// County is one county's outline, for the grid.
type County struct {
	Code string
	Name string
	// Geometry is an orb.Polygon or orb.MultiPolygon in WGS-84.
	Geometry orb.Geometry
}

// Grid is the counties rasterised into cells: the cells whose centres lie
// in a county, numbered densely. It is read-only once built.
type Grid struct {
	cellM      float64
	lon0, lat0 float64 // the south-west corner of cell row 0, column 0
	dLon, dLat float64
	rows, cols int
	// at maps row*cols+col to the cell's number, -1 outside every county.
	at []int32
	// centre and county are by cell number.
	centre []geo.Point
	county []int32
	// counties are by number; cells counts the cells of each.
	counties []County
	cells    []int32
	byCode   map[string]int32
}

// NewGrid lays the counties on a grid of cellMetres cells
// (DefaultCellMetres when 0). A cell whose centre two outlines hold goes
// to the first in code order.
func NewGrid(counties []County, cellMetres float64) *Grid {
	if !(cellMetres > 0) {
		cellMetres = DefaultCellMetres
	}
	cs := slices.Clone(counties)
	slices.SortFunc(cs, func(a, b County) int {
		switch {
		case a.Code < b.Code:
			return -1
		case a.Code > b.Code:
			return 1
		}
		return 0
	})
	g := &Grid{cellM: cellMetres, counties: cs, cells: make([]int32, len(cs)), byCode: map[string]int32{}}
	if len(cs) == 0 {
		return g
	}
	b := cs[0].Geometry.Bound()
	for _, c := range cs[1:] {
		b = b.Union(c.Geometry.Bound())
	}
	for i, c := range cs {
		g.byCode[c.Code] = int32(i)
	}
	mid := (b.Min.Lat() + b.Max.Lat()) / 2
	g.dLat = cellMetres / metresPerDegree
	g.dLon = g.dLat / math.Cos(mid*math.Pi/180)
	g.lon0, g.lat0 = b.Min.Lon(), b.Min.Lat()
	g.cols = int(math.Ceil((b.Max.Lon()-g.lon0)/g.dLon)) + 1
	g.rows = int(math.Ceil((b.Max.Lat()-g.lat0)/g.dLat)) + 1
	g.at = make([]int32, g.rows*g.cols)
	bounds := make([]orb.Bound, len(cs))
	for i, c := range cs {
		bounds[i] = c.Geometry.Bound()
	}
	for r := 0; r < g.rows; r++ {
		for c := 0; c < g.cols; c++ {
			p := orb.Point{g.lon0 + (float64(c)+0.5)*g.dLon, g.lat0 + (float64(r)+0.5)*g.dLat}
			k := int32(-1)
			for i, cty := range cs {
				if bounds[i].Contains(p) && contains(cty.Geometry, p) {
					k = int32(i)
					break
				}
			}
			if k < 0 {
				g.at[r*g.cols+c] = -1
				continue
			}
			g.at[r*g.cols+c] = int32(len(g.centre))
			g.centre = append(g.centre, geo.FromOrb(p))
			g.county = append(g.county, k)
			g.cells[k]++
		}
	}
	return g
}

func contains(g orb.Geometry, p orb.Point) bool {
	switch g := g.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, p)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, p)
	}
	return false
}

// Len returns the number of cells.
func (g *Grid) Len() int { return len(g.centre) }

// CellMetres returns the side of a cell.
func (g *Grid) CellMetres() float64 { return g.cellM }

// Counties returns the counties of the grid, in code order; the caller
// must not change them.
func (g *Grid) Counties() []County { return g.counties }

// County returns the number of a county, and whether the grid has it.
func (g *Grid) County(code string) (int, bool) {
	k, ok := g.byCode[code]
	return int(k), ok
}

// Cells returns the number of cells of county k.
func (g *Grid) Cells(k int) int { return int(g.cells[k]) }

// Centre returns the centre of cell i.
func (g *Grid) Centre(i int) geo.Point { return g.centre[i] }

// CountyOf returns the county number of cell i.
func (g *Grid) CountyOf(i int) int { return int(g.county[i]) }

// Square returns the corners of cell i as a closed ring, counterclockwise
// from the south-west: the cell as an RFC 7946 polygon.
func (g *Grid) Square(i int) orb.Ring {
	c := g.centre[i]
	w, e := c.Lon-g.dLon/2, c.Lon+g.dLon/2
	s, n := c.Lat-g.dLat/2, c.Lat+g.dLat/2
	return orb.Ring{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}
}

// Within calls fn for every cell whose centre is within metres of p, as
// far as a box around p bounds it: fn sees every such cell, and perhaps a
// few more, which it must check itself.
func (g *Grid) Within(p geo.Point, metres float64, fn func(i int)) {
	if len(g.centre) == 0 || !(metres >= 0) {
		return
	}
	dLat := metres / metresPerDegree
	// The widest the box must be is at the latitude farthest from the
	// equator that it spans.
	far := math.Min(89, math.Max(math.Abs(p.Lat-dLat), math.Abs(p.Lat+dLat)))
	// A great circle bows poleward of the parallel: a little slack keeps
	// the box wide enough.
	dLon := 1.01 * dLat / math.Cos(far*math.Pi/180)
	r0 := max(0, int(math.Floor((p.Lat-dLat-g.lat0)/g.dLat)))
	r1 := min(g.rows-1, int(math.Floor((p.Lat+dLat-g.lat0)/g.dLat)))
	c0 := max(0, int(math.Floor((p.Lon-dLon-g.lon0)/g.dLon)))
	c1 := min(g.cols-1, int(math.Floor((p.Lon+dLon-g.lon0)/g.dLon)))
	for r := r0; r <= r1; r++ {
		for c := c0; c <= c1; c++ {
			if i := g.at[r*g.cols+c]; i >= 0 {
				fn(int(i))
			}
		}
	}
}

// All calls fn for every cell.
func (g *Grid) All(fn func(i int)) {
	for i := range g.centre {
		fn(i)
	}
}

// Next returns the cell east of cell i in its row, and whether there is
// one in a county.
func (g *Grid) Next(i int) (int, bool) {
	c := g.centre[i]
	r := int(math.Floor((c.Lat - g.lat0) / g.dLat))
	col := int(math.Floor((c.Lon-g.lon0)/g.dLon)) + 1
	if r < 0 || r >= g.rows || col >= g.cols {
		return 0, false
	}
	j := g.at[r*g.cols+col]
	return int(j), j >= 0
}

// Strip returns the cells i to j of one row (j east of i) as one closed
// counterclockwise ring.
func (g *Grid) Strip(i, j int) orb.Ring {
	a, b := g.Square(i), g.Square(j)
	w, s, e, n := a[0][0], a[0][1], b[1][0], b[2][1]
	return orb.Ring{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}
}
