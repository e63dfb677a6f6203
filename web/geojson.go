package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"dispatchd/resources"
)

// The properties of a feature are the row's JSON fields less the point
// field that became the geometry: each embeds its row and hides that field
// with a shallower one of the same name that is always omitted.
type (
	teamProperties struct {
		*resources.Team
		Base *struct{} `json:"base,omitempty"`
	}
	depotProperties struct {
		*resources.Depot
		Location *struct{} `json:"location,omitempty"`
	}
)

func teamFeature(t *resources.Team) *geojson.FeatureOf[teamProperties] {
	return &geojson.FeatureOf[teamProperties]{Type: "Feature", ID: t.ID, Geometry: t.Base.Orb(),
		Properties: teamProperties{Team: t}}
}

func depotFeature(d *resources.Depot) *geojson.FeatureOf[depotProperties] {
	return &geojson.FeatureOf[depotProperties]{Type: "Feature", ID: d.ID, Geometry: d.Location.Orb(),
		Properties: depotProperties{Depot: d}}
}

// replyGeoJSON writes rows as an RFC 7946 FeatureCollection, with the
// foreign member next_cursor naming the page after this one.
func replyGeoJSON[T, P any](c echo.Context, rows []T, f func(*T) *geojson.FeatureOf[P], next string) error {
	fc := geojson.FeatureCollectionOf[P]{Type: "FeatureCollection", Features: make([]*geojson.FeatureOf[P], len(rows))}
	for i := range rows {
		fc.Features[i] = f(&rows[i])
	}
	if cur := encodeCursor(next); cur != "" {
		fc.ExtraMembers = geojson.Properties{"next_cursor": cur}
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/geo+json")
	c.Response().WriteHeader(http.StatusOK)
	return encodeJSON(c.Response(), fc)
}
