package storetest

import (
	"fmt"
	"testing"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
)

func newItem(code, name string) resources.Item {
	return resources.Item{Code: code, Name: name, Kind: resources.Material, Unit: "顶", Category: "住宿类"}
}

func newTeam(id, name string, kind resources.TeamKind, region string, lon, lat float64, caps ...string) resources.Team {
	return resources.Team{ID: id, Name: name, Kind: kind, Capabilities: caps, Headcount: 30,
		Leader: resources.Contact{Name: "张伟", Phone: "13800000000"}, DutyPhone: "0571-87000000",
		Base: geo.Point{Lon: lon, Lat: lat}, Address: "杭州市", Region: region}
}

func newDepot(id, name string, tier resources.Tier, region string, lon, lat float64) resources.Depot {
	return resources.Depot{ID: id, Name: name, Tier: tier, Reserve: resources.Physical,
		Location: geo.Point{Lon: lon, Lat: lat}, Region: region}
}

func testItems(t *testing.T, s Store) {
	svc := resources.NewService(s)
	c := ctx(t)
	tent := ok(svc.CreateItem(c, actor, newItem("1010101", "单帐篷"))).get(t)
	_, err := svc.CreateItem(c, actor, newItem("1010101", "again"))
	wantCode(t, err, dispatchd.ECONFLICT)
	got := ok(svc.Item(c, "1010101")).get(t)
	if got.Name != tent.Name || got.Unit != "顶" || !got.CreatedAt.Equal(tent.CreatedAt) {
		t.Fatalf("got %+v, want %+v", got, tent)
	}
	name := "棉帐篷"
	up := ok(svc.UpdateItem(c, actor, "1010101", resources.ItemPatch{Name: &name})).get(t)
	if up.Name != name || ok(svc.Item(c, "1010101")).get(t).Name != name {
		t.Fatalf("got name %q, want %q", up.Name, name)
	}
	_, err = svc.UpdateItem(c, actor, "9999999", resources.ItemPatch{Name: &name})
	wantCode(t, err, dispatchd.ENOTFOUND)
	for i := 2; i <= 5; i++ {
		kind := resources.Material
		if i%2 == 0 {
			kind = resources.Equipment
		}
		it := newItem(fmt.Sprintf("20101%02d", i), fmt.Sprintf("发电机%d", i))
		it.Kind = kind
		ok(svc.CreateItem(c, actor, it)).get(t)
	}
	all, next := ok2(svc.Items(c, resources.ItemFilter{Limit: 3})).get(t)
	if len(all) != 3 || next != "2010103" {
		t.Fatalf("got %d items next %q, want 3 and 2010103", len(all), next)
	}
	rest, next := ok2(svc.Items(c, resources.ItemFilter{Limit: 3, After: next})).get(t)
	if len(rest) != 2 || next != "" {
		t.Fatalf("got %d items next %q, want 2 and none", len(rest), next)
	}
	eq, _ := ok2(svc.Items(c, resources.ItemFilter{Kind: resources.Equipment})).get(t)
	if len(eq) != 2 {
		t.Fatalf("got %d equipment, want 2", len(eq))
	}
	q, _ := ok2(svc.Items(c, resources.ItemFilter{Q: "帐篷"})).get(t)
	if len(q) != 1 || q[0].Code != "1010101" {
		t.Fatalf("got %v, want the tent", q)
	}
	noErr(t, svc.DeleteItem(c, actor, "2010105"))
	wantCode(t, svc.DeleteItem(c, actor, "2010105"), dispatchd.ENOTFOUND)
	codes := ok(s.ItemCodes(c)).get(t)
	if fmt.Sprint(codes) != "[1010101 2010102 2010103 2010104]" {
		t.Fatalf("got codes %v", codes)
	}
}

func testDecideError(t *testing.T, s Store) {
	c := ctx(t)
	svc := resources.NewService(s)
	ok(svc.CreateItem(c, actor, newItem("1010101", "帐篷"))).get(t)
	before := len(events(t, s))
	_, err := s.UpdateItem(c, "1010101", func(it *resources.Item) (*dispatchd.Event, error) {
		it.Name = "changed"
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "no")
	})
	wantCode(t, err, dispatchd.EINVALID)
	if got := ok(svc.Item(c, "1010101")).get(t).Name; got != "帐篷" {
		t.Fatalf("got name %q after a refused update, want unchanged", got)
	}
	if got := len(events(t, s)); got != before {
		t.Fatalf("got %d events after a refused update, want %d", got, before)
	}
}

func testTeams(t *testing.T, s Store) {
	c := ctx(t)
	svc := resources.NewService(s)
	ok(svc.CreateItem(c, actor, resources.Item{Code: "2020101", Name: "冲锋舟", Kind: resources.Equipment, Unit: "艘"})).get(t)
	in := newTeam("", "西湖区水上救援队", resources.Social, "330106", 120.13, 30.26, "water_rescue", "flood_control")
	in.Equipment = []resources.ItemQty{{Item: "2020101", Qty: 2}}
	team := ok(svc.CreateTeam(c, actor, in)).get(t)
	if team.ID == "" || team.Status != resources.TeamAvailable {
		t.Fatalf("got id %q status %q, want an id and available", team.ID, team.Status)
	}
	got := ok(svc.Team(c, actor, team.ID)).get(t)
	if fmt.Sprint(got.Capabilities) != "[flood_control water_rescue]" || len(got.Equipment) != 1 ||
		got.Equipment[0].Qty != 2 || got.Base.Lon != 120.13 || got.Leader.Phone != "13800000000" {
		t.Fatalf("got %+v", got)
	}
	bad := in
	bad.Equipment = []resources.ItemQty{{Item: "3999999", Qty: 1}}
	_, err := svc.CreateTeam(c, actor, bad)
	wantCode(t, err, dispatchd.EINVALID)
	dup := in
	dup.ID = team.ID
	_, err = svc.CreateTeam(c, actor, dup)
	wantCode(t, err, dispatchd.ECONFLICT)
	hc := 45
	st := resources.TeamOffDuty
	up := ok(svc.UpdateTeam(c, actor, team.ID, resources.TeamPatch{Headcount: &hc, Status: &st})).get(t)
	if up.Headcount != 45 || up.Status != st || !up.UpdatedAt.After(team.UpdatedAt) && !up.UpdatedAt.Equal(team.UpdatedAt) {
		t.Fatalf("got %+v", up)
	}
	noErr(t, svc.DeleteTeam(c, actor, team.ID))
	_, err = svc.Team(c, actor, team.ID)
	wantCode(t, err, dispatchd.ENOTFOUND)
}

func testTeamFilters(t *testing.T, s Store) {
	c := ctx(t)
	svc := resources.NewService(s)
	teams := []resources.Team{
		newTeam("t1", "杭州消防一队", resources.FireRescue, "330106", 120.1, 30.2, "fire_fighting", "collapse_search"),
		newTeam("t2", "杭州水上救援队", resources.Social, "330110", 120.0, 30.4, "water_rescue"),
		newTeam("t3", "宁波危化救援队", resources.Professional, "330203", 121.5, 29.9, "hazmat"),
		newTeam("t4", "温州航空救援队", resources.Aviation, "330302", 120.7, 28.0, "air_rescue", "water_rescue"),
	}
	for _, tm := range teams {
		ok(svc.CreateTeam(c, actor, tm)).get(t)
	}
	tests := []struct {
		name string
		f    resources.TeamFilter
		want string
	}{
		{"all", resources.TeamFilter{}, "[t1 t2 t3 t4]"},
		{"city region", resources.TeamFilter{Region: "330100"}, "[t1 t2]"},
		{"province region", resources.TeamFilter{Region: "330000"}, "[t1 t2 t3 t4]"},
		{"county region", resources.TeamFilter{Region: "330203"}, "[t3]"},
		{"capability", resources.TeamFilter{Capability: "water_rescue"}, "[t2 t4]"},
		{"kind", resources.TeamFilter{Kind: resources.Aviation}, "[t4]"},
		{"name", resources.TeamFilter{Q: "救援"}, "[t2 t3 t4]"},
		{"bbox", resources.TeamFilter{BBox: bbox(119.9, 30.0, 120.5, 30.5)}, "[t1 t2]"},
		{"after", resources.TeamFilter{After: "t2"}, "[t3 t4]"},
		{"combined", resources.TeamFilter{Region: "330100", Capability: "water_rescue"}, "[t2]"},
		{"status", resources.TeamFilter{Status: resources.TeamOffDuty}, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := ok2(svc.Teams(c, actor, tt.f, resources.MaxLimit)).get(t)
			ids := make([]string, len(got))
			for i, tm := range got {
				ids[i] = tm.ID
			}
			if fmt.Sprint(ids) != tt.want {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
		})
	}
	page, next := ok2(svc.Teams(c, actor, resources.TeamFilter{Limit: 2}, resources.MaxLimit)).get(t)
	if len(page) != 2 || next != "t2" {
		t.Fatalf("got %d teams next %q, want 2 and t2", len(page), next)
	}
}

func testDepots(t *testing.T, s Store) {
	c := ctx(t)
	svc := resources.NewService(s)
	ok(svc.CreateItem(c, actor, newItem("1010101", "帐篷"))).get(t)
	d := ok(svc.CreateDepot(c, actor, newDepot("d1", "浙江省应急物资储备库", resources.Provincial, "330000", 120.2, 30.3))).get(t)
	ok(svc.CreateDepot(c, actor, newDepot("d2", "杭州市储备库", resources.Municipal, "330100", 120.1, 30.2))).get(t)
	got, _ := ok2(svc.Depots(c, actor, resources.DepotFilter{Tier: resources.Municipal}, resources.MaxLimit)).get(t)
	if len(got) != 1 || got[0].ID != "d2" {
		t.Fatalf("got %v, want d2", got)
	}
	name := "浙江省救灾物资储备库"
	up := ok(svc.UpdateDepot(c, actor, d.ID, resources.DepotPatch{Name: &name})).get(t)
	if up.Name != name {
		t.Fatalf("got %q, want %q", up.Name, name)
	}
	ok(svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "入库", Lines: []resources.Adjustment{{Item: "1010101", Delta: 5}}})).get(t)
	wantCode(t, svc.DeleteDepot(c, actor, "d1"), dispatchd.ECONFLICT)
	wantCode(t, svc.DeleteItem(c, actor, "1010101"), dispatchd.ECONFLICT)
	ok(svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "出库", Lines: []resources.Adjustment{{Item: "1010101", Delta: -5}}})).get(t)
	noErr(t, svc.DeleteDepot(c, actor, "d1"))
	wantCode(t, svc.DeleteDepot(c, actor, "d1"), dispatchd.ENOTFOUND)
}

// testDecidePanic checks that a decide func that panics leaves no
// transaction open: the next write still goes through.
func testDecidePanic(t *testing.T, s Store) {
	c := ctx(t)
	svc := resources.NewService(s)
	ok(svc.CreateItem(c, actor, newItem("1010101", "帐篷"))).get(t)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		_, _ = s.UpdateItem(c, "1010101", func(*resources.Item) (*dispatchd.Event, error) { panic("boom") })
	}()
	name := "棉帐篷"
	if got := ok(svc.UpdateItem(c, actor, "1010101", resources.ItemPatch{Name: &name})).get(t); got.Name != name {
		t.Fatalf("got %q, want %q", got.Name, name)
	}
}

// bbox returns a box to filter by, from its west, south, east and north.
func bbox(w, s, e, n float64) *geo.BBox {
	b := geo.NewBBox(w, s, e, n)
	return &b
}
