package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
)

// getState handles GET /api/v1/state: the operating picture at a past
// moment (at, RFC 3339), scoped as the websocket snapshot is.
func (s *Server) getState(c echo.Context) error {
	q := newQuery(c)
	if q.str("at") == "" {
		q.errs.Add("at", "is required: an RFC 3339 time such as 2026-07-01T08:00:00Z")
	}
	at := queryTime(q, "at", time.Time{})
	if err := q.err(); err != nil {
		return err
	}
	if s.d.Recorder == nil {
		return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "this server keeps no recorder")
	}
	st, err := s.d.Recorder.At(c.Request().Context(), actor(c), at)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
