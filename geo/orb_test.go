package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestOrb(t *testing.T) {
	for _, tt := range []struct {
		p    Point
		want orb.Point
		back Point
	}{
		{Point{Lon: 120.13, Lat: 30.26}, orb.Point{120.13, 30.26}, Point{Lon: 120.13, Lat: 30.26}},
		{Point{Lon: -180, Lat: -90}, orb.Point{-180, -90}, Point{Lon: -180, Lat: -90}},
		// The datum is not part of a GeoJSON position.
		{Point{Lon: 116.4, Lat: 39.9, CRS: GCJ02}, orb.Point{116.4, 39.9}, Point{Lon: 116.4, Lat: 39.9}},
	} {
		if got := tt.p.Orb(); got != tt.want {
			t.Errorf("%+v.Orb(): got %v, want %v", tt.p, got, tt.want)
		}
		if got := FromOrb(tt.want); got != tt.back {
			t.Errorf("FromOrb(%v): got %+v, want %+v", tt.want, got, tt.back)
		}
	}
}
