package regions_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/realtime"
	"dispatchd/regions"
	"dispatchd/store/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// mcaList is a piece of the code list as the Ministry of Civil Affairs
// publishes it, saved from a spreadsheet: a byte-order mark, the Chinese
// header, an empty column, a county-level city a province governs
// directly (429004 仙桃市, no city 429000 above it), a township, and a
// county given in the statistics bureau's 12 digits.
const mcaList = "\ufeff行政区划代码,单位名称,\r\n" +
	"420000,湖北省,\r\n" +
	"420100,武汉市,\r\n" +
	"420102, 江岸区 ,\r\n" +
	"429004,仙桃市,\r\n" +
	"330000,浙江省,\r\n" +
	"330100,杭州市,\r\n" +
	"330127000000,淳安县,\r\n" +
	"330127101,千岛湖镇,\r\n" +
	"\r\n"

func TestImportCodeList(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	svc := regions.NewService(st)
	if ok, err := svc.Known(ctx, "330127"); err != nil || !ok {
		t.Fatalf("Known before any tree: got %v, %v, want every well-formed code known", ok, err)
	}
	sum, err := svc.ImportCodes(ctx, dispatchd.System, strings.NewReader(mcaList), "mca.csv")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 8 || sum.Kind != "regions" {
		t.Fatalf("got %+v, want 8 regions", sum)
	}
	for _, tc := range []struct{ code, name, level, parent string }{
		{"420000", "湖北省", "province", ""},
		{"420100", "武汉市", "city", "420000"},
		{"420102", "江岸区", "county", "420100"},
		{"429004", "仙桃市", "county", "420000"},
		{"330127", "淳安县", "county", "330100"},
		{"330127101", "千岛湖镇", "township", "330127"},
	} {
		r, err := svc.Get(ctx, tc.code)
		if err != nil {
			t.Fatalf("%s: %v", tc.code, err)
		}
		if r.Name != tc.name || string(r.Level) != tc.level || r.Parent != tc.parent {
			t.Errorf("%s: got %+v, want %s %s under %q", tc.code, r, tc.name, tc.level, tc.parent)
		}
	}
	path, err := svc.Path(ctx, "330127101")
	if err != nil {
		t.Fatal(err)
	}
	if got := refs(path); got != "330000 浙江省 province, 330100 杭州市 city, 330127 淳安县 county" {
		t.Errorf("path: got %s", got)
	}
	kids, next, err := svc.Children(ctx, "", "", 1)
	if err != nil || len(kids) != 1 || kids[0].Code != "330000" || next != "330000" {
		t.Fatalf("top level, page 1: got %+v %q %v", kids, next, err)
	}
	kids, next, err = svc.Children(ctx, "", next, 1)
	if err != nil || len(kids) != 1 || kids[0].Code != "420000" || next != "" {
		t.Fatalf("top level, page 2: got %+v %q %v", kids, next, err)
	}
	if _, _, err := svc.Children(ctx, "330200", "", 10); dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		t.Errorf("children of an unknown region: got %v, want not_found", err)
	}
	for code, want := range map[string]bool{"330127": true, "330182": false, "33012": false} {
		if ok, err := svc.Known(ctx, code); err != nil || ok != want {
			t.Errorf("Known(%s): got %v, %v, want %v", code, ok, err, want)
		}
	}
	evs, err := st.ListEvents(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Type != "region.imported" || len(evs[0].Data) > 200 {
		t.Fatalf("events: got %+v, want one region.imported with counts", evs)
	}
}

func refs(path []regions.Ref) string {
	var s []string
	for _, r := range path {
		s = append(s, r.Code+" "+r.Name+" "+string(r.Level))
	}
	return strings.Join(s, ", ")
}

// TestImportCodeListBad: each bad file is refused whole, naming the line
// and the field, and nothing is written.
func TestImportCodeListBad(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		line       int
		field      string
	}{
		{"bare quote", "code,name\n330000,浙江省\n330100,杭\"州市\n", 3, ""},
		{"unknown column", "code,name,population\n330000,浙江省,1\n", 1, "population"},
		{"no name column", "行政区划代码\n330000\n", 1, "name"},
		{"bad code", "code,name\n330000,浙江省\n33010,杭州市\n", 3, "code"},
		{"village", "code,name\n330127101201,某村\n", 2, "code"},
		{"level against the code", "code,name,level\n330100,杭州市,county\n", 2, "level"},
		{"parent not above", "code,name,parent\n330127,淳安县,330200\n", 2, "parent"},
		{"code twice", "code,name\n330000,浙江省\n330000,浙江\n", 3, "code"},
		{"no name", "code,name\n330000,\n", 2, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t)
			_, err := regions.NewService(st).ImportCodes(ctx, dispatchd.System, strings.NewReader(tc.file), "bad.csv")
			if dispatchd.ErrorCode(err) != dispatchd.EINVALID {
				t.Fatalf("got %v, want invalid", err)
			}
			found := false
			for _, f := range dispatchd.ErrorFields(err) {
				found = found || f.Line == tc.line && f.Field == tc.field
			}
			if !found {
				t.Errorf("got %v %+v, want line %d field %q", err, dispatchd.ErrorFields(err), tc.line, tc.field)
			}
			if any, _ := st.AnyRegion(ctx); any {
				t.Error("a refused file wrote regions")
			}
		})
	}
}

// A county of three polygons in a row: 330122 west of 119.5, 330127 from
// 119.5 to 120 (with a hole), and their city's outline around both.
const outlines = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"adcode":330122,"name":"桐庐县"},"geometry":{"type":"Polygon","coordinates":[[[119,29],[119.5,29],[119.5,30],[119,30],[119,29]]]}},
{"type":"Feature","properties":{"code":"330127"},"geometry":{"type":"MultiPolygon","coordinates":[[[[119.5,29],[120,29],[120,30],[119.5,30],[119.5,29]],[[119.7,29.4],[119.8,29.4],[119.8,29.5],[119.7,29.5],[119.7,29.4]]]]}},
{"type":"Feature","properties":{"code":"330100"},"geometry":{"type":"Polygon","coordinates":[[[118.9,28.9],[120.1,28.9],[120.1,30.1],[118.9,30.1],[118.9,28.9]]]}}
]}`

func loadTree(t *testing.T, svc *regions.Service) {
	t.Helper()
	csv := "code,name\n330000,浙江省\n330100,杭州市\n330122,桐庐县\n330127,淳安县\n"
	if _, err := svc.ImportCodes(context.Background(), dispatchd.System, strings.NewReader(csv), "t"); err != nil {
		t.Fatal(err)
	}
}

func TestImportBoundariesAndLocate(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	svc := regions.NewService(st)
	loadTree(t, svc)
	if got, err := svc.Locate(ctx, geo.Point{Lon: 119.6, Lat: 29.5}); err != nil || got != "" {
		t.Fatalf("before any boundary: got %q, %v", got, err)
	}
	sum, err := svc.ImportBoundaries(ctx, dispatchd.System, strings.NewReader(outlines), geo.WGS84, "o.geojson")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 3 {
		t.Fatalf("got %+v", sum)
	}
	for _, tc := range []struct {
		lon, lat float64
		want     string
	}{
		{119.2, 29.5, "330122"},
		{119.6, 29.5, "330127"},
		{119.75, 29.45, "330100"}, // in the county's hole, still in the city
		{120.05, 29.5, "330100"},
		{121, 29.5, ""},
	} {
		if got, err := svc.Locate(ctx, geo.Point{Lon: tc.lon, Lat: tc.lat}); err != nil || got != tc.want {
			t.Errorf("Locate(%v, %v): got %q, %v, want %q", tc.lon, tc.lat, got, err, tc.want)
		}
	}
	r, err := svc.Get(ctx, "330127")
	if err != nil || !r.HasBoundary {
		t.Fatalf("got %+v, %v, want a boundary", r, err)
	}
	// The code list loaded again keeps the outlines.
	loadTree(t, svc)
	if got, _ := svc.Locate(ctx, geo.Point{Lon: 119.6, Lat: 29.5}); got != "330127" {
		t.Errorf("after the code list again: got %q, want 330127", got)
	}
}

func TestImportBoundariesGCJ02(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	svc := regions.NewService(st)
	loadTree(t, svc)
	if _, err := svc.ImportBoundaries(ctx, dispatchd.System, strings.NewReader(outlines), geo.GCJ02, "datav.json"); err != nil {
		t.Fatal(err)
	}
	bs, err := st.Boundaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// GCJ-02 lies a few hundred metres east and north of WGS-84 here.
	if len(bs) != 3 || bs[1].Code != "330122" || !strings.HasPrefix(bs[1].Boundary, `{"type":"Polygon","coordinates":[[[118.99`) {
		t.Errorf("the outline was not moved to WGS-84: %+v", bs)
	}
}

// TestImportBoundariesBad: each bad file is refused whole, naming the line
// and field, and no boundary is written.
func TestImportBoundariesBad(t *testing.T) {
	feature := func(props, geom string) string {
		return `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"330122"},"geometry":{"type":"Polygon","coordinates":[[[119,29],[119.5,29],[119.5,30],[119,29]]]}},
{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}]}`
	}
	square := `{"type":"Polygon","coordinates":[[[119.5,29],[120,29],[120,30],[119.5,29]]]}`
	for _, tc := range []struct{ name, file, field string }{
		{"unknown code", feature(`{"code":"330199"}`, square), "properties.code"},
		{"no code", feature(`{"name":"淳安县"}`, square), "properties.code"},
		{"malformed code", feature(`{"adcode":"100000_JD"}`, square), "properties.code"},
		{"open ring", feature(`{"code":"330127"}`, `{"type":"Polygon","coordinates":[[[119.5,29],[120,29],[120,30],[119.5,30]]]}`), "geometry"},
		{"short ring", feature(`{"code":"330127"}`, `{"type":"Polygon","coordinates":[[[119.5,29],[120,29],[119.5,29]]]}`), "geometry"},
		{"latitude out of range", feature(`{"code":"330127"}`, `{"type":"Polygon","coordinates":[[[119.5,29],[120,95],[120,30],[119.5,29]]]}`), "geometry"},
		{"a point", feature(`{"code":"330127"}`, `{"type":"Point","coordinates":[119.5,29]}`), "geometry"},
		{"no geometry", feature(`{"code":"330127"}`, `null`), "geometry"},
		{"twice", feature(`{"code":"330122"}`, square), "properties.code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t)
			svc := regions.NewService(st)
			loadTree(t, svc)
			_, err := svc.ImportBoundaries(ctx, dispatchd.System, strings.NewReader(tc.file), geo.WGS84, "bad.geojson")
			if dispatchd.ErrorCode(err) != dispatchd.EINVALID {
				t.Fatalf("got %v, want invalid", err)
			}
			found := false
			for _, f := range dispatchd.ErrorFields(err) {
				found = found || f.Field == tc.field && f.Line == 3
			}
			if !found {
				t.Errorf("got %+v, want field %s on line 3", dispatchd.ErrorFields(err), tc.field)
			}
			if bs, _ := st.Boundaries(ctx); len(bs) != 0 {
				t.Errorf("a refused file wrote %d boundaries", len(bs))
			}
		})
	}
	for _, file := range []string{``, `[]`, `{"type":"Feature"}`, `{"type":"FeatureCollection","features":[]}`, `{"type":"FeatureCollection","features":[{]}`} {
		_, err := regions.NewService(openStore(t)).ImportBoundaries(context.Background(), dispatchd.System, strings.NewReader(file), geo.WGS84, "")
		if dispatchd.ErrorCode(err) != dispatchd.EINVALID {
			t.Errorf("%q: got %v, want invalid", file, err)
		}
	}
}

// TestImportNeedsTheWholeDeployment: a commander or an admin with a
// jurisdiction may not load the tree, a commander of the whole deployment
// may.
func TestImportNeedsTheWholeDeployment(t *testing.T) {
	ctx := context.Background()
	svc := regions.NewService(openStore(t))
	csv := "code,name\n330000,浙江省\n"
	for _, a := range []dispatchd.Actor{
		{Username: "c", Role: dispatchd.RoleCommander, Jurisdiction: "330100"},
		{Username: "a", Role: dispatchd.RoleAdmin, Jurisdiction: "330100"},
		{Username: "v", Role: dispatchd.RoleViewer},
	} {
		if _, err := svc.ImportCodes(ctx, a, strings.NewReader(csv), ""); dispatchd.ErrorCode(err) != dispatchd.EFORBIDDEN {
			t.Errorf("%+v: got %v, want forbidden", a, err)
		}
		if _, err := svc.ImportBoundaries(ctx, a, strings.NewReader(outlines), "", ""); dispatchd.ErrorCode(err) != dispatchd.EFORBIDDEN {
			t.Errorf("%+v boundaries: got %v, want forbidden", a, err)
		}
	}
	if _, err := svc.ImportCodes(ctx, dispatchd.Actor{Username: "p", Role: dispatchd.RoleCommander}, strings.NewReader(csv), ""); err != nil {
		t.Errorf("a commander of the whole deployment: %v", err)
	}
}

// TestFollowRebuildsOnOtherNodes: two services on one store, as two nodes
// are; boundaries imported on one reach the other's index through the
// event feed.
func TestFollowRebuildsOnOtherNodes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openStore(t)
	a, b := regions.NewService(st), regions.NewService(st)
	loadTree(t, a)
	at := geo.Point{Lon: 119.6, Lat: 29.5}
	if got, _ := b.Locate(ctx, at); got != "" {
		t.Fatalf("got %q before the import", got)
	}
	feed := realtime.NewFeed(st, 0, 20*time.Millisecond)
	sub := feed.Subscribe(regions.FeedBuffer)
	done := make(chan struct{}, 2)
	go func() { _ = feed.Run(ctx); done <- struct{}{} }()
	go func() { b.Follow(ctx, feed, sub); done <- struct{}{} }()
	if _, err := a.ImportBoundaries(ctx, dispatchd.System, strings.NewReader(outlines), geo.WGS84, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := b.Locate(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		if got == "330127" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other node still locates %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	<-done
}

// TestNameRemembersUntilInvalidated: Name reads a region's name once and
// answers from memory until the tree changes (Invalidate, which the event
// feed calls on every node), then reads it again.
func TestNameRemembersUntilInvalidated(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	a, b := regions.NewService(st), regions.NewService(st)
	loadTree(t, a)
	if got := b.Name(ctx, "330127"); got != "淳安县" {
		t.Fatalf("got %q", got)
	}
	if got := b.Name(ctx, "330199"); got != "" {
		t.Fatalf("an unknown code: got %q", got)
	}
	if _, err := a.ImportCodes(ctx, dispatchd.System, strings.NewReader("code,name\n330127,千岛湖县\n"), "t"); err != nil {
		t.Fatal(err)
	}
	if got := b.Name(ctx, "330127"); got != "淳安县" {
		t.Fatalf("before the other node learns of the import: got %q, want the remembered name", got)
	}
	b.Invalidate()
	if got := b.Name(ctx, "330127"); got != "千岛湖县" {
		t.Fatalf("after: got %q", got)
	}
}
