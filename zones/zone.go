// Package zones holds risk zones: polygons of a hazard at a GB/T 35965
// level (red, orange, yellow, blue), valid for a window of time (a
// forecast for the next 3, 6, 24 or 48 hours), and the in-memory index
// that finds the zones a point lies in at a moment, on the position path.
package zones

import (
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"dispatchd/warning/cap"
)

// The levels of a zone, most serious first: those of GB/T 35965.
const (
	Red    = cap.Red
	Orange = cap.Orange
	Yellow = cap.Yellow
	Blue   = cap.Blue
)

// Levels are the zone levels, most serious first.
var Levels = cap.Levels

// Zone is one risk zone: an area where a hazard is expected at a level
// between ValidFrom (inclusive) and ValidTo (exclusive).
type Zone struct {
	ID string `json:"id"`
	// Forecast is the id of the import that brought the zone.
	Forecast  string    `json:"forecast"`
	Level     string    `json:"level"`
	Hazard    string    `json:"hazard"`
	Name      string    `json:"name,omitempty"`
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to"`
	// Geometry is a Polygon or a MultiPolygon, in WGS-84.
	Geometry orb.Geometry `json:"-"`
	// Superseded is when a newer forecast replaced the zone; zero while it
	// stands.
	Superseded time.Time `json:"superseded,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by,omitempty"`
}

// ValidAt reports whether the zone is in force at t: within its window
// and not replaced.
func (z *Zone) ValidAt(t time.Time) bool {
	return z.Superseded.IsZero() && !t.Before(z.ValidFrom) && t.Before(z.ValidTo)
}

// Contains reports whether p ([lon, lat], WGS-84) lies in the zone's
// area, its boundary included.
func (z *Zone) Contains(p orb.Point) bool {
	switch g := z.Geometry.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, p) || onBoundary(g, p)
	case orb.MultiPolygon:
		for _, poly := range g {
			if planar.PolygonContains(poly, p) || onBoundary(poly, p) {
				return true
			}
		}
	}
	return false
}

// onBoundary reports whether p is a vertex of the polygon's outer ring:
// planar's ray test counts points on some edges out, and a fix exactly on
// a corner of a drawn zone should count as in.
func onBoundary(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 {
		return false
	}
	for _, q := range poly[0] {
		if q == p {
			return true
		}
	}
	return false
}
