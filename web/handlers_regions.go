package web

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/regions"
)

// listRegions handles GET /api/v1/regions?parent=CODE: the regions
// directly under parent, the top level without it, in code order.
func (s *Server) listRegions(c echo.Context) error {
	q := newQuery(c)
	parent, after, limit := q.str("parent"), q.cursor(), int(q.int("limit", 1, regions.MaxLimit))
	if err := q.err(); err != nil {
		return err
	}
	rs, next, err := s.d.Regions.Children(c.Request().Context(), parent, after, limit)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(rs, next))
}

// getRegion handles GET /api/v1/regions/:code: the region and its
// ancestors, the top first.
func (s *Server) getRegion(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := s.d.Regions.Get(ctx, c.Param("code"))
	if err != nil {
		return err
	}
	path, err := s.d.Regions.Path(ctx, r.Code)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, struct {
		*regions.Region
		Path []regions.Ref `json:"path"`
	}{r, path})
}

// importRegions handles POST /api/v1/import/regions: the official code
// list as CSV (regions.ParseCodes), every row or none.
func (s *Server) importRegions(c echo.Context) error {
	return s.importTree(c, func(f io.Reader, source string, _ geo.CRS) (*regions.ImportSummary, error) {
		return s.d.Regions.ImportCodes(c.Request().Context(), actor(c), f, source)
	})
}

// importBoundaries handles POST /api/v1/import/boundaries?crs=: region
// outlines as a GeoJSON FeatureCollection (regions.ParseBoundaries), every
// one or none.
func (s *Server) importBoundaries(c echo.Context) error {
	return s.importTree(c, func(f io.Reader, source string, crs geo.CRS) (*regions.ImportSummary, error) {
		return s.d.Regions.ImportBoundaries(c.Request().Context(), actor(c), f, crs, source)
	})
}

// importTree runs an import of the region tree as importFile runs the
// others: the same slots, body limit and spooling.
func (s *Server) importTree(c echo.Context, run func(f io.Reader, source string, crs geo.CRS) (*regions.ImportSummary, error)) error {
	crs, err := geo.ParseCRS(c.QueryParam("crs"))
	if err != nil {
		return dispatchd.Invalid(dispatchd.FieldError{Field: "crs", Message: err.Error()})
	}
	// Refused before the body is read: the tree is the whole deployment's.
	if actor(c).Jurisdiction != "" {
		return dispatchd.Errorf(dispatchd.EFORBIDDEN, "only admins and commanders of the whole deployment may import the region tree")
	}
	return s.importWhole(c, func(f io.Reader, source string) (any, error) { return run(f, source, crs) })
}
