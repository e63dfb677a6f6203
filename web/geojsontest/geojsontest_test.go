package geojsontest

import (
	"errors"
	"os"
	"strings"
	"testing"
)

var cases = []struct {
	name, doc, want string // want: part of the error, "" for valid
}{
	{"point", `{"type":"Point","coordinates":[120.1,30.2]}`, ""},
	{"point with altitude", `{"type":"Point","coordinates":[120.1,30.2,5]}`, ""},
	{"line of two", `{"type":"LineString","coordinates":[[120,30],[121,31]]}`, ""},
	{"feature with null geometry", `{"type":"Feature","geometry":null,"properties":{"team":"t1"}}`, ""},
	{"collection with a foreign member", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]},"properties":null}],"next_cursor":"x"}`, ""},
	{"polygon with a hole", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,8],[8,8],[8,2],[2,2]]]}`, ""},
	{"hole touching the exterior", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[0,0],[2,8],[8,8],[0,0]]]}`, ""},
	{"multipolygon", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}`, ""},

	{"line of one position", `{"type":"LineString","coordinates":[[120,30]]}`, "needs 2 or more positions, has 1"},
	{"line of none", `{"type":"LineString","coordinates":[]}`, "needs 2 or more positions, has 0"},
	{"open ring", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, "closed"},
	{"ring of three", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`, "needs 4 or more positions, has 3"},
	{"flat ring", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[2,0],[0,0]]]}`, "no area"},
	{"clockwise exterior", `{"type":"Polygon","coordinates":[[[0,0],[0,10],[10,10],[10,0],[0,0]]]}`, "exterior ring runs clockwise"},
	{"counterclockwise hole", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[8,2],[8,8],[2,8],[2,2]]]}`, "hole runs counterclockwise"},
	{"island written as a hole", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[20,20],[20,21],[21,21],[21,20],[20,20]]]}`, "not inside the exterior"},
	{"hole crossing the exterior", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[5,5],[5,15],[8,15],[8,5],[5,5]]]}`, "not inside the exterior"},
	{"latitude first", `{"type":"Point","coordinates":[30,120]}`, "not a longitude and latitude"},
	{"position of one number", `{"type":"Point","coordinates":[30]}`, "two or three numbers"},
	{"position of strings", `{"type":"Point","coordinates":["1","2"]}`, "holds numbers"},
	{"feature without properties", `{"type":"Feature","geometry":null}`, `"properties" member`},
	{"feature without geometry", `{"type":"Feature","properties":{}}`, `"geometry" member`},
	{"feature with an object id", `{"type":"Feature","id":{},"geometry":null,"properties":{}}`, "string or a number"},
	{"collection of geometries", `{"type":"FeatureCollection","features":[{"type":"Point","coordinates":[1,2]}]}`, "must be a Feature"},
	{"unknown type", `{"type":"Circle","coordinates":[1,2]}`, "unknown type"},
	{"not JSON", `{"type":`, "not JSON"},
}

func TestCheck(t *testing.T) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.doc))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestValidate runs the npm validator over what it can see: structure,
// positions, closed rings of four or more (not winding, which Check
// holds).
func TestValidate(t *testing.T) {
	if err := Validate([]byte(`{"type":"Point","coordinates":[1,2]}`)); errors.Is(err, ErrNoValidator) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	for _, tt := range []struct {
		name, doc string
		valid     bool
	}{
		{"point", `{"type":"Point","coordinates":[120.1,30.2]}`, true},
		{"feature with null geometry", `{"type":"Feature","geometry":null,"properties":{"team":"t1"}}`, true},
		{"line of one position", `{"type":"LineString","coordinates":[[120,30]]}`, false},
		{"open ring", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, false},
		{"ring of three", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`, false},
		{"feature without properties", `{"type":"Feature","geometry":null}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate([]byte(tt.doc))
			if (err == nil) != tt.valid {
				t.Errorf("got %v, want valid %v", err, tt.valid)
			}
		})
	}
}

// TestValidateMany names the document at fault among several.
func TestValidateMany(t *testing.T) {
	good, bad := []byte(`{"type":"Point","coordinates":[1,2]}`), []byte(`{"type":"LineString","coordinates":[[1,2]]}`)
	err := Validate(good, bad, good)
	if errors.Is(err, ErrNoValidator) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err == nil || !strings.Contains(err.Error(), "document 1:") || strings.Contains(err.Error(), "document 0:") {
		t.Errorf("got %v, want an issue in document 1 only", err)
	}
	if err := Validate(good, good); err != nil {
		t.Errorf("got %v, want nil", err)
	}
}

func FuzzCheck(f *testing.F) {
	for _, tt := range cases {
		f.Add(tt.doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		_ = Check([]byte(doc)) // must not panic
	})
}
