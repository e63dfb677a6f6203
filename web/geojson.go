package web

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"dispatchd/geo"
)

// feature is an RFC 7946 Feature with a Point geometry.
type feature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   pointGeometry  `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type pointGeometry struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

type featureCollection struct {
	Type     string    `json:"type"`
	Features []feature `json:"features"`
	// NextCursor is a foreign member: the page after this one.
	NextCursor string `json:"next_cursor,omitempty"`
}

// newFeature makes v a feature at p; its JSON fields become the properties,
// less the point field that became the geometry.
func newFeature(id string, p geo.Point, v any, pointField string) feature {
	b, _ := json.Marshal(v)
	props := map[string]any{}
	_ = json.Unmarshal(b, &props)
	delete(props, pointField)
	return feature{Type: "Feature", ID: id, Properties: props,
		Geometry: pointGeometry{Type: "Point", Coordinates: [2]float64{p.Lon, p.Lat}}}
}

func replyGeoJSON[T any](c echo.Context, rows []T, f func(*T) feature, next string) error {
	fc := featureCollection{Type: "FeatureCollection", Features: make([]feature, len(rows)), NextCursor: encodeCursor(next)}
	for i := range rows {
		fc.Features[i] = f(&rows[i])
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/geo+json")
	c.Response().WriteHeader(http.StatusOK)
	return encodeJSON(c.Response(), fc)
}
