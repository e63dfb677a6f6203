// Package regions is the region tree: GB/T 2260 administrative divisions
// (province, city, county; townships optional) with their names, levels and
// parents, which every incident, team, depot and user jurisdiction names.
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
	// Boundary is the region's outline as a GeoJSON geometry (Polygon or
	// MultiPolygon), "" when none was loaded.
	Boundary string `json:"-"`
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
	GetRegion(ctx context.Context, code string) (*Region, error)
	ListRegions(ctx context.Context, f Filter) ([]Region, error)
	// PutRegions inserts or replaces regions (by code) and writes the
	// events in one transaction.
	PutRegions(ctx context.Context, rs []Region, evs []dispatchd.Event) error
}
