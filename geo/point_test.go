package geo

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       Point
		wantErr string
	}{
		{"hangzhou", Point{Lon: 120.15, Lat: 30.28}, ""},
		{"gcj02", Point{Lon: 120.15, Lat: 30.28, CRS: GCJ02}, ""},
		{"spelled GCJ-02", Point{Lon: 120.15, Lat: 30.28, CRS: "GCJ-02"}, ""},
		{"corners", Point{Lon: -180, Lat: 90}, ""},
		{"on the equator", Point{Lon: 10, Lat: 0}, ""},
		{"on the prime meridian", Point{Lon: 0, Lat: 51.48}, ""},
		{"lon too big", Point{Lon: 181, Lat: 30}, "lon 181 is out of range [-180, 180]"},
		{"lon too small", Point{Lon: -180.5, Lat: 30}, "lon -180.5 is out of range [-180, 180]"},
		{"lat too big", Point{Lon: 120, Lat: 95}, "lat 95 is out of range [-90, 90]"},
		{"lat too small", Point{Lon: 120, Lat: -91}, "lat -91 is out of range [-90, 90]"},
		{"lat and lon swapped", Point{Lon: 30.28, Lat: 120.15}, "lat 120.15 is out of range"},
		{"NaN lon", Point{Lon: math.NaN(), Lat: 30}, "lon NaN is not a finite number"},
		{"Inf lat", Point{Lon: 120, Lat: math.Inf(1)}, "lat +Inf is not a finite number"},
		{"null island", Point{}, "coordinates (0, 0) are not a real position"},
		{"negative zero null island", Point{Lon: math.Copysign(0, -1), Lat: 0}, "coordinates (0, 0) are not a real position"},
		{"unknown crs", Point{Lon: 120, Lat: 30, CRS: "mars"}, `unknown crs "mars"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.p.Validate(), tt.wantErr)
		})
	}
}

func TestWGS84(t *testing.T) {
	hz := Point{Lon: 120.15, Lat: 30.28}
	gLon, gLat := WGS84ToGCJ02(hz.Lon, hz.Lat)
	bLon, bLat := WGS84ToBD09(hz.Lon, hz.Lat)
	tests := []struct {
		name    string
		p       Point
		want    Point
		tol     float64 // metres
		wantErr string
	}{
		{"wgs84 is unchanged", hz, hz, 0, ""},
		{"explicit wgs84 loses its crs", Point{Lon: hz.Lon, Lat: hz.Lat, CRS: WGS84}, hz, 0, ""},
		{"gcj02", Point{Lon: gLon, Lat: gLat, CRS: GCJ02}, hz, 1e-4, ""},
		{"GCJ-02", Point{Lon: gLon, Lat: gLat, CRS: "GCJ-02"}, hz, 1e-4, ""},
		{"bd09", Point{Lon: bLon, Lat: bLat, CRS: BD09}, hz, 1e-4, ""},
		{"gcj02 outside china", Point{Lon: 2.35, Lat: 48.85, CRS: GCJ02}, Point{Lon: 2.35, Lat: 48.85}, 0, ""},
		{"bd09 at the south pole", Point{Lon: 10, Lat: -90, CRS: BD09}, Point{Lon: 9.9935, Lat: -90}, 1000, ""},
		{"bd09 on the antimeridian", Point{Lon: -180, Lat: 10, CRS: BD09}, Point{Lon: 179.9935, Lat: 9.994}, 1000, ""},
		{"invalid", Point{Lon: 200, Lat: 30, CRS: GCJ02}, Point{}, 0, "lon 200 is out of range"},
		{"unknown crs", Point{Lon: 120, Lat: 30, CRS: "wgs"}, Point{}, 0, `unknown crs "wgs"`},
		{"baidu's null island", Point{Lon: 0.0065, Lat: 0.006, CRS: BD09}, Point{}, 0, "are (0, 0) in wgs84, not a real position"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.WGS84()
			checkErr(t, err, tt.wantErr)
			if err != nil {
				return
			}
			if got.CRS != "" {
				t.Errorf("got crs %q, want \"\"", got.CRS)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("got invalid %v: %v", got, err)
			}
			if d := Distance(got, tt.want); d > tt.tol {
				t.Errorf("got %v, want %v (%v m away, want under %v m)", got, tt.want, d, tt.tol)
			}
		})
	}
}

func TestTo(t *testing.T) {
	hz := Point{Lon: 120.15, Lat: 30.28}
	gLon, gLat := WGS84ToGCJ02(hz.Lon, hz.Lat)
	bLon, bLat := WGS84ToBD09(hz.Lon, hz.Lat)
	gcj := Point{Lon: gLon, Lat: gLat, CRS: GCJ02}
	bd := Point{Lon: bLon, Lat: bLat, CRS: BD09}
	tests := []struct {
		name string
		p    Point
		crs  CRS
		want Point
	}{
		{"to gcj02", hz, GCJ02, gcj},
		{"to bd09", hz, BD09, bd},
		{"to wgs84", hz, WGS84, hz},
		{"to empty", hz, "", hz},
		{"spelled BD-09", hz, "BD-09", bd},
		{"unknown gives wgs84", hz, "mars", hz},
		{"gcj02 to gcj02", gcj, GCJ02, gcj},
		{"bd09 to gcj02", bd, GCJ02, gcj},
		{"gcj02 to wgs84", gcj, WGS84, hz},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.To(tt.crs)
			if got.CRS != tt.want.CRS || Distance(got, tt.want) > 1e-4 {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		name    string
		p       Point
		want    string
		wantErr string
	}{
		{"wgs84", Point{Lon: 120.5, Lat: 30.25}, `{"lon":120.5,"lat":30.25}`, ""},
		{"explicit wgs84", Point{Lon: 120.5, Lat: 30.25, CRS: WGS84}, `{"lon":120.5,"lat":30.25}`, ""},
		{"gcj02", Point{Lon: 120.5, Lat: 30.25, CRS: GCJ02}, `{"lon":120.5,"lat":30.25,"crs":"gcj02"}`, ""},
		{"canonical crs", Point{Lon: 120.5, Lat: 30.25, CRS: "BD-09"}, `{"lon":120.5,"lat":30.25,"crs":"bd09"}`, ""},
		{"full precision", Point{Lon: 120.12345678901234, Lat: -30.000001}, `{"lon":120.12345678901234,"lat":-30.000001}`, ""},
		{"NaN", Point{Lon: math.NaN(), Lat: 1}, "", "not finite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.p)
			checkErr(t, err, tt.wantErr)
			if err == nil && string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Point
		wantErr string
	}{
		{"lon lat", `{"lon":120.1,"lat":30.2}`, Point{Lon: 120.1, Lat: 30.2}, ""},
		{"lat first", `{"lat":30.2,"lon":120.1}`, Point{Lon: 120.1, Lat: 30.2}, ""},
		{"crs", `{"lon":120.1,"lat":30.2,"crs":"bd09"}`, Point{Lon: 120.1, Lat: 30.2, CRS: BD09}, ""},
		{"crs canonicalised", `{"lon":120.1,"lat":30.2,"crs":"GCJ-02"}`, Point{Lon: 120.1, Lat: 30.2, CRS: GCJ02}, ""},
		{"wgs84 stored as empty", `{"lon":120.1,"lat":30.2,"crs":"WGS84"}`, Point{Lon: 120.1, Lat: 30.2}, ""},
		{"crs null", `{"lon":120.1,"lat":30.2,"crs":null}`, Point{Lon: 120.1, Lat: 30.2}, ""},
		{"unknown crs is left to Validate", `{"lon":120.1,"lat":30.2,"crs":"mars"}`, Point{Lon: 120.1, Lat: 30.2, CRS: "mars"}, ""},
		{"out of range is left to Validate", `{"lon":500,"lat":-100}`, Point{Lon: 500, Lat: -100}, ""},
		{"exponent", `{"lon":1.2e2,"lat":3E1}`, Point{Lon: 120, Lat: 30}, ""},
		{"whitespace", " { \"lon\" : 120 ,\n\"lat\" : 30 } ", Point{Lon: 120, Lat: 30}, ""},
		{"geojson", `{"type":"Point","coordinates":[120.1,30.2]}`, Point{Lon: 120.1, Lat: 30.2}, ""},
		{"geojson altitude", `{"type":"Point","coordinates":[120.1,30.2,15.5]}`, Point{Lon: 120.1, Lat: 30.2}, ""},
		{"geojson crs", `{"coordinates":[120.1,30.2],"type":"Point","crs":"gcj02"}`, Point{Lon: 120.1, Lat: 30.2, CRS: GCJ02}, ""},

		{"array", `[120,30]`, Point{}, `point must be {"lon","lat"} or a GeoJSON Point`},
		{"string", `"120,30"`, Point{}, `point must be {"lon","lat"} or a GeoJSON Point`},
		{"number", `120`, Point{}, `point must be {"lon","lat"} or a GeoJSON Point`},
		{"broken", `{"lon":1,`, Point{}, `point must be {"lon","lat"} or a GeoJSON Point`},
		{"empty object", `{}`, Point{}, "point needs both lon and lat"},
		{"missing lat", `{"lon":120.1}`, Point{}, "point needs both lon and lat"},
		{"missing lon", `{"lat":30.2,"crs":"gcj02"}`, Point{}, "point needs both lon and lat"},
		{"string lon", `{"lon":"120.1","lat":30.2}`, Point{}, "lon must be a number"},
		{"null lat", `{"lon":120.1,"lat":null}`, Point{}, "lat must be a number"},
		{"bool lat", `{"lon":120.1,"lat":true}`, Point{}, "lat must be a number"},
		{"overflow", `{"lon":1e400,"lat":30}`, Point{}, "lon is too large to be a coordinate"},
		{"unknown field", `{"lon":1,"lat":2,"alt":3}`, Point{}, `unknown field "alt" in point`},
		{"wrong case", `{"Lon":1,"lat":2}`, Point{}, `unknown field "Lon" in point`},
		{"lng", `{"lng":1,"lat":2}`, Point{}, `unknown field "lng" in point`},
		{"crs not a string", `{"lon":1,"lat":2,"crs":5}`, Point{}, "crs must be a string"},
		{"geojson linestring", `{"type":"LineString","coordinates":[[1,2],[3,4]]}`, Point{}, `GeoJSON type must be "Point", not "LineString"`},
		{"geojson feature", `{"type":"Feature","geometry":null}`, Point{}, `unknown field "geometry" in point`},
		{"geojson type not a string", `{"type":1,"coordinates":[1,2]}`, Point{}, `needs "type": "Point"`},
		{"geojson without type", `{"coordinates":[1,2]}`, Point{}, `needs "type": "Point"`},
		{"geojson without coordinates", `{"type":"Point"}`, Point{}, "coordinates must be [lon, lat]"},
		{"geojson one coordinate", `{"type":"Point","coordinates":[1]}`, Point{}, "coordinates must be [lon, lat]"},
		{"geojson four coordinates", `{"type":"Point","coordinates":[1,2,3,4]}`, Point{}, "coordinates must be [lon, lat]"},
		{"geojson coordinates object", `{"type":"Point","coordinates":{"lon":1,"lat":2}}`, Point{}, "coordinates must be [lon, lat]"},
		{"geojson null coordinate", `{"type":"Point","coordinates":[1,null]}`, Point{}, "lat must be a number"},
		{"geojson string altitude", `{"type":"Point","coordinates":[1,2,"high"]}`, Point{}, "altitude must be a number"},
		{"geojson mixed with lon", `{"type":"Point","coordinates":[1,2],"lon":1}`, Point{}, `unknown field "lon" in point`},
		{"geojson bbox", `{"type":"Point","coordinates":[1,2],"bbox":[1,2,1,2]}`, Point{Lon: 1, Lat: 2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sentinel := Point{Lon: -1, Lat: -2, CRS: "sentinel"}
			got := sentinel
			err := got.UnmarshalJSON([]byte(tt.in))
			checkErr(t, err, tt.wantErr)
			switch {
			case err == nil && got != tt.want:
				t.Errorf("got %+v, want %+v", got, tt.want)
			case err != nil && got != sentinel:
				t.Errorf("got %+v after an error, want it unchanged", got)
			}
		})
	}
}

func TestUnmarshalJSONNullLeavesPointUnchanged(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"field", `{"at":null}`},
		{"absent", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := struct{ At Point }{At: Point{Lon: 120, Lat: 30, CRS: GCJ02}}
			if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if want := (Point{Lon: 120, Lat: 30, CRS: GCJ02}); v.At != want {
				t.Errorf("got %v, want %v", v.At, want)
			}
		})
	}
	var p *Point
	if err := json.Unmarshal([]byte(`null`), &p); err != nil || p != nil {
		t.Errorf("got %v, %v, want a nil pointer", p, err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		p    Point
	}{
		{"wgs84", Point{Lon: 120.15, Lat: 30.28}},
		{"gcj02", Point{Lon: 120.154, Lat: 30.276, CRS: GCJ02}},
		{"bd09", Point{Lon: 120.16, Lat: 30.28, CRS: BD09}},
		{"extremes", Point{Lon: -180, Lat: -90}},
		{"tiny", Point{Lon: 1e-300, Lat: -5e-324}},
		{"many digits", Point{Lon: 116.39775550083061, Lat: 39.91359571849836}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.p)
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			var got Point
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("got %v decoding %s, want no error", err, b)
			}
			if got != tt.p {
				t.Errorf("got %+v, want %+v (via %s)", got, tt.p, b)
			}
		})
	}
}

func TestUnmarshalJSONInStruct(t *testing.T) {
	var v struct {
		Base *Point `json:"base"`
	}
	err := json.Unmarshal([]byte(`{"base":{"lon":1}}`), &v)
	checkErr(t, err, "point needs both lon and lat")
	err = json.Unmarshal([]byte(`{"base":{"type":"Point","coordinates":[120.1,30.2],"crs":"bd09"}}`), &v)
	checkErr(t, err, "")
	if want := (Point{Lon: 120.1, Lat: 30.2, CRS: BD09}); v.Base == nil || *v.Base != want {
		t.Errorf("got %v, want %v", v.Base, want)
	}
}

func FuzzPointUnmarshalJSON(f *testing.F) {
	for _, s := range []string{
		`{"lon":120.15,"lat":30.28}`,
		`{"lon":120.15,"lat":30.28,"crs":"gcj02"}`,
		`{"lon":-180,"lat":90,"crs":"BD-09"}`,
		`{"lon":180,"lat":-90,"crs":"bd09"}`,
		`{"lon":0.0065,"lat":0.006,"crs":"bd09"}`,
		`{"type":"Point","coordinates":[120,30],"crs":"bd09"}`,
		`{"type":"Point","coordinates":[120,30,8848.86]}`,
		`{"lon":1e400,"lat":0}`,
		`{"lon":null,"lat":5}`,
		`{"lon":"1","lat":2}`,
		`{"type":"Point"}`,
		`{"type":"LineString","coordinates":[[1,2]]}`,
		`{"lon":1,"lat":2,"x":3}`,
		`null`,
		`[`,
		``,
		`[120,30]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Point
		if p.UnmarshalJSON(data) != nil {
			return
		}
		if math.IsNaN(p.Lon) || math.IsInf(p.Lon, 0) || math.IsNaN(p.Lat) || math.IsInf(p.Lat, 0) {
			t.Fatalf("decoded a non-finite %+v from %q", p, data)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("decoded %+v from %q, then could not encode it: %v", p, data, err)
		}
		var again Point
		if err := json.Unmarshal(b, &again); err != nil || again != p {
			t.Fatalf("decoded %+v from %q, encoded %s, decoded %+v, %v", p, data, b, again, err)
		}
		if p.Validate() != nil {
			return
		}
		w, err := p.WGS84()
		if err != nil {
			if p.CRS == BD09 && strings.Contains(err.Error(), "are (0, 0) in wgs84") {
				return
			}
			t.Fatalf("valid %+v failed to convert: %v", p, err)
		}
		if err := w.Validate(); err != nil || w.CRS != "" {
			t.Fatalf("valid %+v converted to %+v: %v", p, w, err)
		}
		if p.CRS != BD09 && !InChina(p.Lon, p.Lat) && (w.Lon != p.Lon || w.Lat != p.Lat) {
			t.Fatalf("%+v outside China converted to %+v", p, w)
		}
		if InChina(p.Lon, p.Lat) && Distance(p, w) > 2000 {
			t.Fatalf("%+v converted to %+v, %v m away", p, w, Distance(p, w))
		}
	})
}
