package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/coverage"
)

// testCoverageStates: the first state of a county and capability is
// recorded without an event; a flip writes its event once, even when
// several nodes flip it at the same time; the same state again writes
// nothing.
func testCoverageStates(t *testing.T, s Store) {
	c := context.Background()
	now := time.Now().UTC()
	mark := func(below bool, share float64) (bool, error) {
		typ := coverage.EventRestored
		if below {
			typ = coverage.EventGap
		}
		ev := dispatchd.NewEvent(typ, dispatchd.System, "330127", coverage.GapEvent{Region: "330127", Capability: "mine_rescue", Share: share})
		ev.Scoped("", "330127")
		return s.MarkCoverage(c, coverage.State{Region: "330127", Capability: "mine_rescue", Below: below, Share: share, At: now}, &ev)
	}
	count := func(typ string) int {
		evs := ok(s.ListEvents(c, 0, 1000)).get(t)
		n := 0
		for _, e := range evs {
			if e.Type == typ {
				n++
			}
		}
		return n
	}
	if wrote := ok(mark(false, 0.9)).get(t); wrote {
		t.Fatal("the first state seen wrote an event")
	}
	if wrote := ok(mark(false, 0.85)).get(t); wrote {
		t.Fatal("the same state again wrote an event")
	}
	// Several nodes see the drop at once: one event.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wrote := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := mark(true, 0.5)
			if err != nil {
				t.Error(err)
			}
			if w {
				mu.Lock()
				wrote++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wrote != 1 || count(coverage.EventGap) != 1 {
		t.Fatalf("a drop seen by 4 nodes: %d said they wrote, %d events; want 1 and 1", wrote, count(coverage.EventGap))
	}
	if w := ok(mark(false, 0.95)).get(t); !w || count(coverage.EventRestored) != 1 {
		t.Fatalf("the recovery: wrote %v, %d events; want one", w, count(coverage.EventRestored))
	}
	// Another county is a row of its own.
	ev := dispatchd.NewEvent(coverage.EventGap, dispatchd.System, "330122", coverage.GapEvent{Region: "330122"})
	if w := ok(s.MarkCoverage(c, coverage.State{Region: "330122", Capability: "mine_rescue", Below: true, At: now}, &ev)).get(t); w {
		t.Fatal("another county's first state wrote an event")
	}
}
