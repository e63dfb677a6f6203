package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/realtime"
)

// trackerAnswer is a new tracker with the URL to paste into its app.
type trackerAnswer struct {
	*auth.Tracker
	URL string `json:"url"`
}

// createTracker handles POST /api/v1/trackers. The answer carries the
// tracker's secret, once, and the OsmAnd URL that holds it: tracker apps
// keep the query string of their server URL and append their own
// parameters to it.
func (s *Server) createTracker(c echo.Context) error {
	var n auth.NewTracker
	if err := bind(c, &n); err != nil {
		return err
	}
	t, err := s.d.Auth.CreateTracker(c.Request().Context(), actor(c), n)
	if err != nil {
		return err
	}
	u := url.URL{Scheme: c.Scheme(), Host: c.Request().Host, Path: "/osmand", RawQuery: url.Values{"key": {t.Token}}.Encode()}
	return reply(c, http.StatusCreated, trackerAnswer{Tracker: t, URL: u.String()})
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
// which name their device id and prove it with the key (or token) of
// their server URL. A fix the filter drops is still answered 200: the app
// would only send it again. An address that failed too many proofs is
// answered 429 before anything is checked.
func (s *Server) osmand(c echo.Context) error {
	addr := addressKey(c.RealIP())
	if blocked, wait := s.keyFailures.exhausted(addr, time.Now()); blocked {
		return rateLimited(c, "unknown trackers or wrong keys from this address", wait)
	}
	fix, key, err := readOsmAnd(c)
	if err != nil {
		return err
	}
	a, err := s.d.Auth.Tracker(c.Request().Context(), fix.Device, key)
	if dispatchd.ErrorCode(err) == dispatchd.EUNAUTHORIZED {
		s.keyFailures.allow(addr, time.Now())
	}
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, s.d.Ingest.Accept(a, []realtime.Position{fix.Position}))
}

// maxOsmAndBody bounds an OsmAnd body: one fix is a few hundred bytes.
const maxOsmAndBody = 64 << 10

// readOsmAnd reads an OsmAnd request: the query string, merged with a
// form body, or Traccar Client's JSON body (by its content type, or a body
// that starts with '{'). The key is the "key" parameter of the query, or
// "token", as the server URL given to the app carries it (or a form body).
func readOsmAnd(c echo.Context) (realtime.OsmAndFix, string, error) {
	q := c.QueryParams()
	now := time.Now().UTC()
	var body []byte
	if c.Request().Method == http.MethodPost {
		var err error
		if body, err = io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxOsmAndBody)); err != nil {
			return realtime.OsmAndFix{}, "", readErr(err)
		}
	}
	var fix realtime.OsmAndFix
	var err error
	// A GET, or an empty body, is read from the query whatever its
	// content type says.
	if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON)) {
		fix, err = realtime.ParseTraccarJSON(body, now)
	} else {
		form, perr := url.ParseQuery(string(body))
		if perr != nil {
			return realtime.OsmAndFix{}, "", dispatchd.Errorf(dispatchd.EINVALID, "the body is not form-encoded: %v", perr)
		}
		for k, v := range form {
			if _, ok := q[k]; !ok {
				q[k] = v
			}
		}
		fix, err = realtime.ParseOsmAnd(q, now)
	}
	if err != nil {
		return realtime.OsmAndFix{}, "", dispatchd.Errorf(dispatchd.EINVALID, "%v", err)
	}
	key := q.Get("key")
	if key == "" {
		key = q.Get("token")
	}
	return fix, key, nil
}
