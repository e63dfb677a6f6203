package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"dispatchd/geo"
	"dispatchd/regions"
	"dispatchd/store/sqlite"
)

// TestImportRegionsCommand loads a code list and outlines with dispatchd
// import regions|boundaries FILE, and refuses a bad outline file naming
// its line.
func TestImportRegionsCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DISPATCH_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	ctx := context.Background()
	var out, errb bytes.Buffer
	run := func(args ...string) error {
		out.Reset()
		errb.Reset()
		return run(ctx, args, nil, &out, &errb)
	}
	write := func(name, data string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	codes := write("codes.csv", "\ufeff行政区划代码,单位名称\n330000,浙江省\n330100,杭州市\n330127,淳安县\n")
	if err := run("import", "regions", codes); err != nil || !strings.Contains(out.String(), "imported 3 regions") {
		t.Fatalf("import regions: %v %q %s", err, out.String(), errb.String())
	}
	outline := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"adcode":330127},
"geometry":{"type":"Polygon","coordinates":[[[118.5,29.3],[119.3,29.3],[119.3,29.9],[118.5,29.9],[118.5,29.3]]]}}]}`
	bad := write("bad.geojson", strings.Replace(outline, "330127", "330182", 1))
	if err := run("import", "boundaries", bad); err == nil || !strings.Contains(userMessage(err), "line 1: properties.code") {
		t.Fatalf("got %v, want an error on line 1", err)
	}
	good := write("good.geojson", outline)
	if err := run("import", "--kind", "boundaries", "--crs", "gcj02", good); err != nil || !strings.Contains(out.String(), "imported 1 boundaries") {
		t.Fatalf("import boundaries: %v %q %s", err, out.String(), errb.String())
	}
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bs, err := st.Boundaries(ctx)
	if err != nil || len(bs) != 1 || bs[0].Code != "330127" {
		t.Fatalf("got %+v, %v", bs, err)
	}
	if x := regions.NewIndex(bs); x.Locate(geo.Point{Lon: 119.042, Lat: 29.609}) != "330127" {
		t.Errorf("the outline does not hold Chun'an's seat")
	}
}

// TestSeedLoadsRegions: the demo seed loads Zhejiang, its 11 cities and
// their counties into the region tree, with an outline for each county
// that locates the county's seat.
func TestSeedLoadsRegions(t *testing.T) {
	dir := seededDemo(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := regions.NewService(st)
	cities, _, err := svc.Children(ctx, "330000", "", 100)
	if err != nil || len(cities) != 11 {
		t.Fatalf("got %d cities, %v, want 11", len(cities), err)
	}
	counties, _, err := svc.Children(ctx, "330100", "", 100)
	if err != nil || len(counties) != 13 || counties[12].Code != "330182" || counties[12].Name != "建德市" {
		t.Fatalf("got %+v, %v, want Hangzhou's 13 counties and districts", counties, err)
	}
	if !counties[11].HasBoundary {
		t.Fatalf("淳安县 has no outline: %+v", counties[11])
	}
	if got, err := svc.Locate(ctx, geo.Point{Lon: 119.04, Lat: 29.61}); err != nil || got != "330127" {
		t.Fatalf("千岛湖 is located in %q, %v, want 330127", got, err)
	}
}
