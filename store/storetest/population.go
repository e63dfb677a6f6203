package storetest

import (
	"context"
	"sync"
	"testing"

	"dispatchd"
	"dispatchd/coverage"
	"dispatchd/geo"
)

// testPopulation: a replacement keeps exactly its points, in order,
// across several insert statements, with its event; an empty one clears
// the layer; replacements at the same time never mix their points.
func testPopulation(t *testing.T, s Store) {
	c := context.Background()
	layer := func(n int, pop float64) []coverage.PopulationPoint {
		out := make([]coverage.PopulationPoint, n)
		for i := range out {
			out[i] = coverage.PopulationPoint{At: geo.Point{Lon: 118 + float64(i)/1e4, Lat: 29.5}, Population: pop + float64(i)}
		}
		return out
	}
	replace := func(pts []coverage.PopulationPoint) error {
		ev := dispatchd.NewEvent(coverage.EventPopulationImported, dispatchd.System, "population", coverage.PopulationImported{Points: len(pts)})
		return s.ReplacePopulation(c, pts, ev)
	}
	if got := ok(s.ListPopulation(c)).get(t); len(got) != 0 {
		t.Fatalf("a new store has %d points, want 0", len(got))
	}
	want := layer(2500, 10)
	noErr(t, replace(want))
	got := ok(s.ListPopulation(c)).get(t)
	if len(got) != len(want) || got[0] != want[0] || got[2499] != want[2499] || got[1234] != want[1234] {
		t.Fatalf("got %d points (first %v), want %d (first %v)", len(got), got[0], len(want), want[0])
	}
	noErr(t, replace(layer(2, 7.5)))
	if got := ok(s.ListPopulation(c)).get(t); len(got) != 2 || got[1].Population != 8.5 {
		t.Fatalf("after a replacement of 2 points: %v", got)
	}
	noErr(t, replace(nil))
	if got := ok(s.ListPopulation(c)).get(t); len(got) != 0 {
		t.Fatalf("after an empty replacement: %d points, want 0", len(got))
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = replace(layer(300+i, float64(1000*i)))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		noErr(t, err)
	}
	got = ok(s.ListPopulation(c)).get(t)
	i := int(got[0].Population) / 1000
	if len(got) != 300+i {
		t.Fatalf("replacements at once mixed: %d points, the first of replacement %d (of %d)", len(got), i, 300+i)
	}
	n := 0
	for _, e := range ok(s.ListEvents(c, 0, 1000)).get(t) {
		if e.Type == coverage.EventPopulationImported {
			n++
		}
	}
	if n != 7 {
		t.Fatalf("%d events %s, want 7", n, coverage.EventPopulationImported)
	}
}
