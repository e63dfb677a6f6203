package regions

import (
	"encoding/json"
	"testing"

	"dispatchd"
	"dispatchd/geo"

	"github.com/paulmach/orb/geojson"
)

// FuzzParseCodes feeds arbitrary files to the code-list reader: nothing
// may panic, a refusal is an input error (or too_large), and every row it
// accepts is a well-formed region whose level and parent agree with its
// code.
func FuzzParseCodes(f *testing.F) {
	for _, s := range []string{
		"\ufeff行政区划代码,单位名称\n420000,湖北省\n429004,仙桃市\n330127101,千岛湖镇\n",
		"code,name,level,parent\n330100,杭州市,city,330000\n330127000000,淳安县,,\n",
		"code,name\n\"33\"0000,x\n", "code,name\n330000", ",,,\n", "\xb4\xfa\xc2\xeb,\xc3\xfb\xb3\xc6\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseCodes(data)
		if err != nil {
			if c := dispatchd.ErrorCode(err); c != dispatchd.EINVALID && c != dispatchd.ETOOLARGE {
				t.Fatalf("%q: got %v, want an input error", data, err)
			}
			return
		}
		for _, r := range rows {
			if !dispatchd.ValidRegion(r.Code) || r.Name == "" {
				t.Fatalf("%q: accepted %+v", data, r)
			}
			if r.Parent != "" && !dispatchd.InRegion(r.Parent, r.Code) {
				t.Fatalf("%q: accepted parent %s of %s", data, r.Parent, r.Code)
			}
		}
	})
}

// FuzzParseBoundaries feeds arbitrary files to the boundaries reader:
// nothing may panic, a refusal is an input error, and every outline it
// accepts reads back through orb as a Polygon or MultiPolygon of closed
// rings within range.
func FuzzParseBoundaries(f *testing.F) {
	for _, s := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"adcode":330127},"geometry":{"type":"Polygon","coordinates":[[[119,29],[120,29],[120,30],[119,29]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330127"},"geometry":{"type":"MultiPolygon","coordinates":[[[[119,29],[120,29],[120,30],[119,29]]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330127"},"geometry":{"type":"Polygon","coordinates":[[[119,29],[120,29]]]}}]}`,
		`{"features":[{}],"type":"FeatureCollection"}`, `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":null}}]}`,
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, gcj bool) {
		crs := geo.WGS84
		if gcj {
			crs = geo.GCJ02
		}
		bs, err := ParseBoundaries(data, crs)
		if err != nil {
			if c := dispatchd.ErrorCode(err); c != dispatchd.EINVALID && c != dispatchd.ETOOLARGE {
				t.Fatalf("%q: got %v, want an input error", data, err)
			}
			return
		}
		for _, b := range bs {
			if !dispatchd.ValidRegion(b.Code) {
				t.Fatalf("%q: accepted code %q", data, b.Code)
			}
			g, err := geojson.UnmarshalGeometry([]byte(b.Geometry))
			if err != nil {
				t.Fatalf("%q: wrote %s, which orb cannot read: %v", data, b.Geometry, err)
			}
			if x := NewIndex([]Region{{Code: b.Code, Boundary: b.Geometry}}); x.Len() != 1 {
				t.Fatalf("%q: wrote %s, which the index leaves out", data, b.Geometry)
			}
			if !json.Valid([]byte(b.Geometry)) || g.Coordinates.Bound().Max[1] > 90 {
				t.Fatalf("%q: wrote %s", data, b.Geometry)
			}
		}
	})
}
