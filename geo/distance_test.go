package geo

import (
	"math"
	"testing"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		name string
		a, b Point
		want float64 // metres
		tol  float64
	}{
		{"same point", Point{Lon: 120.15, Lat: 30.28}, Point{Lon: 120.15, Lat: 30.28}, 0, 0},
		{"one degree of latitude", Point{Lon: 120, Lat: 30}, Point{Lon: 120, Lat: 31}, 111195, 1},
		{"one degree of longitude on the equator", Point{Lon: 10, Lat: 0}, Point{Lon: 11, Lat: 0}, 111195, 1},
		{"one degree of longitude at 60°N", Point{Lon: 10, Lat: 60}, Point{Lon: 11, Lat: 60}, 55597, 1},
		// City centres (Tiananmen, People's Square); the usual quoted
		// figure is about 1,067 km.
		{"beijing to shanghai", Point{Lon: 116.3975, Lat: 39.9087}, Point{Lon: 121.4737, Lat: 31.2304}, 1067000, 3000},
		{"beijing to guangzhou", Point{Lon: 116.3975, Lat: 39.9087}, Point{Lon: 113.2644, Lat: 23.1291}, 1889000, 5000},
		{"one metre", Point{Lon: 120, Lat: 30}, Point{Lon: 120, Lat: 30 + 1/111195.0}, 1, 1e-6},
		{"across the antimeridian", Point{Lon: 179.5, Lat: 0}, Point{Lon: -179.5, Lat: 0}, 111195, 1},
		{"pole to pole", Point{Lon: 0, Lat: 90}, Point{Lon: 0, Lat: -90}, math.Pi * earthRadius, 1e-6},
		{"antipodes", Point{Lon: 120, Lat: 30}, Point{Lon: -60, Lat: -30}, math.Pi * earthRadius, 1e-3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Distance(tt.a, tt.b)
			if math.Abs(got-tt.want) > tt.tol || math.IsNaN(got) {
				t.Errorf("got %v, want %v ± %v", got, tt.want, tt.tol)
			}
			if back := Distance(tt.b, tt.a); math.Abs(back-got) > 1e-6 {
				t.Errorf("got %v back, want %v (symmetric)", back, got)
			}
			if self := Distance(tt.a, tt.a); self != 0 {
				t.Errorf("got %v from a point to itself, want 0", self)
			}
		})
	}
}

func TestParseBBox(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    BBox
		wantErr string
	}{
		{"hangzhou", "119.5,29.5,121,30.5", NewBBox(119.5, 29.5, 121, 30.5), ""},
		{"spaces", " 1 , 2 , 3 , 4 ", NewBBox(1, 2, 3, 4), ""},
		{"signs and exponents", "-1.5e1,+2,.5,4E0", NewBBox(-15, 2, 0.5, 4), ""},
		{"whole world", "-180,-90,180,90", NewBBox(-180, -90, 180, 90), ""},
		{"a single point", "120,30,120,30", NewBBox(120, 30, 120, 30), ""},
		{"empty", "", BBox{}, "must be four numbers: west,south,east,north"},
		{"three", "1,2,3", BBox{}, "must be four numbers"},
		{"five", "1,2,3,4,5", BBox{}, "must be four numbers"},
		{"semicolons", "1;2;3;4", BBox{}, "must be four numbers"},
		{"not a number", "1,2,x,4", BBox{}, `east "x" is not a number`},
		{"blank", "1,,3,4", BBox{}, `south "" is not a number`},
		{"NaN", "1,2,3,NaN", BBox{}, `north "NaN" is not a number`},
		{"Inf", "-Inf,2,3,4", BBox{}, `west "-Inf" is not a number`},
		{"hex", "0x10,2,3,4", BBox{}, `west "0x10" is not a number`},
		{"underscore", "1_0,2,30,4", BBox{}, `west "1_0" is not a number`},
		{"overflow", "1,2,1e400,4", BBox{}, `east "1e400" is not a number`},
		{"west out of range", "-190,0,0,1", BBox{}, "west -190 is out of range [-180, 180]"},
		{"north out of range", "0,0,1,91", BBox{}, "north 91 is out of range [-90, 90]"},
		{"lat lon swapped", "30,120,31,121", BBox{}, "south 120 is out of range [-90, 90]"},
		{"west east of east", "3,2,1,4", BBox{}, "west 3 is east of east 1"},
		{"south north of north", "1,4,3,2", BBox{}, "south 4 is north of north 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBBox(tt.in)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBBoxContains(t *testing.T) {
	b := NewBBox(119, 29, 121, 31)
	tests := []struct {
		name string
		p    Point
		want bool
	}{
		{"inside", Point{Lon: 120, Lat: 30}, true},
		{"west edge", Point{Lon: 119, Lat: 30}, true},
		{"north-east corner", Point{Lon: 121, Lat: 31}, true},
		{"east", Point{Lon: 122, Lat: 30}, false},
		{"south", Point{Lon: 120, Lat: 28.999}, false},
		{"NaN", Point{Lon: math.NaN(), Lat: 30}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InBBox(b, tt.p); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"119.5,29.5,121,30.5", "-180,-90,180,90", "1,2,3", "3,2,1,4", "1,2,3,NaN", " 1e2 ,0,1e2,0", "0x1p3,0,9,0", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBBox(s)
		if err != nil {
			if b != (BBox{}) {
				t.Fatalf("got %+v with error %v, want the zero box", b, err)
			}
			return
		}
		w, s0, e, n := b.Left(), b.Bottom(), b.Right(), b.Top()
		for _, v := range [...]float64{w, s0, e, n} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("accepted a non-finite box %+v from %q", b, s)
			}
		}
		if w > e || s0 > n || w < -180 || e > 180 || s0 < -90 || n > 90 {
			t.Fatalf("accepted a bad box %+v from %q", b, s)
		}
		if !InBBox(b, Point{Lon: (w + e) / 2, Lat: (s0 + n) / 2}) {
			t.Fatalf("box %+v from %q does not contain its centre", b, s)
		}
	})
}

func BenchmarkDistance(b *testing.B) {
	p, q := Point{Lon: 120.15, Lat: 30.28}, Point{Lon: 121.55, Lat: 29.87}
	for b.Loop() {
		Distance(p, q)
	}
}
