package storetest

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
)

// BenchImportStock imports a CSV of 100,000 stock lines (1,000 depots × 100
// items) into a store that already holds the depots and items: parse, check
// and write in one transaction, as POST /api/v1/import/stock does.
func BenchImportStock(b *testing.B, open Open) {
	const depots, items = 1000, 100
	ctx := context.Background()
	var csv bytes.Buffer
	csv.WriteString("depot,item,on_hand\n")
	for d := range depots {
		for i := range items {
			fmt.Fprintf(&csv, "d%04d,%d,%d\n", d, 1010100+i, 10+(d*items+i)%500)
		}
	}
	data := csv.Bytes()
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		svc := resources.NewService(s)
		its := make([]resources.Item, items)
		for i := range its {
			its[i] = resources.Item{Code: fmt.Sprint(1010100 + i), Name: fmt.Sprintf("物资%d", i), Kind: resources.Material, Unit: "件"}
		}
		ds := make([]resources.Depot, depots)
		for d := range ds {
			ds[d] = resources.Depot{ID: fmt.Sprintf("d%04d", d), Name: fmt.Sprintf("储备库%d", d), Tier: resources.Township,
				Location: geo.Point{Lon: 120 + float64(d)/1000, Lat: 30}}
		}
		for _, batch := range []*resources.Batch{
			{Kind: resources.ImportItems, Items: its, Lines: seq(items)},
			{Kind: resources.ImportDepots, Depots: ds, Lines: seq(depots)},
		} {
			if _, err := svc.Import(ctx, dispatchd.System, batch, "bench"); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		batch, err := resources.ParseImport(resources.ImportStock, resources.CSV, data)
		if err != nil {
			b.Fatal(err)
		}
		sum, err := svc.Import(ctx, dispatchd.System, batch, "bench.csv")
		if err != nil || sum.Rows != depots*items {
			b.Fatalf("got %+v, %v", sum, err)
		}
	}
	b.ReportMetric(float64(depots*items), "lines/op")
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}
