package web

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/idempotency"
)

// teeWriter keeps a copy of what a handler writes.
type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

// idempotent makes a POST with an Idempotency-Key safe to retry: the first
// answer is stored, and a retry with the same key gets it again and changes
// nothing. A retry while the first is still running gets 409 with
// Retry-After; an answer of 5xx is not kept, so a retry runs again. The
// claim on the key travels with the request to the store, which marks it in
// the commit that carries the request out: a retry after a store outage
// neither runs it twice nor finds the key stuck (see idempotency.Claim).
//
// The success of a route that answers a secret (secretAnswers) is recorded
// without its body: a secret is shown once and never kept in plain text.
// A retry of it is answered 409 and carries nothing out again; the client
// reads the resource, or starts over (a new tracker, a new login).
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get("Idempotency-Key")
		if key == "" {
			return next(c)
		}
		if len(key) > 200 {
			return dispatchd.Invalid(dispatchd.FieldError{Field: "Idempotency-Key", Message: "must be at most 200 characters"})
		}
		ctx := c.Request().Context()
		path := c.Request().URL.Path
		claim, prev, err := s.d.Idempotency.ClaimIdempotent(ctx, actor(c).Name(), key, c.Request().Method, path, time.Now().UTC())
		if err != nil {
			return err
		}
		if prev != nil {
			switch {
			case prev.Path != path || prev.Method != c.Request().Method:
				return dispatchd.Errorf(dispatchd.ECONFLICT, "the Idempotency-Key was already used for %s %s", prev.Method, prev.Path)
			case prev.Status == idempotency.StatusRunning:
				// Retry-After tells a client's outbox to send it again
				// rather than give up.
				return &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: "a request with this Idempotency-Key is still running; retry shortly", Err: retryAfter(time.Second)}
			case prev.Status == idempotency.StatusCarriedOut:
				return dispatchd.Errorf(dispatchd.ECONFLICT, "the request with this Idempotency-Key was carried out, but its answer was lost when the store failed; read the resource to see it")
			case secretAnswers[c.Path()] != "" && prev.Status < 300:
				return dispatchd.Errorf(dispatchd.ECONFLICT, "the request with this Idempotency-Key was carried out; its answer held a secret, which is shown only once and not kept: %s", secretAnswers[c.Path()])
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.Blob(prev.Status, contentType(prev.Status, prev.Body), prev.Body)
		}
		c.SetRequest(c.Request().WithContext(idempotency.WithClaim(ctx, claim)))
		tee := &teeWriter{ResponseWriter: c.Response().Writer}
		c.Response().Writer = tee
		if err := next(c); err != nil {
			c.Error(err)
		}
		// The request's context may be cancelled by now; the record must
		// still be written.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		status := c.Response().Status
		body := tee.buf.Bytes()
		if secretAnswers[c.Path()] != "" && status < 300 {
			body = []byte{}
		}
		if status >= 500 {
			err = s.d.Idempotency.ReleaseIdempotent(bg, claim)
		} else {
			err = s.d.Idempotency.CompleteIdempotent(bg, claim, status, body)
		}
		if err != nil {
			s.log.ErrorContext(ctx, "store idempotent answer", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
		}
		return nil
	}
}

// secretAnswers lists the routes whose successful answer holds a secret,
// with what a client whose answer was lost should do.
var secretAnswers = map[string]string{
	"/api/v1/trackers":     "delete the tracker and register it again for a new key",
	"/api/v1/auth/refresh": "the old token is revoked: log in again",
}

// contentType is the type of a stored answer: a problem, JSON, or the CAP
// XML a warning's creation may answer (the only XML answer of a POST).
func contentType(status int, body []byte) string {
	switch {
	case status >= 400:
		return "application/problem+json"
	case bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")):
		return mimeCAP
	}
	return echo.MIMEApplicationJSON
}
