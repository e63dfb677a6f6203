package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type      string                 `json:"type"`
	Title     string                 `json:"title"`
	Status    int                    `json:"status"`
	Detail    string                 `json:"detail"`
	Instance  string                 `json:"instance,omitempty"`
	RequestID string                 `json:"request_id,omitempty"`
	Errors    []dispatchd.FieldError `json:"errors,omitempty"`
}

var codeStatus = map[string]int{
	dispatchd.EINVALID:      http.StatusBadRequest,
	dispatchd.ENOTFOUND:     http.StatusNotFound,
	dispatchd.ECONFLICT:     http.StatusConflict,
	dispatchd.EUNAUTHORIZED: http.StatusUnauthorized,
	dispatchd.EFORBIDDEN:    http.StatusForbidden,
	dispatchd.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	dispatchd.ERATELIMITED:  http.StatusTooManyRequests,
	dispatchd.EUNAVAILABLE:  http.StatusServiceUnavailable,
	dispatchd.EINTERNAL:     http.StatusInternalServerError,
}

// statusCode maps echo's own errors (no route, wrong method, body limit) to
// application codes.
var statusCode = map[int]string{
	http.StatusBadRequest:            dispatchd.EINVALID,
	http.StatusNotFound:              dispatchd.ENOTFOUND,
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: dispatchd.ETOOLARGE,
	http.StatusTooManyRequests:       dispatchd.ERATELIMITED,
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusNotAcceptable:         "not_acceptable",
	http.StatusUnauthorized:          dispatchd.EUNAUTHORIZED,
	http.StatusForbidden:             dispatchd.EFORBIDDEN,
	http.StatusServiceUnavailable:    dispatchd.EUNAVAILABLE,
}

// errorHandler is the one place that turns errors into HTTP answers. It logs
// internal errors once, with the request id; the user sees only the message.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := problem{Instance: c.Request().URL.Path, RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	// A caller over a limit is told when to come back.
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(ra.RetryAfter().Seconds())), 1)))
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && dispatchd.ErrorCode(err) == dispatchd.EINTERNAL {
		p.Status = he.Code
		code, ok := statusCode[he.Code]
		if !ok {
			code = "error"
		}
		p.Type = problemType(code)
		p.Title = http.StatusText(he.Code)
		p.Detail = http.StatusText(he.Code)
		// echo's own message, for a client error only: a server error's
		// text is for the log.
		if m, ok := he.Message.(string); ok && he.Code < 500 {
			p.Detail = m
		}
		if he.Code == http.StatusNotFound {
			p.Detail = "no such route: " + c.Request().Method + " " + c.Request().URL.Path
		}
		if he.Code >= 500 {
			s.log.ErrorContext(c.Request().Context(), "request failed", "request_id", p.RequestID, "error", err)
		}
	} else {
		code := dispatchd.ErrorCode(err)
		p.Status = codeStatus[code]
		if p.Status == 0 {
			p.Status = http.StatusInternalServerError
		}
		p.Type = problemType(code)
		p.Title = http.StatusText(p.Status)
		p.Detail = dispatchd.ErrorMessage(err)
		p.Errors = dispatchd.ErrorFields(err)
		switch {
		case code == dispatchd.EINTERNAL:
			s.log.ErrorContext(c.Request().Context(), "request failed", "request_id", p.RequestID,
				"method", c.Request().Method, "path", c.Path(), "error", err)
		case code == dispatchd.EUNAVAILABLE:
			s.log.WarnContext(c.Request().Context(), "service unavailable", "request_id", p.RequestID, "error", err)
			if c.Response().Header().Get("Retry-After") == "" {
				c.Response().Header().Set("Retry-After", "2")
			}
		case code == dispatchd.EUNAUTHORIZED:
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="dispatchd"`)
		case code == dispatchd.ERATELIMITED && c.Response().Header().Get("Retry-After") == "":
			// A limit that cannot tell when it frees (a user's websockets
			// close when they close) still says when to look again.
			c.Response().Header().Set("Retry-After", "5")
		}
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if err := encodeJSON(c.Response(), p); err != nil {
		s.log.Debug("write problem", "error", err)
	}
}

func problemType(code string) string { return "urn:dispatchd:problem:" + code }
