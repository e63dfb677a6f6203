package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/geo"
)

// Body limits: a JSON command is small; an import file may be large.
const (
	maxJSONBody   = 1 << 20
	maxImportBody = 64 << 20
)

// bind decodes the JSON body into v strictly: unknown fields, trailing data
// and wrong types are errors that name the field.
func bind(c echo.Context, v any) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxJSONBody)
	data, err := io.ReadAll(body)
	if err != nil {
		return readErr(err)
	}
	return decodeStrict(data, v)
}

func readErr(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return dispatchd.Errorf(dispatchd.ETOOLARGE, "the body is larger than the limit of %d bytes", mb.Limit)
	}
	return dispatchd.Errorf(dispatchd.EINVALID, "cannot read the request body: %v", err)
}

// decodeStrict is the JSON decoder of every request body.
func decodeStrict(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return dispatchd.Errorf(dispatchd.EINVALID, "a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return dispatchd.Errorf(dispatchd.EINVALID, "the body must hold one JSON value; there is more after it")
	}
	return nil
}

func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return dispatchd.Errorf(dispatchd.EINVALID, "malformed JSON at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return dispatchd.Errorf(dispatchd.EINVALID, "malformed JSON: the body ends too early")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return dispatchd.Invalid(dispatchd.FieldError{Field: field, Message: fmt.Sprintf("must be %s, not %s", typeName(te.Type.Kind().String()), te.Value)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return dispatchd.Invalid(dispatchd.FieldError{Field: name, Message: "unknown field"})
	}
	var ae *dispatchd.Error
	if errors.As(err, &ae) {
		return ae
	}
	return dispatchd.Errorf(dispatchd.EINVALID, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func typeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "a whole number"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "slice", kind == "array":
		return "an array"
	case kind == "map", kind == "struct":
		return "an object"
	case kind == "bool":
		return "true or false"
	}
	return "a " + kind
}

// query reads list parameters and collects what is wrong with them.
type query struct {
	c    echo.Context
	errs dispatchd.Fields
}

func newQuery(c echo.Context) *query { return &query{c: c} }

func (q *query) str(name string) string { return strings.TrimSpace(q.c.QueryParam(name)) }

func (q *query) int(name string, min, max int64) int64 {
	s := q.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		q.errs.Add(name, "must be a whole number from %d to %d", min, max)
	}
	return n
}

// enum reads a parameter that must be one of allowed.
func enum[T ~string](q *query, name string, allowed []T) T {
	v := T(q.str(name))
	if v != "" && !slices.Contains(allowed, v) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		q.errs.Add(name, "must be one of %s", strings.Join(names, ", "))
	}
	return v
}

func (q *query) bbox() *geo.BBox {
	s := q.str("bbox")
	if s == "" {
		return nil
	}
	b, err := geo.ParseBBox(s)
	if err != nil {
		q.errs.Add("bbox", "%v", err)
		return nil
	}
	return &b
}

// cursor decodes the opaque cursor of a list.
func (q *query) cursor() string {
	s := q.str("cursor")
	if s == "" {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		q.errs.Add("cursor", "is not a cursor this server gave out")
		return ""
	}
	return string(b)
}

func (q *query) err() error { return q.errs.Err() }

func encodeCursor(key string) string {
	if key == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// list is the shape of every list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: encodeCursor(next)}
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// reply writes v as JSON with the status.
func reply(c echo.Context, status int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(status)
	return encodeJSON(c.Response(), v)
}

// actor returns the authenticated actor of the request.
func actor(c echo.Context) dispatchd.Actor {
	a, _ := dispatchd.ActorFrom(c.Request().Context())
	return a
}
