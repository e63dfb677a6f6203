package web

import (
	"maps"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/resources"
)

// getStock handles GET /api/v1/depots/:id/stock.
func (s *Server) getStock(c echo.Context) error {
	st, err := s.d.Registry.Stock(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, map[string]any{"depot": c.Param("id"), "items": st})
}

// getItemStock handles GET /api/v1/stock?item=CODE: what each depot can
// still promise of one item, for the map.
func (s *Server) getItemStock(c echo.Context) error {
	item := c.QueryParam("item")
	if item == "" {
		return dispatchd.Invalid(dispatchd.FieldError{Field: "item", Message: "required: an item code"})
	}
	ctx := c.Request().Context()
	avail, err := s.d.Dispatch.Availability(item)
	if err != nil {
		return err
	}
	sees, err := s.d.Registry.StockDepots(ctx, actor(c))
	if err != nil {
		return err
	}
	maps.DeleteFunc(avail, func(depot string, _ int64) bool { return !sees(depot) })
	return reply(c, http.StatusOK, map[string]any{"item": item, "available": avail})
}

// adjustStock handles POST /api/v1/depots/:id/stock/adjustments.
func (s *Server) adjustStock(c echo.Context) error {
	var in resources.AdjustRequest
	if err := bind(c, &in); err != nil {
		return err
	}
	st, err := s.d.Registry.AdjustStock(c.Request().Context(), actor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, map[string]any{"depot": c.Param("id"), "items": st})
}

// getLedger handles GET /api/v1/depots/:id/stock/ledger.
func (s *Server) getLedger(c echo.Context) error {
	q := newQuery(c)
	f := resources.LedgerFilter{Depot: c.Param("id"), Item: q.str("item"), Limit: int(q.int("limit", 1, resources.MaxLimit))}
	if cur := q.cursor(); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil {
			q.errs.Add("cursor", "is not a cursor this server gave out")
		}
		f.After = n
	}
	if err := q.err(); err != nil {
		return err
	}
	lines, next, err := s.d.Registry.Ledger(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(lines, next))
}
