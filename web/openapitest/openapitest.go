// Package openapitest checks HTTP exchanges against the server's OpenAPI 3
// document with kin-openapi's validator (openapi3filter), so that every
// answer a test receives is one the document promises: its status, its
// content type and its body (fields, required fields, nullability, no
// undocumented field where a schema says additionalProperties false), and
// every request the server accepted (a 2xx answer) is one the document
// allows. Problem details (application/problem+json) are answers like any
// other. Only tests import it.
package openapitest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"dispatchd/web/geojsontest"
)

// Checker validates exchanges against one document. It is safe for
// concurrent use.
type Checker struct {
	doc     *openapi3.T
	routes  []route
	problem *openapi3.SchemaRef // #/components/schemas/Problem, if any
}

type route struct {
	path   string // the document's template, e.g. /api/v1/teams/{id}
	exact  *regexp.Regexp
	prefix *regexp.Regexp // the last parameter spans segments (/ui/{file}), or nil
	item   *openapi3.PathItem
}

// A CAP 1.2 alert (application/cap+xml) is checked for its media type
// only, as the document's other XML would be: its schema is a string.
func init() {
	openapi3filter.RegisterBodyDecoder("application/cap+xml", openapi3filter.PlainBodyDecoder)
}

// New loads and validates an OpenAPI 3 document.
func New(doc []byte) (*Checker, error) {
	t, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := t.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	c := &Checker{doc: t}
	if t.Components != nil {
		c.problem = t.Components.Schemas["Problem"]
	}
	for path, item := range t.Paths.Map() {
		r := route{path: path, item: item, exact: template(path, false)}
		// A path that ends in a parameter may stand for an echo wildcard
		// (/ui/*): the file's path, slashes and all.
		if strings.HasSuffix(path, "}") {
			r.prefix = template(path, true)
		}
		c.routes = append(c.routes, r)
	}
	// The most specific template first: fewer parameters, then longer.
	sort.Slice(c.routes, func(i, j int) bool {
		pi, pj := strings.Count(c.routes[i].path, "{"), strings.Count(c.routes[j].path, "{")
		if pi != pj {
			return pi < pj
		}
		return len(c.routes[i].path) > len(c.routes[j].path)
	})
	return c, nil
}

var param = regexp.MustCompile(`\{(\w+)\}`)

// template compiles a path template: each {name} matches one segment, or
// with spanLast the last one matches the rest of the path.
func template(path string, spanLast bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	locs := param.FindAllStringSubmatchIndex(path, -1)
	at := 0
	for i, l := range locs {
		b.WriteString(regexp.QuoteMeta(path[at:l[0]]))
		seg := "[^/]+"
		if spanLast && i == len(locs)-1 {
			seg = ".+"
		}
		fmt.Fprintf(&b, "(?P<%s>%s)", path[l[2]:l[3]], seg)
		at = l[1]
	}
	b.WriteString(regexp.QuoteMeta(path[at:]) + "$")
	return regexp.MustCompile(b.String())
}

// find returns the operation for a method and path, the template and the
// path parameters.
func (c *Checker) find(method, path string) (*routers.Route, map[string]string) {
	for _, spanning := range []bool{false, true} {
		for _, r := range c.routes {
			re := r.exact
			if spanning {
				re = r.prefix
			}
			if re == nil {
				continue
			}
			m := re.FindStringSubmatch(path)
			if m == nil {
				continue
			}
			op := r.item.GetOperation(method)
			if op == nil {
				continue
			}
			params := map[string]string{}
			for i, name := range re.SubexpNames() {
				if name != "" {
					params[name] = m[i]
				}
			}
			return &routers.Route{Spec: c.doc, Path: r.path, PathItem: r.item, Method: method, Operation: op}, params
		}
	}
	return nil, nil
}

// Check validates one exchange: resp (whose Request is the request
// answered, the last of any redirects followed), its body, and reqBody,
// the body that request sent. The error names the method, the document's
// path, the status and what does not match.
func (c *Checker) Check(reqBody []byte, resp *http.Response, body []byte) error {
	req, status, header := resp.Request, resp.StatusCode, resp.Header
	route, params := c.find(req.Method, req.URL.Path)
	var op *openapi3.Operation
	var path string
	if route != nil {
		op, path = route.Operation, route.Path
	}
	fail := func(err error) error {
		p := req.URL.Path
		if path != "" && path != p {
			p = path + " (" + p + ")"
		}
		return fmt.Errorf("%s %s -> %d %s: %v\nbody: %s", req.Method, p, status, header.Get("Content-Type"), err, abbreviate(body))
	}
	if op == nil {
		return c.checkUnrouted(req, status, header, body, fail)
	}
	if req.Method == http.MethodHead || status == http.StatusNotModified {
		return nil
	}
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return fail(fmt.Errorf("status %d is not documented", status))
	}
	content := ref.Value.Content
	if len(content) == 0 {
		if len(body) > 0 {
			return fail(fmt.Errorf("the document promises no body for status %d", status))
		}
		return nil
	}
	if len(body) == 0 && status != http.StatusNoContent {
		return fail(fmt.Errorf("the document promises a body (%s), the answer has none", strings.Join(contentTypes(content), ", ")))
	}
	if content.Get(header.Get("Content-Type")) == nil {
		return fail(fmt.Errorf("content type %q is not documented for status %d (documented: %s)",
			header.Get("Content-Type"), status, strings.Join(contentTypes(content), ", ")))
	}
	if status >= 200 && status < 300 {
		if err := c.checkRequest(req, reqBody, route, params); err != nil {
			return fail(fmt.Errorf("the server accepted a request the document does not allow: %w", err))
		}
	}
	if !isJSON(header.Get("Content-Type")) || status == http.StatusPartialContent {
		// A page, script, style or binary file, or a range of a file: its
		// type is all the document says.
		return nil
	}
	if strings.EqualFold(header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			return fail(fmt.Errorf("gunzip the body: %w", err))
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fail(err)
	}
	if isGeoJSON(header.Get("Content-Type")) && status == http.StatusOK {
		if err := geojsontest.Check(body); err != nil {
			return fail(fmt.Errorf("not valid RFC 7946 GeoJSON: %w", err))
		}
	}
	return nil
}

// checkRequest validates the parameters and body of a request. A member
// that is null in a JSON body is taken as absent, as Go's encoding/json
// decodes it into a struct.
func (c *Checker) checkRequest(req *http.Request, body []byte, route *routers.Route, params map[string]string) error {
	if isJSON(req.Header.Get("Content-Type")) {
		var v any
		if json.Unmarshal(body, &v) == nil {
			body, _ = json.Marshal(dropNulls(v))
		}
	}
	r := req.Clone(context.Background())
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.Body, _ = r.GetBody()
	if len(body) == 0 {
		r.Body, r.GetBody = http.NoBody, nil
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	})
}

// dropNulls removes the members of objects whose value is null.
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, m := range v {
			if m == nil {
				delete(v, k)
			} else {
				v[k] = dropNulls(m)
			}
		}
	case []any:
		for i := range v {
			v[i] = dropNulls(v[i])
		}
	}
	return v
}

// checkUnrouted checks an answer to a request that no operation
// describes: a CORS preflight, or a problem for a path or method that does
// not exist.
func (c *Checker) checkUnrouted(req *http.Request, status int, header http.Header, body []byte, fail func(error) error) error {
	switch {
	case req.Method == http.MethodOptions && status == http.StatusNoContent:
		return nil // a CORS preflight, answered by the middleware
	case status != http.StatusNotFound && status != http.StatusMethodNotAllowed:
		return fail(errors.New("the OpenAPI document has no such operation"))
	case c.problem == nil:
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != "application/problem+json" {
		return fail(errors.New("an answer without an operation must be application/problem+json"))
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fail(fmt.Errorf("decode the problem: %w", err))
	}
	if err := c.problem.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		return fail(fmt.Errorf("the problem does not match #/components/schemas/Problem: %w", err))
	}
	return nil
}

// T is the part of testing.TB that CheckT needs.
type T interface {
	Helper()
	Errorf(format string, args ...any)
}

// CheckT reports a mismatch as a test error. A GeoJSON answer is also
// given to @placemarkio/check-geojson when it is installed (make ui); CI
// (CI=true) fails without it.
func (c *Checker) CheckT(t T, reqBody []byte, resp *http.Response, body []byte) {
	t.Helper()
	if err := c.Check(reqBody, resp, body); err != nil {
		t.Errorf("the exchange does not match the OpenAPI document: %v", err)
		return
	}
	if !isGeoJSON(resp.Header.Get("Content-Type")) || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" {
		return
	}
	err := geojsontest.Validate(body)
	if errors.Is(err, geojsontest.ErrNoValidator) && os.Getenv("CI") != "true" {
		return
	}
	if err != nil {
		t.Errorf("%s %s -> %d: the GeoJSON validator refuses the answer: %v", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, err)
	}
}

func isGeoJSON(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/geo+json"
}

// isJSON says whether a media type is JSON (application/json or a +json
// type such as application/problem+json and application/geo+json).
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func contentTypes(c openapi3.Content) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func abbreviate(b []byte) string {
	const n = 600
	if len(b) > n {
		return string(b[:n]) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return string(b)
}
