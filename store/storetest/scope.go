package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/resources"
)

// scopeSetup registers teams and depots in two cities and one without a
// region: t1 330106 and t2 330110 (Hangzhou), t3 330203 (Ningbo), t4 none;
// d1 330100, d2 330127 (Hangzhou), d3 330203 (Ningbo).
func scopeSetup(t *testing.T, s Store) *resources.Service {
	t.Helper()
	c := ctx(t)
	svc := resources.NewService(s)
	ok(svc.CreateItem(c, actor, newItem("1010101", "帐篷"))).get(t)
	for _, tm := range []resources.Team{
		newTeam("t1", "西湖区消防", resources.FireRescue, "330106", 120.1, 30.2),
		newTeam("t2", "余杭区水上救援队", resources.Social, "330110", 120.0, 30.4),
		newTeam("t3", "北仑区危化救援队", resources.Professional, "330203", 121.5, 29.9),
		newTeam("t4", "无属地队", resources.Social, "", 120.0, 30.0),
	} {
		ok(svc.CreateTeam(c, actor, tm)).get(t)
	}
	for _, d := range []resources.Depot{
		newDepot("d1", "杭州市储备库", resources.Municipal, "330100", 120.1, 30.2),
		newDepot("d2", "淳安县储备库", resources.County, "330127", 119.0, 29.6),
		newDepot("d3", "北仑区储备库", resources.County, "330203", 121.8, 29.9),
	} {
		ok(svc.CreateDepot(c, actor, d)).get(t)
		ok(svc.AdjustStock(c, actor, d.ID, resources.AdjustRequest{Reason: "入库",
			Lines: []resources.Adjustment{{Item: "1010101", Delta: 10}}})).get(t)
	}
	return svc
}

func ids[T any](rows []T, id func(T) string) string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return fmt.Sprint(out)
}

func teamID(t resources.Team) string   { return t.ID }
func depotID(d resources.Depot) string { return d.ID }

func keys(m map[string]string) string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return fmt.Sprint(out)
}

// testRegistryPrefix checks the store's jurisdiction arguments: the
// Prefix of the team and depot filters, TeamRegions and DepotRegions, and
// a delete that decide refuses.
func testRegistryPrefix(t *testing.T, s Store) {
	c := ctx(t)
	scopeSetup(t, s)
	teamTests := []struct {
		f    resources.TeamFilter
		want string
	}{
		{resources.TeamFilter{}, "[t1 t2 t3 t4]"},
		{resources.TeamFilter{Prefix: "3301"}, "[t1 t2]"},
		{resources.TeamFilter{Prefix: "330106"}, "[t1]"},
		{resources.TeamFilter{Prefix: "33", Region: "330200"}, "[t3]"},
		{resources.TeamFilter{Prefix: "3301", Region: "330200"}, "[]"},
		{resources.TeamFilter{Prefix: "33_1"}, "[]"}, // a LIKE wildcard is a character
	}
	for _, tt := range teamTests {
		if got := ids(ok(s.ListTeams(c, resources.TeamFilter{Prefix: tt.f.Prefix, Region: tt.f.Region, Limit: 10})).get(t), teamID); got != tt.want {
			t.Errorf("teams %+v: got %v, want %v", tt.f, got, tt.want)
		}
	}
	if got := ids(ok(s.ListDepots(c, resources.DepotFilter{Prefix: "3301", Limit: 10})).get(t), depotID); got != "[d1 d2]" {
		t.Errorf("depots of 3301: got %v", got)
	}
	if got := ids(ok(s.ListDepots(c, resources.DepotFilter{Prefix: "330127", Limit: 10})).get(t), depotID); got != "[d2]" {
		t.Errorf("depots of 330127: got %v", got)
	}
	if got := keys(ok(s.TeamRegions(c, "3301")).get(t)); got != "[t1=330106 t2=330110]" {
		t.Errorf("team regions of 3301: got %v", got)
	}
	if got := keys(ok(s.TeamRegions(c, "")).get(t)); got != "[t1=330106 t2=330110 t3=330203 t4=]" {
		t.Errorf("every team region: got %v", got)
	}
	if got := keys(ok(s.DepotRegions(c, "3302")).get(t)); got != "[d3=330203]" {
		t.Errorf("depot regions of 3302: got %v", got)
	}
	// A delete that decide refuses deletes nothing and writes no event.
	before := len(events(t, s))
	refuse := errors.New("refused")
	if err := s.DeleteTeam(c, "t1", func(*resources.Team) (*dispatchd.Event, error) { return nil, refuse }); !errors.Is(err, refuse) {
		t.Fatalf("got %v, want the refusal", err)
	}
	if err := s.DeleteDepot(c, "d2", func(*resources.Depot) (*dispatchd.Event, error) { return nil, refuse }); !errors.Is(err, refuse) {
		t.Fatalf("got %v, want the refusal", err)
	}
	ok(s.GetTeam(c, "t1")).get(t)
	ok(s.GetDepot(c, "d2")).get(t)
	if n := len(events(t, s)); n != before {
		t.Fatalf("refused deletes wrote %d events", n-before)
	}
}

// testRegistryJurisdiction checks the registry's rules for an actor with a
// jurisdiction: what is outside is not found, regions outside are refused,
// and events carry the regions they concern.
func testRegistryJurisdiction(t *testing.T, s Store) {
	c := ctx(t)
	svc := scopeSetup(t, s)
	city := dispatchd.Actor{Username: "hz", Role: dispatchd.RoleCommander, Jurisdiction: "330100"}
	county := dispatchd.Actor{Username: "ca", Role: dispatchd.RoleCommander, Jurisdiction: "330127"}

	teams, _ := ok2(svc.Teams(c, city, resources.TeamFilter{}, resources.MaxLimit)).get(t)
	if got := ids(teams, teamID); got != "[t1 t2]" {
		t.Errorf("the city's teams: got %v", got)
	}
	_, err := svc.Team(c, city, "t3")
	wantCode(t, err, dispatchd.ENOTFOUND)
	_, unknown := svc.Team(c, city, "t9")
	if dispatchd.ErrorMessage(err) != strings.Replace(dispatchd.ErrorMessage(unknown), "t9", "t3", 1) {
		t.Errorf("outside: %q, unknown: %q: they must read alike", dispatchd.ErrorMessage(err), dispatchd.ErrorMessage(unknown))
	}
	name := "改名"
	_, err = svc.UpdateTeam(c, city, "t3", resources.TeamPatch{Name: &name})
	wantCode(t, err, dispatchd.ENOTFOUND)
	wantCode(t, svc.DeleteTeam(c, city, "t3"), dispatchd.ENOTFOUND)
	wantCode(t, svc.DeleteDepot(c, city, "d3"), dispatchd.ENOTFOUND)
	ok(svc.Team(c, actor, "t3")).get(t)
	ok(svc.Depot(c, actor, "d3")).get(t)

	// Moving a team out of the jurisdiction is refused; within it, the
	// event names both regions.
	ningbo := "330203"
	_, err = svc.UpdateTeam(c, city, "t1", resources.TeamPatch{Region: &ningbo})
	wantField(t, err, "region")
	_, err = svc.UpdateDepot(c, city, "d1", resources.DepotPatch{Region: &ningbo})
	wantField(t, err, "region")
	yuhang := "330110"
	ok(svc.UpdateTeam(c, city, "t1", resources.TeamPatch{Region: &yuhang})).get(t)
	all := events(t, s)
	if last := all[len(all)-1]; last.Type != "team.updated" || fmt.Sprint(last.Regions) != "[330106 330110]" {
		t.Errorf("got %s %v, want team.updated of [330106 330110]", last.Type, last.Regions)
	}

	// Creating: a region within, none for a county, refused otherwise.
	out := newTeam("", "外地队", resources.Social, "330203", 121, 29)
	_, err = svc.CreateTeam(c, city, out)
	wantField(t, err, "region")
	bare := newTeam("", "无属地", resources.Social, "", 119, 29.6)
	_, err = svc.CreateTeam(c, city, bare)
	wantField(t, err, "region")
	made := ok(svc.CreateTeam(c, county, bare)).get(t)
	if made.Region != "330127" {
		t.Errorf("a county's new team: got region %q, want 330127", made.Region)
	}
	dep := ok(svc.CreateDepot(c, county, newDepot("", "乡镇库", resources.Township, "", 119, 29.6))).get(t)
	if dep.Region != "330127" {
		t.Errorf("a county's new depot: got region %q, want 330127", dep.Region)
	}
	all = events(t, s)
	if last := all[len(all)-1]; last.Type != "depot.created" || fmt.Sprint(last.Regions) != "[330127]" {
		t.Errorf("got %s %v, want depot.created of [330127]", last.Type, last.Regions)
	}

	// Stock: the county sees its depots' only, a manager its own only.
	_, err = svc.Stock(c, county, "d1")
	wantCode(t, err, dispatchd.ENOTFOUND)
	ok(svc.Stock(c, county, "d2")).get(t)
	_, _, err = svc.Ledger(c, county, resources.LedgerFilter{Depot: "d3"})
	wantCode(t, err, dispatchd.ENOTFOUND)
	mgr := dispatchd.Actor{Username: "mgr", Role: dispatchd.RoleDepotManager, Depots: []string{"d2"}, Jurisdiction: "330127"}
	_, _, err = svc.Ledger(c, mgr, resources.LedgerFilter{Depot: dep.ID})
	wantCode(t, err, dispatchd.ENOTFOUND)
	ok(svc.Depot(c, mgr, dep.ID)).get(t) // the depot itself it may read
	_, err = svc.AdjustStock(c, county, "d3", resources.AdjustRequest{Reason: "x", Lines: []resources.Adjustment{{Item: "1010101", Delta: 1}}})
	wantCode(t, err, dispatchd.ENOTFOUND)
	ok(svc.AdjustStock(c, county, "d2", resources.AdjustRequest{Reason: "x", Lines: []resources.Adjustment{{Item: "1010101", Delta: 1}}})).get(t)
	all = events(t, s)
	if last := all[len(all)-1]; last.Type != "stock.adjusted" || fmt.Sprint(last.Regions) != "[330127]" {
		t.Errorf("got %s %v, want stock.adjusted of [330127]", last.Type, last.Regions)
	}
	sees := ok(svc.StockDepots(c, county)).get(t)
	if !sees("d2") || sees("d1") || sees("d3") {
		t.Errorf("the county sees the stock of d1 %v d2 %v d3 %v, want d2 only", sees("d1"), sees("d2"), sees("d3"))
	}

	// A team lead reads its own team's track only.
	lead := dispatchd.Actor{Username: "lead", Role: dispatchd.RoleTeamLead, Team: "t2", Jurisdiction: "330110"}
	ok(svc.TrackTeam(c, lead, "t2")).get(t)
	_, err = svc.TrackTeam(c, lead, "t1")
	wantCode(t, err, dispatchd.ENOTFOUND)
	ok(svc.TrackTeam(c, city, "t2")).get(t)
	_, err = svc.TrackTeam(c, city, "t3")
	wantCode(t, err, dispatchd.ENOTFOUND)
}

// testImportJurisdiction checks that an import by an actor with a
// jurisdiction refuses, all or nothing, the rows outside it.
func testImportJurisdiction(t *testing.T, s Store) {
	c := ctx(t)
	svc := scopeSetup(t, s)
	county := dispatchd.Actor{Username: "ca", Role: dispatchd.RoleCommander, Jurisdiction: "330127"}
	before := len(events(t, s))
	bad := "id,name,kind,lon,lat,region\n" +
		"n1,内,social,119,29.6,330127\n" +
		"n2,外,social,120,30,330106\n" +
		"t3,占用,social,121,29,330127\n"
	b := ok(resources.ParseImport(resources.ImportTeams, resources.CSV, []byte(bad))).get(t)
	_, err := svc.Import(c, county, b, "teams.csv")
	wantCode(t, err, dispatchd.EINVALID)
	got := map[string]bool{}
	for _, f := range dispatchd.ErrorFields(err) {
		got[fmt.Sprintf("%d %s", f.Line, f.Field)] = true
	}
	if len(got) != 2 || !got["3 region"] || !got["4 id"] {
		t.Fatalf("got errors %v, want line 3 region and line 4 id", dispatchd.ErrorFields(err))
	}
	if n := len(events(t, s)); n != before {
		t.Fatalf("a refused import wrote %d events", n-before)
	}
	good := "id,name,kind,lon,lat\nn1,内,social,119,29.6\n"
	b = ok(resources.ParseImport(resources.ImportTeams, resources.CSV, []byte(good))).get(t)
	ok(svc.Import(c, county, b, "teams.csv")).get(t)
	if tm := ok(svc.Team(c, county, "n1")).get(t); tm.Region != "330127" {
		t.Fatalf("an imported team without region: got %q, want the county's", tm.Region)
	}
	stock := "depot,item,on_hand\nd2,1010101,5\nd1,1010101,5\n"
	b = ok(resources.ParseImport(resources.ImportStock, resources.CSV, []byte(stock))).get(t)
	_, err = svc.Import(c, county, b, "stock.csv")
	if fs := dispatchd.ErrorFields(err); len(fs) != 1 || fs[0].Line != 3 || fs[0].Field != "depot" {
		t.Fatalf("stock of a depot outside: got %v", err)
	}
	b = ok(resources.ParseImport(resources.ImportStock, resources.CSV, []byte("depot,item,on_hand\nd2,1010101,5\n"))).get(t)
	ok(svc.Import(c, county, b, "stock.csv")).get(t)
	all := events(t, s)
	if last := all[len(all)-1]; last.Type != "stock.imported" || fmt.Sprint(last.Regions) != "[330127]" {
		t.Errorf("got %s %v, want stock.imported of [330127]", last.Type, last.Regions)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, dispatchd.EINVALID)
	for _, f := range dispatchd.ErrorFields(err) {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("got %v, want an error of field %s", err, field)
}

// testUserJurisdiction checks the store's jurisdiction filter of users and
// the auth service's rules for an admin with a jurisdiction.
func testUserJurisdiction(t *testing.T, s Store) {
	c := ctx(t)
	svc := auth.NewService(s, s, 0)
	seeds := []auth.SeedUser{
		{Username: "aa", Role: dispatchd.RoleCommander},
		{Username: "bb", Role: dispatchd.RoleCommander, Jurisdiction: "330100"},
		{Username: "cc", Role: dispatchd.RoleCommander, Jurisdiction: "330127"},
		{Username: "dd", Role: dispatchd.RoleCommander, Jurisdiction: "330203"},
	}
	ok(svc.EnsureUsers(c, actor, "demo", seeds)).get(t)
	names := func(us []auth.User) string { return ids(us, func(u auth.User) string { return u.Username }) }
	for _, tt := range []struct{ j, want string }{{"", "[aa bb cc dd]"}, {"330000", "[bb cc dd]"}, {"330100", "[bb cc]"}, {"330127", "[cc]"}} {
		if got := names(ok(s.ListUsers(c, auth.UserFilter{Jurisdiction: tt.j, Limit: 10})).get(t)); got != tt.want {
			t.Errorf("users of %q: got %v, want %v", tt.j, got, tt.want)
		}
	}
	hz := dispatchd.Actor{Username: "hzadmin", Role: dispatchd.RoleAdmin, Jurisdiction: "330100"}
	for _, tt := range []struct{ j, want string }{{"", "[bb cc]"}, {"330000", "[bb cc]"}, {"330127", "[cc]"}, {"330200", "[]"}} {
		got, _ := ok2(svc.Users(c, hz, auth.UserFilter{Jurisdiction: tt.j})).get(t)
		if names(got) != tt.want {
			t.Errorf("hzadmin's users of %q: got %v, want %v", tt.j, names(got), tt.want)
		}
	}
	a := ok(s.GetUserByUsername(c, "aa")).get(t)
	_, err := svc.User(c, hz, a.ID)
	wantCode(t, err, dispatchd.ENOTFOUND)
	_, err = svc.CreateUser(c, hz, auth.NewUser{Username: "wide", Password: "harbour-lamp-42", Role: dispatchd.RoleViewer, Jurisdiction: "330000"})
	wantCode(t, err, dispatchd.EINVALID)
	cc := ok(s.GetUserByUsername(c, "cc")).get(t)
	var regions []string
	for _, ev := range events(t, s) {
		if ev.Type == "user.created" && ev.Subject == cc.ID {
			regions = ev.Regions
		}
	}
	if fmt.Sprint(regions) != "[330127]" {
		t.Errorf("user.created of cc: regions %v, want [330127]", regions)
	}
}
