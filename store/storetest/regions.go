package storetest

import (
	"fmt"
	"testing"

	"dispatchd"
	"dispatchd/regions"
)

func testRegions(t *testing.T, s Store) {
	c := ctx(t)
	if ok(s.AnyRegion(c)).get(t) {
		t.Fatal("AnyRegion: got true on an empty tree")
	}
	rs := []regions.Region{
		{Code: "330000", Name: "浙江省", Level: regions.Province},
		{Code: "330100", Name: "杭州市", Level: regions.City, Parent: "330000"},
		{Code: "330127", Name: "淳安县", Level: regions.County, Parent: "330100", Boundary: `{"type":"Polygon","coordinates":[]}`},
		{Code: "330122", Name: "桐庐县", Level: regions.County, Parent: "330100"},
	}
	ev := dispatchd.NewEvent("region.imported", actor, "330000", map[string]int{"regions": len(rs)})
	noErr(t, s.PutRegions(c, rs, []dispatchd.Event{ev}))
	got := ok(s.GetRegion(c, "330127")).get(t)
	if got.Name != "淳安县" || got.Parent != "330100" || got.Level != regions.County || !got.HasBoundary || got.Boundary != "" {
		t.Fatalf("got %+v", got)
	}
	if got := ok(s.GetRegion(c, "330122")).get(t); got.HasBoundary {
		t.Fatalf("no boundary: got %+v", got)
	}
	if _, err := s.GetRegion(c, "330199"); dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		t.Fatalf("missing region: got %v", err)
	}
	if !ok(s.AnyRegion(c)).get(t) {
		t.Fatal("AnyRegion: got false with four regions")
	}
	kids := ok(s.ListRegions(c, regions.Filter{Parent: "330100", Limit: 1})).get(t)
	if len(kids) != 1 || kids[0].Code != "330122" {
		t.Fatalf("first child: got %+v", kids)
	}
	kids = ok(s.ListRegions(c, regions.Filter{Parent: "330100", After: "330122", Limit: 10})).get(t)
	if len(kids) != 1 || kids[0].Code != "330127" || !kids[0].HasBoundary || kids[0].Boundary != "" {
		t.Fatalf("next child: got %+v", kids)
	}
	top := ok(s.ListRegions(c, regions.Filter{Limit: 10})).get(t)
	if len(top) != 1 || top[0].Code != "330000" {
		t.Fatalf("top level: got %+v", top)
	}
	// A second load replaces by code, and keeps the boundary.
	noErr(t, s.PutRegions(c, []regions.Region{{Code: "330127", Name: "淳安", Level: regions.County, Parent: "330100"}}, nil))
	if got := ok(s.GetRegion(c, "330127")).get(t); got.Name != "淳安" || !got.HasBoundary {
		t.Fatalf("replaced: got %+v", got)
	}
	// Boundaries are set on regions that exist, all or none.
	poly := `{"type":"Polygon","coordinates":[[[119,29],[119.5,29],[119.5,29.5],[119,29]]]}`
	err := s.PutBoundaries(c, []regions.Region{{Code: "330122", Boundary: poly}, {Code: "330199", Boundary: poly}}, nil)
	if dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		t.Fatalf("boundary of a missing region: got %v", err)
	}
	if got := ok(s.GetRegion(c, "330122")).get(t); got.HasBoundary {
		t.Fatalf("a failed PutBoundaries wrote: got %+v", got)
	}
	noErr(t, s.PutBoundaries(c, []regions.Region{{Code: "330122", Boundary: poly}},
		[]dispatchd.Event{dispatchd.NewEvent("region.imported", actor, "boundaries", nil)}))
	bs := ok(s.Boundaries(c)).get(t)
	if len(bs) != 2 || bs[0].Code != "330122" || bs[0].Boundary != poly || bs[1].Code != "330127" || bs[1].Level != regions.County {
		t.Fatalf("boundaries: got %+v", bs)
	}
	if evs := events(t, s); fmt.Sprint(len(evs)) != "2" || evs[0].Type != "region.imported" {
		t.Fatalf("events: got %+v", evs)
	}
}

func testEventScope(t *testing.T, s Store) {
	c := ctx(t)
	evs := []dispatchd.Event{
		dispatchd.NewEvent("incident.created", actor, "a", nil),
		dispatchd.NewEvent("incident.created", actor, "b", nil),
		dispatchd.NewEvent("team.created", actor, "c", nil),
		dispatchd.NewEvent("item.created", actor, "d", nil),
	}
	evs[0].Scoped("flood", "330127")
	evs[1].Scoped("mine_accident", "330212", "330100")
	evs[2].Scoped("", "330212")
	noErr(t, s.PutRegions(c, nil, evs))
	all := events(t, s)
	if len(all) != 4 || fmt.Sprint(all[1].Regions) != "[330212 330100]" || all[1].Hazard != "mine_accident" {
		t.Fatalf("round trip: got %+v", all)
	}
	for _, tc := range []struct {
		sc   dispatchd.Scope
		want string
	}{
		{dispatchd.Scope{}, "[d c b a]"},
		{dispatchd.Scope{Prefix: "3301"}, "[d b a]"},
		{dispatchd.Scope{Prefix: "330127"}, "[d a]"},
		{dispatchd.Scope{Prefix: "3302"}, "[d c b]"},
		{dispatchd.Scope{Types: []string{"flood"}}, "[d c a]"},
		{dispatchd.Scope{Types: []string{}}, "[d c]"},
		{dispatchd.Scope{Prefix: "3301", Types: []string{"flood"}}, "[d a]"},
	} {
		got := ok(s.ListAudit(c, dispatchd.EventFilter{Scope: tc.sc, Limit: 10})).get(t)
		var subs []string
		for _, ev := range got {
			if !ev.Visible(tc.sc) {
				t.Errorf("%+v: the store lists %s, which Visible hides", tc.sc, ev.Subject)
			}
			subs = append(subs, ev.Subject)
		}
		if fmt.Sprint(subs) != tc.want {
			t.Errorf("scope %+v: got %v, want %s", tc.sc, subs, tc.want)
		}
	}
}
