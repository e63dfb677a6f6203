package geo

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Reference pairs published in the README of wandergis/coordtransform, the
// most used implementation of these formulas: conversions of (116.404, 39.915),
// Tiananmen in Beijing.
var refs = []struct {
	name             string
	fn               func(float64, float64) (float64, float64)
	lon, lat         float64
	wantLon, wantLat float64
}{
	{"wgs84togcj02", WGS84ToGCJ02, 116.404, 39.915, 116.41024449916938, 39.91640428150164},
	{"gcj02tobd09", GCJ02ToBD09, 116.404, 39.915, 116.41036949371029, 39.92133699351021},
	{"bd09togcj02 (closed form)", bd09ToGCJ02Approx, 116.404, 39.915, 116.39762729119315, 39.90865673957631},
}

func TestReferencePairs(t *testing.T) {
	for _, tt := range refs {
		t.Run(tt.name, func(t *testing.T) {
			lon, lat := tt.fn(tt.lon, tt.lat)
			if math.Abs(lon-tt.wantLon) > 1e-9 || math.Abs(lat-tt.wantLat) > 1e-9 {
				t.Fatalf("got %.14f,%.14f, want %.14f,%.14f", lon, lat, tt.wantLon, tt.wantLat)
			}
		})
	}
	// The published one-step GCJ-02 inverse of (116.404, 39.915) is
	// (116.39775550083061, 39.91359571849836); the exact inverse is within
	// a few metres of it, and maps forward onto the input.
	lon, lat := GCJ02ToWGS84(116.404, 39.915)
	if d := Distance(Point{Lon: lon, Lat: lat}, Point{Lon: 116.39775550083061, Lat: 39.91359571849836}); d > 5 {
		t.Fatalf("got %v m from the one-step inverse, want under 5 m", d)
	}
	// BD-09's closed-form inverse is within a few centimetres of the exact.
	blon, blat := BD09ToGCJ02(116.404, 39.915)
	if d := Distance(Point{Lon: blon, Lat: blat}, Point{Lon: 116.39762729119315, Lat: 39.90865673957631}); d > 0.5 {
		t.Fatalf("got %v m from the closed-form BD-09 inverse, want under 0.5 m", d)
	}
}

// TestRoundTrips checks the inverses to a millimetre over random points of
// mainland China.
func TestRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var worstGCJ, worstBD float64
	for range 20000 {
		p := Point{Lon: 73.5 + r.Float64()*61.5, Lat: 18 + r.Float64()*35.5}
		g := p.To(GCJ02)
		back, err := g.WGS84()
		if err != nil {
			t.Fatal(err)
		}
		worstGCJ = math.Max(worstGCJ, Distance(p, back))
		b := p.To(BD09)
		back, err = b.WGS84()
		if err != nil {
			t.Fatal(err)
		}
		worstBD = math.Max(worstBD, Distance(p, back))
	}
	if worstGCJ > 0.001 || worstBD > 0.001 {
		t.Fatalf("got worst round trips %v m (GCJ-02) and %v m (BD-09), want under 1 mm", worstGCJ, worstBD)
	}
	t.Logf("worst round trip: GCJ-02 %.2e m, BD-09 %.2e m", worstGCJ, worstBD)
}

func TestOffsetIsRealInChinaAndNoneOutside(t *testing.T) {
	hz := Point{Lon: 120.15, Lat: 30.28}
	if d := Distance(hz, hz.To(GCJ02)); d < 100 || d > 1000 {
		t.Fatalf("got a GCJ-02 offset of %v m in Hangzhou, want a few hundred", d)
	}
	paris := Point{Lon: 2.35, Lat: 48.85}
	if g := paris.To(GCJ02); g.Lon != paris.Lon || g.Lat != paris.Lat {
		t.Fatalf("got %v, want GCJ-02 to be WGS-84 outside China", g)
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		name string
		a, b Point
		want float64 // metres
		tol  float64
	}{
		{"same point", Point{Lon: 120, Lat: 30}, Point{Lon: 120, Lat: 30}, 0, 1e-9},
		{"one degree of latitude", Point{Lon: 120, Lat: 30}, Point{Lon: 120, Lat: 31}, 111195, 5},
		{"Beijing to Shanghai", Point{Lon: 116.4074, Lat: 39.9042}, Point{Lon: 121.4737, Lat: 31.2304}, 1067000, 5000},
		{"antipodes", Point{Lon: 0, Lat: 0.0001}, Point{Lon: 180, Lat: -0.0001}, math.Pi * EarthRadius, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Distance(tt.a, tt.b)
			if math.Abs(got-tt.want) > tt.tol || math.Abs(got-Distance(tt.b, tt.a)) > 1e-6 {
				t.Fatalf("got %v m, want %v ± %v", got, tt.want, tt.tol)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		p    Point
		want string
	}{
		{Point{Lon: 120, Lat: 30}, ""},
		{Point{Lon: 120, Lat: 30, CRS: "GCJ-02"}, ""},
		{Point{Lon: 181, Lat: 30}, "lon 181 is out of range"},
		{Point{Lon: 120, Lat: -91}, "lat -91 is out of range"},
		{Point{Lon: math.NaN(), Lat: 30}, "finite"},
		{Point{Lon: 0, Lat: 0}, "(0, 0)"},
		{Point{Lon: 120, Lat: 30, CRS: "mars"}, "unknown crs"},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: got %v, want %q", tt.p, err, tt.want)
		}
	}
}

func TestPointJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    Point
		wantErr string
	}{
		{`{"lon":120.1,"lat":30.2}`, Point{Lon: 120.1, Lat: 30.2}, ""},
		{`{"lon":120.1,"lat":30.2,"crs":"bd09"}`, Point{Lon: 120.1, Lat: 30.2, CRS: BD09}, ""},
		{`{"type":"Point","coordinates":[120.1,30.2,15]}`, Point{Lon: 120.1, Lat: 30.2}, ""},
		{`{"type":"Point","coordinates":[120.1,30.2],"crs":"gcj02"}`, Point{Lon: 120.1, Lat: 30.2, CRS: GCJ02}, ""},
		{`{"lon":120.1}`, Point{}, "both lon and lat"},
		{`{"lon":"east","lat":1}`, Point{}, "numbers"},
		{`{"lon":1,"lat":2,"alt":3}`, Point{}, "unknown field"},
		{`{"type":"LineString","coordinates":[[1,2]]}`, Point{}, "Point"},
		{`{"type":"Point","coordinates":[1]}`, Point{}, "[lon, lat]"},
		{`[120,30]`, Point{}, "GeoJSON Point"},
		{`{"lon":1,"lat":2,"crs":5}`, Point{}, "crs"},
	}
	for _, tt := range tests {
		var p Point
		err := json.Unmarshal([]byte(tt.in), &p)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: got %v, want an error with %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || p != tt.want {
			t.Errorf("%s: got %+v %v, want %+v", tt.in, p, err, tt.want)
		}
	}
	out, _ := json.Marshal(Point{Lon: 120.5, Lat: 30.25})
	if string(out) != `{"lon":120.5,"lat":30.25}` {
		t.Fatalf("got %s", out)
	}
}

func TestParseBBox(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want BBox
	}{
		{"119.5,29.5,121,30.5", true, BBox{119.5, 29.5, 121, 30.5}},
		{" 1 , 2 , 3 , 4 ", true, BBox{1, 2, 3, 4}},
		{"1,2,3", false, BBox{}},
		{"1,2,x,4", false, BBox{}},
		{"3,2,1,4", false, BBox{}},
		{"1,2,3,NaN", false, BBox{}},
		{"-190,0,0,1", false, BBox{}},
	}
	for _, tt := range tests {
		got, err := ParseBBox(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%q: got %v %v, want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	b := BBox{119, 29, 121, 31}
	if !b.Contains(Point{Lon: 120, Lat: 30}) || b.Contains(Point{Lon: 122, Lat: 30}) {
		t.Fatal("Contains is wrong")
	}
}

func FuzzPointUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`{"lon":120,"lat":30}`, `{"type":"Point","coordinates":[120,30],"crs":"bd09"}`,
		`{"lon":1e400,"lat":0}`, `{"lon":-180,"lat":90,"crs":"gcj02"}`, `null`, `{"type":"Point"}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Point
		if json.Unmarshal(data, &p) != nil || p.Validate() != nil {
			return
		}
		w, err := p.WGS84()
		if err != nil {
			t.Fatalf("a valid point %+v failed to convert: %v", p, err)
		}
		if math.IsNaN(w.Lon) || math.IsNaN(w.Lat) || math.Abs(w.Lon) > 181 || math.Abs(w.Lat) > 91 {
			t.Fatalf("%+v converted to %+v", p, w)
		}
	})
}

func FuzzParseBBox(f *testing.F) {
	f.Add("119.5,29.5,121,30.5")
	f.Add("1,2,3")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBBox(s)
		if err == nil && (b.W > b.E || b.S > b.N || b.W < -180 || b.N > 90) {
			t.Fatalf("accepted a bad box %+v from %q", b, s)
		}
	})
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	for b.Loop() {
		GCJ02ToWGS84(120.15, 30.28)
	}
}

func BenchmarkDistance(b *testing.B) {
	p, q := Point{Lon: 120.15, Lat: 30.28}, Point{Lon: 121.55, Lat: 29.87}
	for b.Loop() {
		Distance(p, q)
	}
}
