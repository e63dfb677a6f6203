package web

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
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
// nothing. A retry while the first is still running gets 409; an answer of
// 5xx is not kept, so a retry runs again.
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
		who := actor(c).Name()
		path := c.Request().URL.Path
		prev, err := s.d.Idempotency.ClaimIdempotent(ctx, who, key, c.Request().Method, path, time.Now().UTC())
		if err != nil {
			return err
		}
		if prev != nil {
			switch {
			case prev.Path != path || prev.Method != c.Request().Method:
				return dispatchd.Errorf(dispatchd.ECONFLICT, "the Idempotency-Key was already used for %s %s", prev.Method, prev.Path)
			case prev.Status == 0:
				return dispatchd.Errorf(dispatchd.ECONFLICT, "a request with this Idempotency-Key is still running; retry shortly")
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.Blob(prev.Status, contentType(prev.Status), prev.Body)
		}
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
		if status >= 500 {
			err = s.d.Idempotency.ReleaseIdempotent(bg, who, key)
		} else {
			err = s.d.Idempotency.CompleteIdempotent(bg, who, key, status, tee.buf.Bytes())
		}
		if err != nil {
			s.log.ErrorContext(ctx, "store idempotent answer", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
		}
		return nil
	}
}

func contentType(status int) string {
	if status >= 400 {
		return "application/problem+json"
	}
	return echo.MIMEApplicationJSON
}
