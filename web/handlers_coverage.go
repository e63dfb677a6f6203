package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"dispatchd"
)

// getCoverage handles GET /api/v1/coverage?region=CODE&capability=X: the
// share of the region (by default the caller's jurisdiction) that some
// available team of the capability reaches within its target time, per
// county; as GeoJSON (?format=geojson, or Accept: application/geo+json)
// the region's cells, each with the count of teams that reach it.
func (s *Server) getCoverage(c echo.Context) error {
	if s.d.Coverage == nil {
		return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "this server keeps no coverage")
	}
	geo, err := wantsGeoJSON(c)
	if err != nil {
		return err
	}
	ctx, region, capability := c.Request().Context(), c.QueryParam("region"), c.QueryParam("capability")
	if !geo {
		rep, err := s.d.Coverage.Report(ctx, actor(c), region, capability)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, rep)
	}
	rep, fc, err := s.d.Coverage.Features(ctx, actor(c), region, capability)
	if err != nil {
		return err
	}
	fc.ExtraMembers = geojson.Properties{"region": rep.Region, "capability": rep.Capability, "share": rep.Share,
		"target_s": rep.TargetS, "threshold": rep.Threshold}
	c.Response().Header().Set(echo.HeaderContentType, mimeGeoJSON)
	c.Response().WriteHeader(http.StatusOK)
	return encodeJSON(c.Response(), fc)
}

// wantsGeoJSON reads ?format (json or geojson), else the Accept header.
func wantsGeoJSON(c echo.Context) (bool, error) {
	switch f := c.QueryParam("format"); f {
	case "geojson":
		return true, nil
	case "json":
		return false, nil
	case "":
		as, err := negotiate(c, mimeJSON, mimeGeoJSON)
		return as == mimeGeoJSON, err
	default:
		return false, dispatchd.Invalid(dispatchd.FieldError{Field: "format", Message: "must be json or geojson"})
	}
}

// getMoveUp handles GET /api/v1/coverage/move-up?region=CODE&capability=X:
// the standby team whose move to the county's largest gap restores most of
// its coverage; {"move": null} when no move raises it.
func (s *Server) getMoveUp(c echo.Context) error {
	if s.d.Coverage == nil {
		return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "this server keeps no coverage")
	}
	m, err := s.d.Coverage.MoveUp(c.Request().Context(), actor(c), c.QueryParam("region"), c.QueryParam("capability"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, map[string]any{"move": m})
}
