// Package regions is the region tree: GB/T 2260 administrative divisions
// (province, city, county; townships optional) with their names, levels,
// parents and optional boundaries, which every incident, team, depot and
// user jurisdiction names. The Service reads the tree from the store on
// every call, so that every node answers alike; only the boundary index
// is kept in memory, and rebuilt when the event feed says boundaries
// changed.
package regions

import (
	"context"

	"dispatchd"
)

// Level is where a region sits in the tree.
type Level string

// The levels, from the top.
const (
	Province Level = "province"
	City     Level = "city"
	County   Level = "county"
	Township Level = "township"
)

// Levels lists every level, from the top.
var Levels = []Level{Province, City, County, Township}

// LevelOf derives the level of a region code: xx0000 a province, xxyy00 a
// city, six other digits a county, nine a township.
func LevelOf(code string) Level {
	switch p := dispatchd.RegionPrefix(code); len(p) {
	case 2:
		return Province
	case 4:
		return City
	case 6:
		return County
	}
	return Township
}

// Region is one administrative division.
type Region struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  Level  `json:"level"`
	Parent string `json:"parent"`
	// HasBoundary says whether a boundary was loaded for the region.
	HasBoundary bool `json:"has_boundary"`
	// Boundary is the region's outline as a GeoJSON geometry (Polygon or
	// MultiPolygon); only Store.Boundaries fills it, and PutBoundaries
	// writes it.
	Boundary string `json:"-"`
}

// Ref names a region in a path.
type Ref struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level Level  `json:"level"`
}

// Filter selects regions in code order: the children of Parent ("" for
// the top level) after the code After.
type Filter struct {
	Parent string
	After  string
	Limit  int
}

// Store keeps the region tree. Errors: ENOTFOUND for a missing region.
type Store interface {
	// GetRegion returns a region without its boundary text.
	GetRegion(ctx context.Context, code string) (*Region, error)
	// ListRegions lists regions without their boundary text.
	ListRegions(ctx context.Context, f Filter) ([]Region, error)
	// AnyRegion reports whether the tree holds any region.
	AnyRegion(ctx context.Context) (bool, error)
	// PutRegions inserts or replaces regions (by code) and writes the
	// events in one transaction; the boundary of a region that exists is
	// kept.
	PutRegions(ctx context.Context, rs []Region, evs []dispatchd.Event) error
	// PutBoundaries sets the boundary of each region named (which must
	// exist) and writes the events in one transaction.
	PutBoundaries(ctx context.Context, rs []Region, evs []dispatchd.Event) error
	// Boundaries returns every region that has a boundary, with it.
	Boundaries(ctx context.Context) ([]Region, error)
}
