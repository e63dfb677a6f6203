package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// getSummary handles GET /api/v1/summary?region=CODE&items=CODE,CODE: the
// roll-up of a region within the caller's jurisdiction (by default the
// jurisdiction itself), per child region.
func (s *Server) getSummary(c echo.Context) error {
	var region *string
	if q := c.QueryParams(); q.Has("region") {
		r := strings.TrimSpace(q.Get("region"))
		region = &r
	}
	var items []string
	if v := c.QueryParam("items"); v != "" {
		items = strings.Split(v, ",")
	}
	sum, err := s.d.Rollup.Summarize(c.Request().Context(), actor(c), region, items)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, sum)
}
