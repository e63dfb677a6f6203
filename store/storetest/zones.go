package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"dispatchd"
	"dispatchd/zones"
)

func square(lon, lat, side float64) orb.Polygon {
	return orb.Polygon{{{lon, lat}, {lon + side, lat}, {lon + side, lat + side}, {lon, lat + side}, {lon, lat}}}
}

// testZones: an import writes its zones and one event; a newer one
// supersedes the standing zones of its hazards whose windows overlap its
// own, keeping their rows out of the lists; the filters select by moment,
// end, level and hazard; geometry comes back as it went in.
func testZones(t *testing.T, s Store) {
	c := ctx(t)
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	now := t0.Add(-time.Hour)
	mk := func(forecast, id, level, hazard string, from, to time.Time, g orb.Geometry) zones.Zone {
		return zones.Zone{Forecast: forecast, ID: id, Level: level, Hazard: hazard, Name: "区 " + id, ValidFrom: from, ValidTo: to,
			Geometry: g, CreatedAt: now, CreatedBy: "tester"}
	}
	imp := func(zs []zones.Zone, replace []zones.Window) int {
		t.Helper()
		before, err := s.LastEventID(c)
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.ImportZones(c, zs, replace, now, func(superseded int) dispatchd.Event {
			return dispatchd.NewEvent("zones.imported", actor, zs[0].Forecast, map[string]any{"superseded": superseded})
		})
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.ListEvents(c, before, 100)
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ Superseded int }
		if len(evs) != 1 || evs[0].Type != "zones.imported" || json.Unmarshal(evs[0].Data, &d) != nil || d.Superseded != n {
			t.Fatalf("an import wrote the events %+v, want one zones.imported with superseded %d", evs, n)
		}
		return n
	}
	list := func(f zones.Filter) string {
		t.Helper()
		zs, err := s.ListZones(c, f)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, z := range zs {
			out += z.Forecast + "/" + z.ID + " "
		}
		return out
	}
	multi := orb.MultiPolygon{square(120, 30, 0.1), square(121, 31, 0.1)}
	if n := imp([]zones.Zone{
		mk("f1", "a", zones.Red, "flood", t0, t0.Add(6*time.Hour), square(120, 30, 0.1)),
		mk("f1", "b", zones.Blue, "typhoon", t0.Add(24*time.Hour), t0.Add(48*time.Hour), multi),
		mk("f1", "c", zones.Yellow, "flood", t0.Add(12*time.Hour), t0.Add(24*time.Hour), square(122, 32, 0.1)),
	}, nil); n != 0 {
		t.Fatalf("the first import superseded %d", n)
	}
	zs, err := s.ListZones(c, zones.Filter{At: t0.Add(30 * time.Hour)})
	if err != nil || len(zs) != 1 {
		t.Fatalf("got %v, %v", zs, err)
	}
	if b := zs[0]; b.Name != "区 b" || b.Level != zones.Blue || !b.ValidFrom.Equal(t0.Add(24*time.Hour)) || b.CreatedBy != "tester" ||
		fmt.Sprint(b.Geometry) != fmt.Sprint(multi) {
		t.Errorf("zone b came back as %+v", b)
	}
	for _, tt := range []struct {
		f    zones.Filter
		want string
	}{
		{zones.Filter{At: t0}, "f1/a "},
		{zones.Filter{At: t0.Add(6 * time.Hour)}, ""},
		{zones.Filter{At: t0.Add(12 * time.Hour)}, "f1/c "},
		{zones.Filter{EndsAfter: t0.Add(20 * time.Hour)}, "f1/c f1/b "},
		{zones.Filter{Hazard: "typhoon"}, "f1/b "},
		{zones.Filter{Level: zones.Red}, "f1/a "},
	} {
		if got := list(tt.f); got != tt.want {
			t.Errorf("ListZones(%+v): got %q, want %q", tt.f, got, tt.want)
		}
	}
	// A flood forecast for [t0+3h, t0+13h), made half an hour later,
	// replaces a and c (their windows overlap it), not b (another hazard);
	// the same id in a new forecast is a new row.
	first := now
	now = first.Add(30 * time.Minute)
	if n := imp([]zones.Zone{mk("f2", "a", zones.Orange, "flood", t0.Add(3*time.Hour), t0.Add(13*time.Hour), square(120, 30, 0.2))},
		[]zones.Window{{Hazard: "flood", From: t0.Add(3 * time.Hour), To: t0.Add(13 * time.Hour)}}); n != 2 {
		t.Errorf("the newer forecast superseded %d, want 2", n)
	}
	if got := list(zones.Filter{}); got != "f2/a f1/b " {
		t.Errorf("standing after the newer forecast: %q", got)
	}
	// As known at a moment: what was created by then and not yet
	// superseded then, whatever stands now.
	for _, tt := range []struct {
		f    zones.Filter
		want string
	}{
		{zones.Filter{AsOf: first.Add(-time.Minute)}, ""},
		{zones.Filter{AsOf: first}, "f1/a f1/c f1/b "},
		{zones.Filter{At: t0.Add(4 * time.Hour), AsOf: first.Add(10 * time.Minute)}, "f1/a "},
		{zones.Filter{At: t0.Add(12 * time.Hour), AsOf: first.Add(10 * time.Minute), Level: zones.Yellow}, "f1/c "},
		{zones.Filter{At: t0.Add(4 * time.Hour), AsOf: now}, "f2/a "},
		{zones.Filter{At: t0.Add(4 * time.Hour), AsOf: now.Add(time.Hour)}, "f2/a "},
		{zones.Filter{AsOf: now, Hazard: "typhoon"}, "f1/b "},
	} {
		if got := list(tt.f); got != tt.want {
			t.Errorf("ListZones(%+v): got %q, want %q", tt.f, got, tt.want)
		}
	}
	// A window that touches but does not overlap replaces nothing.
	if n := imp([]zones.Zone{mk("f3", "d", zones.Red, "flood", t0.Add(13*time.Hour), t0.Add(14*time.Hour), square(120, 30, 0.1))},
		[]zones.Window{{Hazard: "flood", From: t0.Add(13 * time.Hour), To: t0.Add(14 * time.Hour)}}); n != 0 {
		t.Errorf("an adjacent window superseded %d, want 0", n)
	}

	// Entering a zone: once per team and zone, with its event.
	before, err := s.LastEventID(c)
	if err != nil {
		t.Fatal(err)
	}
	enter := func(team, zone string) bool {
		t.Helper()
		ok, err := s.EnterZone(c, team, zone, t0, dispatchd.NewEvent("zone.entered", dispatchd.System, team, map[string]string{"zone": zone}))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !enter("t1", "a") || enter("t1", "a") || !enter("t2", "a") || !enter("t1", "d") || enter("t2", "a") {
		t.Error("EnterZone did not record each team and zone once")
	}
	evs, err := s.ListEvents(c, before, 100)
	if err != nil || len(evs) != 3 {
		t.Errorf("got %d zone.entered events (%v), want 3", len(evs), err)
	}
}
