package openapitest

import (
	"net/http"
	"strings"
	"testing"
)

const doc = `{
 "openapi": "3.0.3",
 "info": {"title": "t", "version": "1"},
 "security": [{"bearer": []}],
 "paths": {
  "/things/{id}": {
   "get": {
    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                   {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10}}],
    "responses": {
     "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
     "404": {"description": "no", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
     "204": {"description": "nothing"}
    }
   }
  },
  "/things": {
   "post": {
    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
     "required": ["name"], "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}}}}},
    "responses": {"201": {"description": "made", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                  "400": {"description": "bad", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}
   }
  },
  "/files/{file}": {
   "get": {
    "parameters": [{"name": "file", "in": "path", "required": true, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "a file", "content": {"text/javascript": {"schema": {"type": "string"}}}}}
   }
  },
  "/map": {
   "get": {"responses": {"200": {"description": "a map", "content": {"application/geo+json": {"schema": {"type": "object"}}}}}}
  }
 },
 "components": {
  "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
  "schemas": {
   "Thing": {"type": "object", "additionalProperties": false, "required": ["id", "tags"],
    "properties": {"id": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}, "note": {"type": "string", "nullable": true}}},
   "Problem": {"type": "object", "additionalProperties": false, "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}}
  }
 }
}`

const problem = `{"type":"about:blank","title":"Not Found","status":404,"detail":"no such thing"}`

func TestCheck(t *testing.T) {
	c, err := New([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, method, path string
		sent               string // the request's body
		status             int
		ctype, body        string
		want               string // part of the error; "" for a match
	}{
		{"a thing", "GET", "/things/a", "", 200, "application/json", `{"id":"a","tags":[],"note":null}`, ""},
		{"a thing, charset", "GET", "/things/a", "", 200, "application/json; charset=utf-8", `{"id":"a","tags":["x"]}`, ""},
		{"a problem", "GET", "/things/b", "", 404, "application/problem+json", problem, ""},
		{"no content", "GET", "/things/a", "", 204, "", "", ""},
		{"a file under a wildcard", "GET", "/files/js/app.js", "", 200, "text/javascript; charset=utf-8", "let a", ""},
		{"a problem for no route", "GET", "/nothing", "", 404, "application/problem+json", problem, ""},
		{"a problem for no method", "DELETE", "/things/a", "", 405, "application/problem+json", problem, ""},
		{"a CORS preflight", "OPTIONS", "/things/a", "", 204, "", "", ""},
		{"GeoJSON", "GET", "/map", "", 200, "application/geo+json", `{"type":"Point","coordinates":[1,2]}`, ""},

		{"undocumented status", "GET", "/things/a", "", 413, "application/problem+json", problem, "status 413 is not documented"},
		{"undocumented content type", "GET", "/things/a", "", 200, "text/plain", `{"id":"a","tags":[]}`, `content type "text/plain" is not documented`},
		{"undocumented field", "GET", "/things/a", "", 200, "application/json", `{"id":"a","tags":[],"size":1}`, "size"},
		{"missing field", "GET", "/things/a", "", 200, "application/json", `{"id":"a"}`, "tags"},
		{"null where an array is documented", "GET", "/things/a", "", 200, "application/json", `{"id":"a","tags":null}`, "not nullable"},
		{"a body where none is documented", "GET", "/things/a", "", 204, "application/json", `{}`, "promises no body"},
		{"no body where one is documented", "GET", "/things/a", "", 200, "application/json", ``, "promises a body"},
		{"a problem that is not one", "GET", "/things/b", "", 404, "application/problem+json", `{"title":"x"}`, "type"},
		{"an accepted request the document refuses", "GET", "/things/a?limit=11", "", 200, "application/json", `{"id":"a","tags":[]}`, "limit"},
		{"no such route", "GET", "/nothing", "", 200, "application/json", `{}`, "no such operation"},
		{"a problem for no route in JSON", "GET", "/nothing", "", 404, "application/json", `{}`, "problem+json"},
		{"a request body", "POST", "/things", `{"name":"a","tags":null}`, 201, "application/json", `{"id":"a","tags":[]}`, ""},
		{"a refused request body", "POST", "/things", `{"name":"a","size":1}`, 400, "application/problem+json", problem, ""},
		{"an accepted body with an undocumented field", "POST", "/things", `{"name":"a","size":1}`, 201, "application/json", `{"id":"a","tags":[]}`, "size"},
		{"an accepted body without a required field", "POST", "/things", `{"tags":["x"]}`, 201, "application/json", `{"id":"a","tags":[]}`, "name"},
		{"invalid GeoJSON", "GET", "/map", "", 200, "application/geo+json", `{"type":"LineString","coordinates":[[1,2]]}`, "RFC 7946"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// As a client sends it: with GetBody, which the validator
			// reads back.
			req, err := http.NewRequest(tt.method, "http://dispatchd"+tt.path, strings.NewReader(tt.sent))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}, Request: req}
			if tt.ctype != "" {
				resp.Header.Set("Content-Type", tt.ctype)
			}
			err = c.Check([]byte(tt.sent), resp, []byte(tt.body))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want a match", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error with %q", err, tt.want)
			case err != nil && !strings.Contains(err.Error(), tt.method+" ") || err != nil && !strings.Contains(err.Error(), "-> "):
				t.Errorf("got %v, want the method, path and status named", err)
			}
		})
	}
}
