package web

import (
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/geo"
)

// maxPopulationBody bounds a population import: coverage's
// MaxPopulationPoints features of some 100 bytes each.
const maxPopulationBody = 64 << 20

// putPopulation handles PUT /api/v1/coverage/population?crs=: the
// population layer, replaced whole by a GeoJSON FeatureCollection of
// points with a property population (Content-Type application/geo+json
// or application/json) or a CSV file lon,lat,population (text/csv).
func (s *Server) putPopulation(c echo.Context) error {
	if s.d.Coverage == nil {
		return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "this server keeps no coverage")
	}
	csv := false
	switch mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt {
	case "text/csv", "application/csv":
		csv = true
	case "application/geo+json", "application/json":
	default:
		return dispatchd.Invalid(dispatchd.FieldError{Field: "Content-Type", Message: "must be application/geo+json, application/json or text/csv"})
	}
	crs, err := geo.ParseCRS(c.QueryParam("crs"))
	if err != nil {
		return dispatchd.Invalid(dispatchd.FieldError{Field: "crs", Message: err.Error()})
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxPopulationBody))
	if err != nil {
		return readErr(err)
	}
	res, err := s.d.Coverage.ImportPopulation(c.Request().Context(), actor(c), data, csv, crs)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, res)
}

// getPopulation handles GET /api/v1/coverage/population?region=CODE: the
// population loaded for each county of the region (by default the
// caller's jurisdiction), to check an import.
func (s *Server) getPopulation(c echo.Context) error {
	if s.d.Coverage == nil {
		return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "this server keeps no coverage")
	}
	p, err := s.d.Coverage.Population(c.Request().Context(), actor(c), c.QueryParam("region"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, p)
}
