package web

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/resources"
)

//go:embed openapi.json
var openapiDoc []byte

// healthz handles GET /healthz: the process is alive.
func (s *Server) healthz(c echo.Context) error {
	return reply(c, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz handles GET /readyz: the store answers and is migrated.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.d.Ready(ctx); err != nil {
		if dispatchd.ErrorCode(err) == dispatchd.EINTERNAL {
			return &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Message: "the store is not ready", Err: err}
		}
		return err
	}
	return reply(c, http.StatusOK, map[string]string{"status": "ready"})
}

// openapi handles GET /api/v1/openapi.json.
func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openapiDoc)
}

// listEvents handles GET /api/v1/events?since=N&limit=M: the events after
// id N, in commit order, that the caller may see. Of the limit events read,
// those outside the caller's jurisdiction and desk are left out: a page may
// be short, even empty, yet next_since moves past every event read.
func (s *Server) listEvents(c echo.Context) error {
	q := newQuery(c)
	since := q.int("since", 0, 1<<62)
	limit := int(q.int("limit", 1, 1000))
	if err := q.err(); err != nil {
		return err
	}
	if limit == 0 {
		limit = 100
	}
	evs, err := s.d.Events.ListEvents(c.Request().Context(), since, limit)
	if err != nil {
		return err
	}
	read := lastID(evs, since)
	next := ""
	if len(evs) == limit {
		next = strconv.FormatInt(read, 10)
	}
	if sc := actor(c).Scope(); !sc.Everything() {
		evs = slices.DeleteFunc(evs, func(ev dispatchd.Event) bool { return !ev.Visible(sc) })
	}
	return reply(c, http.StatusOK, struct {
		Items []dispatchd.Event `json:"items"`
		// NextSince is where the next poll starts.
		NextSince int64  `json:"next_since"`
		More      bool   `json:"more"`
		Next      string `json:"next_cursor,omitempty"`
	}{evs, read, next != "", next})
}

func lastID(evs []dispatchd.Event, since int64) int64 {
	if len(evs) == 0 {
		return since
	}
	return evs[len(evs)-1].ID
}

// importFile handles POST /api/v1/import/:kind. The body is the file, CSV
// or GeoJSON, told by ?format=, else the Content-Type, else its first byte.
// All rows are written or none; every bad row is listed with its line. The
// body goes to a temporary file, read a chunk at a time: an import holds
// little memory whatever its size. Limits.Imports run at once; past them,
// 503 with Retry-After, before the body is read.
func (s *Server) importFile(c echo.Context) error {
	kind := resources.ImportKind(c.Param("kind"))
	if !slices.Contains(resources.ImportKinds, kind) {
		return dispatchd.Errorf(dispatchd.ENOTFOUND, "cannot import %q: the kinds are items, teams, depots, stock, regions and boundaries", kind)
	}
	q := newQuery(c)
	format := enum(q, "format", []resources.Format{resources.CSV, resources.GeoJSON})
	if err := q.err(); err != nil {
		return err
	}
	f, done, err := s.importBody(c)
	if err != nil {
		return err
	}
	defer done()
	if format == "" {
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		format = guessFormat(c.Request().Header.Get(echo.HeaderContentType), head[:n])
	}
	source := c.QueryParam("source")
	if source == "" {
		source = "upload"
	}
	sum, err := s.d.Registry.ImportFile(c.Request().Context(), actor(c), kind, format, f, source)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, sum)
}

// importWhole runs an import that reads the whole file (the region tree,
// responsible persons) as importFile runs the others: the same slots,
// body limit and spooling; source is the query's, "upload" by default.
func (s *Server) importWhole(c echo.Context, run func(f io.Reader, source string) (any, error)) error {
	f, done, err := s.importBody(c)
	if err != nil {
		return err
	}
	defer done()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	source := c.QueryParam("source")
	if source == "" {
		source = "upload"
	}
	sum, err := run(f, source)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, sum)
}

// importBody takes one of the import slots and spools the body; done
// releases both. Past Limits.Imports, 503 with Retry-After before the body
// is read.
func (s *Server) importBody(c echo.Context) (*os.File, func(), error) {
	select {
	case s.imports <- struct{}{}:
	default:
		// The body is not wanted: the connection closes after the answer
		// rather than wait for up to 64 MiB to come and be dropped.
		c.Response().Header().Set(echo.HeaderConnection, "close")
		return nil, nil, &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Err: retryAfter(s.importRetry),
			Message: fmt.Sprintf("%d imports are running, the most at once: try again in %d s", cap(s.imports), int(s.importRetry.Seconds()))}
	}
	f, err := spool(http.MaxBytesReader(c.Response(), c.Request().Body, maxImportBody))
	if err != nil {
		<-s.imports
		return nil, nil, err
	}
	return f, func() { f.Close(); os.Remove(f.Name()); <-s.imports }, nil
}

// spool copies the body to a temporary file, which the caller closes and
// removes. Where the system allows it the file is unlinked at once, so that
// a server killed in the middle of an import leaves nothing behind.
func spool(body io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "dispatchd-import-*")
	if err != nil {
		return nil, fmt.Errorf("create a file for the import: %w", err)
	}
	_ = os.Remove(f.Name()) // an open file stays readable on Unix
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		os.Remove(f.Name())
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, readErr(err)
		}
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "cannot read the request body")
	}
	return f, nil
}

func guessFormat(contentType string, data []byte) resources.Format {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "text/csv", "application/csv":
		return resources.CSV
	case "application/geo+json", "application/json":
		return resources.GeoJSON
	}
	if t := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf"); len(t) > 0 && t[0] == '{' {
		return resources.GeoJSON
	}
	return resources.CSV
}

// getAudit handles GET /api/v1/audit: who did what, newest first; filters
// actor, type (auth.login, or a family ending in a dot: auth.), from and to
// (RFC 3339); pages with limit and cursor.
func (s *Server) getAudit(c echo.Context) error {
	q := newQuery(c)
	f := dispatchd.EventFilter{Actor: q.str("actor"), Type: q.str("type"), Limit: int(q.int("limit", 1, 1000)), Scope: actor(c).Scope()}
	f.From, f.To = q.time("from"), q.time("to")
	if cur := q.cursor(); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n <= 0 {
			return dispatchd.Invalid(dispatchd.FieldError{Field: "cursor", Message: "is not a cursor this list gave"})
		}
		f.Before = n
	}
	if err := q.err(); err != nil {
		return err
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	evs, err := s.d.Audit.ListAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	next := ""
	if len(evs) == f.Limit {
		next = strconv.FormatInt(evs[len(evs)-1].ID, 10)
	}
	return reply(c, http.StatusOK, map[string]any{"items": evs, "next_cursor": encodeCursor(next)})
}
