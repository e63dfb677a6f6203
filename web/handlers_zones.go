package web

import (
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/zones"
)

// maxZonesBody bounds an import of risk zones: MaxFeatures detailed
// polygons.
const maxZonesBody = 32 << 20

// zoneProperties are the properties of a zone's feature.
type zoneProperties struct {
	ID        string    `json:"id"`
	Forecast  string    `json:"forecast"`
	Level     string    `json:"level"`
	Hazard    string    `json:"hazard"`
	Name      string    `json:"name"`
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to"`
}

// importZones handles POST /api/v1/zones?crs=: a GeoJSON FeatureCollection
// of risk zones (zones.ParseFeatureCollection), every one or none.
func (s *Server) importZones(c echo.Context) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && mt != "application/geo+json") {
			return dispatchd.Invalid(dispatchd.FieldError{Field: "Content-Type", Message: "must be application/geo+json or application/json"})
		}
	}
	crs, err := geo.ParseCRS(c.QueryParam("crs"))
	if err != nil {
		return dispatchd.Invalid(dispatchd.FieldError{Field: "crs", Message: err.Error()})
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxZonesBody))
	if err != nil {
		return readErr(err)
	}
	res, err := s.d.Zones.Import(c.Request().Context(), actor(c), data, crs)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, res)
}

// listZones handles GET /api/v1/zones?at=&level=&hazard=: the zones in
// force at a moment (now by default), as an RFC 7946 FeatureCollection.
func (s *Server) listZones(c echo.Context) error {
	var at time.Time
	if v := c.QueryParam("at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return dispatchd.Invalid(dispatchd.FieldError{Field: "at", Message: "must be an RFC 3339 time"})
		}
		at = t
	}
	zs, err := s.d.Zones.At(c.Request().Context(), actor(c), at, c.QueryParam("level"), c.QueryParam("hazard"))
	if err != nil {
		return err
	}
	return replyGeoJSON(c, zs, zoneFeature, "")
}

// zoneFeature is a zone as a feature; its rings were wound by the
// right-hand rule when it was imported.
func zoneFeature(z *zones.Zone) *geojson.FeatureOf[zoneProperties] {
	return &geojson.FeatureOf[zoneProperties]{Type: "Feature", ID: z.ID, Geometry: z.Geometry, Properties: zoneProperties{
		ID: z.ID, Forecast: z.Forecast, Level: z.Level, Hazard: z.Hazard, Name: z.Name, ValidFrom: z.ValidFrom, ValidTo: z.ValidTo,
	}}
}
