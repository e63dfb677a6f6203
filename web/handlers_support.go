package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dispatchd/dispatch"
)

// Support requests (跨区域支援): one jurisdiction asks another for teams and
// materials; the answers are tasks and orders that name the request.

// createSupport handles POST /api/v1/support-requests.
func (s *Server) createSupport(c echo.Context) error {
	var b dispatch.SupportAsk
	if err := bind(c, &b); err != nil {
		return err
	}
	out, err := s.d.Dispatch.RequestSupport(c.Request().Context(), actor(c), b)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, out)
}

// listSupport handles GET /api/v1/support-requests.
func (s *Server) listSupport(c echo.Context) error {
	q := newQuery(c)
	f := dispatch.SupportFilter{Direction: enum(q, "direction", []dispatch.Direction{dispatch.Incoming, dispatch.Outgoing}),
		Incident: q.str("incident"), After: q.cursor(), Limit: int(q.int("limit", 1, dispatch.MaxLimit))}
	f.Status = enumList(q, "status", dispatch.SupportStatuses)
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.d.Dispatch.SupportRequests(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(items, next))
}

// getSupport handles GET /api/v1/support-requests/:id.
func (s *Server) getSupport(c echo.Context) error {
	out, err := s.d.Dispatch.SupportRequest(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}

// declineSupport handles POST /api/v1/support-requests/:id/decline.
func (s *Server) declineSupport(c echo.Context) error {
	var b reasonBody
	if err := bind(c, &b); err != nil {
		return err
	}
	out, err := s.d.Dispatch.DeclineSupport(c.Request().Context(), actor(c), c.Param("id"), b.Reason)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}

// closeSupport handles POST /api/v1/support-requests/:id/close.
func (s *Server) closeSupport(c echo.Context) error {
	var b reasonBody
	if err := bindOptional(c, &b); err != nil {
		return err
	}
	out, err := s.d.Dispatch.CloseSupport(c.Request().Context(), actor(c), c.Param("id"), b.Reason)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}
