package zones

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"dispatchd"
	"dispatchd/geo"
)

var hazards = []string{"flood", "typhoon"}

const goodFC = `{"type":"FeatureCollection","features":[
 {"type":"Feature","id":7,"properties":{"level":"red","hazard":"flood","name":"钱塘江","valid_from":"2026-07-01T00:00:00Z","valid_to":"2026-07-01T12:00:00+08:00"},
  "geometry":{"type":"Polygon","coordinates":[[[120,30],[120,30.1],[120.1,30.1],[120.1,30],[120,30]]]}},
 {"type":"Feature","properties":{"id":"m","level":"blue","hazard":"typhoon","valid_from":"2026-07-01T00:00:00Z","valid_to":"2026-07-03T00:00:00Z"},
  "geometry":{"type":"MultiPolygon","coordinates":[[[[121,31],[121.1,31],[121.1,31.1],[121,31],[121,31]]]]}}]}`

func TestParseFeatureCollection(t *testing.T) {
	zs, err := ParseFeatureCollection([]byte(goodFC), hazards, geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	if len(zs) != 2 || zs[0].ID != "7" || zs[1].ID != "m" || zs[0].Name != "钱塘江" || zs[0].Level != Red {
		t.Fatalf("got %+v", zs)
	}
	if !zs[0].ValidTo.Equal(time.Date(2026, 7, 1, 4, 0, 0, 0, time.UTC)) {
		t.Errorf("valid_to %v", zs[0].ValidTo)
	}
	// The clockwise ring is rewound counterclockwise.
	if p, ok := zs[0].Geometry.(orb.Polygon); !ok || p[0].Orientation() != orb.CCW {
		t.Errorf("the polygon is %#v", zs[0].Geometry)
	}
	if _, ok := zs[1].Geometry.(orb.MultiPolygon); !ok {
		t.Errorf("the multipolygon became %T", zs[1].Geometry)
	}
	// GCJ-02 input is shifted back to WGS-84 by a few hundred metres.
	zg, err := ParseFeatureCollection([]byte(goodFC), hazards, geo.GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	a, b := zs[0].Geometry.Bound().Min, zg[0].Geometry.Bound().Min
	if d := geo.Distance(geo.Point{Lon: a[0], Lat: a[1]}, geo.Point{Lon: b[0], Lat: b[1]}); d < 100 || d > 1000 {
		t.Errorf("GCJ-02 shifted the zone by %.0f m", d)
	}

	bad := []struct{ name, body, field string }{
		{"not json", `{`, ""},
		{"no collection", `{"type":"Feature"}`, "type"},
		{"empty", `{"type":"FeatureCollection","features":[]}`, "features"},
		{"level", strings.Replace(goodFC, `"red"`, `"pink"`, 1), "features[0].properties.level"},
		{"hazard", strings.Replace(goodFC, `"typhoon"`, `"tsunami"`, 1), "features[1].properties.hazard"},
		{"times", strings.Replace(goodFC, `"2026-07-03T00:00:00Z"`, `"2026-06-01T00:00:00Z"`, 1), "features[1].properties.valid_to"},
		{"window", strings.Replace(goodFC, `"2026-07-03T00:00:00Z"`, `"2026-07-30T00:00:00Z"`, 1), "features[1].properties.valid_to"},
		{"missing", strings.Replace(goodFC, `,"valid_from":"2026-07-01T00:00:00Z","valid_to":"2026-07-03T00:00:00Z"`, ``, 1), "features[1].properties.valid_from"},
		{"open ring", strings.Replace(goodFC, `[120.1,30],[120,30]]`, `[120.1,30],[120,30.05]]`, 1), "features[0].geometry"},
		{"range", strings.Replace(goodFC, `[120,30.1]`, `[220,30.1]`, 1), "features[0].geometry"},
		{"point", strings.Replace(goodFC, `"type":"MultiPolygon","coordinates":[[[[121,31],[121.1,31],[121.1,31.1],[121,31],[121,31]]]]`, `"type":"Point","coordinates":[1,2]`, 1), "features[1].geometry"},
		{"duplicate", strings.Replace(goodFC, `"id":"m"`, `"id":"7"`, 1), "features[1].properties.id"},
		{"bad id", strings.Replace(goodFC, `"id":"m"`, `"id":"a b"`, 1), "features[1].properties.id"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFeatureCollection([]byte(tt.body), hazards, geo.WGS84)
			if dispatchd.ErrorCode(err) != dispatchd.EINVALID {
				t.Fatalf("got %v, want invalid", err)
			}
			found := false
			for _, f := range dispatchd.ErrorFields(err) {
				found = found || f.Field == tt.field
			}
			if !found {
				t.Errorf("the error %v does not name %q: %+v", err, tt.field, dispatchd.ErrorFields(err))
			}
		})
	}
	many := `{"type":"FeatureCollection","features":[` + strings.Repeat(`{},`, MaxFeatures) + `{}]}`
	if _, err := ParseFeatureCollection([]byte(many), hazards, geo.WGS84); dispatchd.ErrorCode(err) != dispatchd.ETOOLARGE {
		t.Errorf("too many features: got %v", err)
	}
}

// FuzzParseFeatureCollection: any input is zones that hold or an invalid
// or too-large error, never a panic.
func FuzzParseFeatureCollection(f *testing.F) {
	f.Add([]byte(goodFC))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[]]},"properties":null}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[null,1,"x",{"geometry":{"type":"GeometryCollection","geometries":[]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		zs, err := ParseFeatureCollection(data, hazards, geo.GCJ02)
		if err != nil {
			if c := dispatchd.ErrorCode(err); c != dispatchd.EINVALID && c != dispatchd.ETOOLARGE {
				t.Fatalf("got error code %q: %v", c, err)
			}
			return
		}
		for _, z := range zs {
			if z.Geometry == nil || !z.ValidTo.After(z.ValidFrom) || levelRank(z.Level) == len(Levels) {
				t.Fatalf("a bad zone passed: %+v", z)
			}
			_ = NewIndex([]Zone{z})
		}
	})
}

type entries struct{ seen map[[2]string]bool }

func (e *entries) EnterZone(_ context.Context, team, zone string, _ time.Time, _ dispatchd.Event) (bool, error) {
	k := [2]string{team, zone}
	if e.seen[k] {
		return false, nil
	}
	e.seen[k] = true
	return true, nil
}

// TestWatcher: a fix in a red zone queues an entry; more fixes inside
// queue nothing; orange zones and expired ones queue nothing; leaving and
// coming back queues again (the store keeps it to once).
func TestWatcher(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	x := NewIndex([]Zone{
		{ID: "r", Level: Red, Hazard: "flood", ValidFrom: t0, ValidTo: t0.Add(time.Hour), Geometry: square(120, 30, 0.1)},
		{ID: "o", Level: Orange, Hazard: "flood", ValidFrom: t0, ValidTo: t0.Add(time.Hour), Geometry: square(121, 30, 0.1)},
	})
	w := NewWatcher(func() *Index { return x }, &entries{seen: map[[2]string]bool{}}, nil)
	queued := func() []string {
		var out []string
		for {
			select {
			case e := <-w.q:
				out = append(out, e.Team+"/"+e.Zone.ID)
			default:
				return out
			}
		}
	}
	in, out, orange := orb.Point{120.05, 30.05}, orb.Point{119, 29}, orb.Point{121.05, 30.05}
	w.Observe("t1", out, t0)
	w.Observe("t1", orange, t0)
	w.Observe("t1", in, t0)
	w.Observe("t1", in, t0.Add(time.Minute))
	w.Observe("t2", in, t0.Add(2*time.Hour)) // the zone has ended
	if got := queued(); len(got) != 1 || got[0] != "t1/r" {
		t.Fatalf("queued %v, want [t1/r]", got)
	}
	w.Observe("t1", out, t0)
	w.Observe("t1", in, t0)
	e := <-w.q
	if ok, err := w.Write(context.Background(), e); err != nil || !ok {
		t.Fatalf("first write: %v %v", ok, err)
	}
	if ok, _ := w.Write(context.Background(), e); ok {
		t.Error("a second entry of the same team and zone was written")
	}
}
