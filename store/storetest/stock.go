package storetest

import (
	"fmt"
	"sync"
	"testing"

	"dispatchd"
	"dispatchd/resources"
)

func stockSetup(t *testing.T, s Store) *resources.Service {
	t.Helper()
	c := ctx(t)
	svc := resources.NewService(s)
	ok(svc.CreateItem(c, actor, newItem("1010101", "帐篷"))).get(t)
	ok(svc.CreateItem(c, actor, newItem("1020101", "救生衣"))).get(t)
	ok(svc.CreateDepot(c, actor, newDepot("d1", "杭州市储备库", resources.Municipal, "330100", 120.1, 30.2))).get(t)
	return svc
}

func level(t *testing.T, s Store, depot, item string) resources.Stock {
	t.Helper()
	for _, st := range ok(s.ListStock(ctx(t), depot)).get(t) {
		if st.Item == item {
			return st
		}
	}
	return resources.Stock{}
}

func testStockAdjust(t *testing.T, s Store) {
	c := ctx(t)
	svc := stockSetup(t, s)
	got := ok(svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "采购入库", Lines: []resources.Adjustment{
		{Item: "1010101", Delta: 500}, {Item: "1020101", Delta: 2000, Reason: "捐赠"}}})).get(t)
	if len(got) != 2 || got[0].OnHand != 500 || got[1].OnHand != 2000 {
		t.Fatalf("got %+v", got)
	}
	ok(svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "盘点", Lines: []resources.Adjustment{{Item: "1010101", Delta: -120}}})).get(t)
	st := level(t, s, "d1", "1010101")
	if st.OnHand != 380 || st.Available != 380 || st.Name != "帐篷" {
		t.Fatalf("got %+v, want 380 on hand", st)
	}
	ledger, _ := ok2(svc.Ledger(c, actor, resources.LedgerFilter{Depot: "d1"})).get(t)
	if len(ledger) != 3 {
		t.Fatalf("got %d ledger lines, want 3", len(ledger))
	}
	newest := ledger[0]
	if newest.Delta != -120 || newest.OnHand != 380 || newest.Reason != "盘点" || newest.Actor != "tester" || newest.EventID == 0 {
		t.Fatalf("got newest line %+v", newest)
	}
	if ledger[1].Reason != "捐赠" && ledger[2].Reason != "捐赠" {
		t.Fatalf("the per-line reason was lost: %+v", ledger)
	}
	evs := events(t, s)
	last := evs[len(evs)-1]
	if last.Type != "stock.adjusted" || last.Subject != "d1" || last.ID != newest.EventID {
		t.Fatalf("got last event %+v, want stock.adjusted for d1 with id %d", last, newest.EventID)
	}
	onlyTent, _ := ok2(svc.Ledger(c, actor, resources.LedgerFilter{Depot: "d1", Item: "1020101"})).get(t)
	if len(onlyTent) != 1 {
		t.Fatalf("got %d lines for one item, want 1", len(onlyTent))
	}
	_, err := svc.AdjustStock(c, actor, "nope", resources.AdjustRequest{Reason: "x", Lines: []resources.Adjustment{{Item: "1010101", Delta: 1}}})
	wantCode(t, err, dispatchd.ENOTFOUND)
	_, err = svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "x", Lines: []resources.Adjustment{{Item: "3999999", Delta: 1}}})
	wantCode(t, err, dispatchd.EINVALID)
	mgr := dispatchd.Actor{Username: "mgr", Role: dispatchd.RoleDepotManager, Depots: []string{"d9"}}
	// A depot manager sees the stock of its own depots only.
	_, err = svc.AdjustStock(c, mgr, "d1", resources.AdjustRequest{Reason: "x", Lines: []resources.Adjustment{{Item: "1010101", Delta: 1}}})
	wantCode(t, err, dispatchd.ENOTFOUND)
}

func testStockNeverNegative(t *testing.T, s Store) {
	c := ctx(t)
	svc := stockSetup(t, s)
	ok(svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "入库", Lines: []resources.Adjustment{{Item: "1010101", Delta: 10}}})).get(t)
	before := len(events(t, s))
	// Two lines, the second impossible: neither applies.
	_, err := svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "出库", Lines: []resources.Adjustment{
		{Item: "1020101", Delta: 5}, {Item: "1010101", Delta: -11}}})
	wantCode(t, err, dispatchd.ECONFLICT)
	if got := level(t, s, "d1", "1010101").OnHand; got != 10 {
		t.Fatalf("got %d on hand, want 10", got)
	}
	if got := level(t, s, "d1", "1020101").OnHand; got != 0 {
		t.Fatalf("got %d life jackets, want 0: a refused adjustment was half-written", got)
	}
	if got := len(events(t, s)); got != before {
		t.Fatalf("got %d events, want %d", got, before)
	}
	// The database refuses a negative level even if the domain let it by.
	_, err = s.AdjustStock(c, "d1", func(cur map[string]resources.Stock) ([]resources.Stock, []resources.LedgerLine, *dispatchd.Event, error) {
		st := cur["1010101"]
		st.OnHand = -1
		ev := dispatchd.NewEvent("stock.adjusted", actor, "d1", nil)
		return []resources.Stock{st}, nil, &ev, nil
	})
	wantCode(t, err, dispatchd.ECONFLICT)
	if got := level(t, s, "d1", "1010101").OnHand; got != 10 {
		t.Fatalf("got %d on hand, want 10", got)
	}
}

// testStockConcurrent withdraws one item at a time from many goroutines:
// exactly as many succeed as there was stock, whatever the interleaving.
func testStockConcurrent(t *testing.T, s Store) {
	c := ctx(t)
	svc := stockSetup(t, s)
	const stock, workers, tries = 25, 8, 6
	ok(svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "入库", Lines: []resources.Adjustment{{Item: "1010101", Delta: stock}}})).get(t)
	var mu sync.Mutex
	ok, refused := 0, 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range tries {
				_, err := svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: fmt.Sprintf("w%d-%d", w, i),
					Lines: []resources.Adjustment{{Item: "1010101", Delta: -1}}})
				mu.Lock()
				switch dispatchd.ErrorCode(err) {
				case "":
					ok++
				case dispatchd.ECONFLICT:
					refused++
				default:
					t.Errorf("withdrawal: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != stock || refused != workers*tries-stock {
		t.Fatalf("got %d withdrawals and %d refusals, want %d and %d", ok, refused, stock, workers*tries-stock)
	}
	if got := level(t, s, "d1", "1010101").OnHand; got != 0 {
		t.Fatalf("got %d on hand, want 0", got)
	}
}

func testImport(t *testing.T, s Store) {
	c := ctx(t)
	svc := resources.NewService(s)
	csvItems := "code,name,kind,unit,category\n1010101,帐篷,material,顶,住宿类\n2020101,冲锋舟,equipment,艘,水上救援\n"
	b := ok(resources.ParseImport(resources.ImportItems, resources.CSV, []byte(csvItems))).get(t)
	ok(svc.Import(c, actor, b, "items.csv")).get(t)
	teams := "id,name,kind,capabilities,lon,lat,region,equipment\n" +
		"t1,一队,fire_rescue,fire_fighting;collapse_search,120.1,30.2,330106,2020101:2\n" +
		"t2,二队,social,water_rescue,120.2,30.3,330106,\n"
	b = ok(resources.ParseImport(resources.ImportTeams, resources.CSV, []byte(teams))).get(t)
	ok(svc.Import(c, actor, b, "teams.csv")).get(t)
	// Importing again replaces by id and keeps created_at.
	first := ok(svc.Team(c, actor, "t1")).get(t)
	b = ok(resources.ParseImport(resources.ImportTeams, resources.CSV, []byte(
		"id,name,kind,lon,lat\nt1,一队（改）,fire_rescue,120.1,30.2\n"))).get(t)
	ok(svc.Import(c, actor, b, "teams2.csv")).get(t)
	again := ok(svc.Team(c, actor, "t1")).get(t)
	if again.Name != "一队（改）" || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("got %+v after re-import", again)
	}
	// A bad file writes nothing and names every bad line.
	bad := "id,name,kind,lon,lat,equipment\nt3,三队,fire_rescue,120.1,30.2,\nt4,,fire_rescue,200,30.2,\nt5,五队,fire_rescue,120,30,9999999:1\n"
	b = ok(resources.ParseImport(resources.ImportTeams, resources.CSV, []byte(bad))).get(t)
	_, err := svc.Import(c, actor, b, "bad.csv")
	wantCode(t, err, dispatchd.EINVALID)
	lines := map[int]bool{}
	for _, f := range dispatchd.ErrorFields(err) {
		lines[f.Line] = true
	}
	if !lines[3] || !lines[4] || lines[2] {
		t.Fatalf("got errors on lines %v, want 3 and 4 only: %v", lines, dispatchd.ErrorFields(err))
	}
	_, err = svc.Team(c, actor, "t3")
	wantCode(t, err, dispatchd.ENOTFOUND)
	depots := `{"type":"FeatureCollection","features":[
{"type":"Feature","id":"d1","geometry":{"type":"Point","coordinates":[120.1,30.2]},"properties":{"name":"一号库","tier":"county","region":"330106"}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[120.2,30.1],"crs":"gcj02"},"properties":{"id":"d2","name":"二号库","tier":"township","reserve":"agreement"}}]}`
	b = ok(resources.ParseImport(resources.ImportDepots, resources.GeoJSON, []byte(depots))).get(t)
	ok(svc.Import(c, actor, b, "depots.geojson")).get(t)
	d2 := ok(svc.Depot(c, actor, "d2")).get(t)
	if d2.Reserve != resources.Agreement || d2.Location.Lon == 120.2 {
		t.Fatalf("got %+v, want an agreement reserve moved from GCJ-02 to WGS-84", d2)
	}
	n := 0
	for _, ev := range events(t, s) {
		if ev.Type == "team.imported" || ev.Type == "depot.imported" || ev.Type == "item.imported" {
			n++
		}
	}
	if n != 2+2+1+2 {
		t.Fatalf("got %d import events, want 7", n)
	}
}

func testImportStock(t *testing.T, s Store) {
	c := ctx(t)
	svc := stockSetup(t, s)
	ok(svc.CreateDepot(c, actor, newDepot("d2", "二号库", resources.County, "330106", 120.1, 30.2))).get(t)
	ok(svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "入库", Lines: []resources.Adjustment{{Item: "1010101", Delta: 10}}})).get(t)
	b := ok(resources.ParseImport(resources.ImportStock, resources.CSV, []byte(
		"depot,item,on_hand\nd1,1010101,40\nd1,1020101,7\nd2,1010101,0\n"))).get(t)
	ok(svc.Import(c, actor, b, "count.csv")).get(t)
	if got := level(t, s, "d1", "1010101").OnHand; got != 40 {
		t.Fatalf("got %d, want 40", got)
	}
	ledger, _ := ok2(svc.Ledger(c, actor, resources.LedgerFilter{Depot: "d1", Item: "1010101"})).get(t)
	if ledger[0].Delta != 30 || ledger[0].Reason != "import: count.csv" {
		t.Fatalf("got %+v, want a +30 line for the import", ledger[0])
	}
	// Unchanged levels leave no ledger line.
	ok(svc.Import(c, actor, b, "count.csv")).get(t)
	ledger, _ = ok2(svc.Ledger(c, actor, resources.LedgerFilter{Depot: "d1"})).get(t)
	if len(ledger) != 3 {
		t.Fatalf("got %d ledger lines, want 3", len(ledger))
	}
	b = ok(resources.ParseImport(resources.ImportStock, resources.CSV, []byte(
		"depot,item,on_hand\nd1,1010101,1\nd9,1010101,5\nd1,1010101,2\nd1,1030101,-4\n"))).get(t)
	_, err := svc.Import(c, actor, b, "bad.csv")
	wantCode(t, err, dispatchd.EINVALID)
	if len(dispatchd.ErrorFields(err)) != 4 {
		t.Fatalf("got %v, want 4 errors (unknown depot, duplicate, unknown item, negative)", dispatchd.ErrorFields(err))
	}
	if got := level(t, s, "d1", "1010101").OnHand; got != 40 {
		t.Fatalf("got %d, want 40 after a refused import", got)
	}
}

// testImportStockBulk imports enough lines to take the bulk paths (COPY on
// PostgreSQL), twice: first every level is new, then every level changes.
func testImportStockBulk(t *testing.T, s Store) {
	c := ctx(t)
	svc := resources.NewService(s)
	const n = 1500
	items := make([]resources.Item, n)
	for i := range items {
		items[i] = newItem(fmt.Sprint(1100000+i), fmt.Sprintf("物资%d", i))
	}
	ok(svc.Import(c, actor, &resources.Batch{Kind: resources.ImportItems, Items: items, Lines: seq(n)}, "items")).get(t)
	ok(svc.CreateDepot(c, actor, newDepot("d1", "库", resources.County, "330106", 120.1, 30.2))).get(t)
	for round := int64(1); round <= 2; round++ {
		levels := make([]resources.StockLevel, n)
		for i := range levels {
			levels[i] = resources.StockLevel{Depot: "d1", Item: items[i].Code, OnHand: round * int64(i+1)}
		}
		ok(svc.Import(c, actor, &resources.Batch{Kind: resources.ImportStock, Stock: levels, Lines: seq(n)}, "count")).get(t)
		stock := ok(s.ListStock(c, "d1")).get(t)
		var sum int64
		for _, st := range stock {
			sum += st.OnHand
		}
		if want := round * n * (n + 1) / 2; len(stock) != n || sum != want {
			t.Fatalf("round %d: got %d lines totalling %d, want %d totalling %d", round, len(stock), sum, n, want)
		}
	}
	var lines int
	after := int64(0)
	for {
		page := ok(s.ListLedger(c, resources.LedgerFilter{Depot: "d1", After: after, Limit: 1000})).get(t)
		if len(page) == 0 {
			break
		}
		for _, l := range page {
			if l.Delta <= 0 || l.EventID == 0 || l.Reason != "import: count" {
				t.Fatalf("got ledger line %+v", l)
			}
		}
		lines += len(page)
		after = page[len(page)-1].ID
	}
	if lines != 2*n {
		t.Fatalf("got %d ledger lines, want %d", lines, 2*n)
	}
}
