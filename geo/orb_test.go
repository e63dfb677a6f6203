package geo

import (
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
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

// TestOrbGeoJSONRoundTrip reads back what orb's geojson package writes.
func TestOrbGeoJSONRoundTrip(t *testing.T) {
	for _, p := range []Point{{Lon: 120.13, Lat: 30.26}, {Lon: -179.999999, Lat: 89.5}, {Lon: 1e-9, Lat: -0.1}} {
		b, err := json.Marshal(geojson.NewGeometry(p.Orb()))
		if err != nil {
			t.Fatal(err)
		}
		var got Point
		if err := got.UnmarshalJSON(b); err != nil || got != p {
			t.Errorf("%s: got %+v (%v), want %+v", b, got, err, p)
		}
	}
}
