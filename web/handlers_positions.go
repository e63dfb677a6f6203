package web

import (
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/realtime"
)

// createTracker handles POST /api/v1/trackers.
func (s *Server) createTracker(c echo.Context) error {
	var n auth.NewTracker
	if err := bind(c, &n); err != nil {
		return err
	}
	t, err := s.d.Auth.CreateTracker(c.Request().Context(), actor(c), n)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, t)
}

// deleteTracker handles DELETE /api/v1/trackers/:id.
func (s *Server) deleteTracker(c echo.Context) error {
	if err := s.d.Auth.DeleteTracker(c.Request().Context(), actor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// positionBatch is the body of POST /api/v1/positions.
type positionBatch struct {
	Positions []realtime.Position `json:"positions"`
}

// postPositions handles POST /api/v1/positions.
func (s *Server) postPositions(c echo.Context) error {
	var b positionBatch
	if err := bind(c, &b); err != nil {
		return err
	}
	if len(b.Positions) == 0 || len(b.Positions) > realtime.MaxBatch {
		return dispatchd.Invalid(dispatchd.FieldError{Field: "positions", Message: "must list 1 to 1000 positions"})
	}
	return reply(c, http.StatusOK, s.d.Ingest.Accept(actor(c), b.Positions))
}

// osmand handles GET and POST /osmand: the OsmAnd protocol of tracker apps,
// which name their device id instead of sending a bearer token (a token
// parameter, when present, must be the tracker's own). A fix the filter
// drops is still answered 200: the app would only send it again.
func (s *Server) osmand(c echo.Context) error {
	q := c.QueryParams()
	if len(q) == 0 && c.Request().Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(c.Request().Body, 64<<10))
		if err != nil {
			return readErr(err)
		}
		if q, err = url.ParseQuery(string(body)); err != nil {
			return dispatchd.Errorf(dispatchd.EINVALID, "the body is not form-encoded: %v", err)
		}
	}
	fix, err := realtime.ParseOsmAnd(q, time.Now().UTC())
	if err != nil {
		return dispatchd.Errorf(dispatchd.EINVALID, "%v", err)
	}
	a, err := s.d.Auth.Tracker(c.Request().Context(), fix.Device, q.Get("token"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, s.d.Ingest.Accept(a, []realtime.Position{fix.Position}))
}
