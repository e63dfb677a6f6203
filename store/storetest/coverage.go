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
		n, err := markOne(c, s, below, share, now)
		return n == 1, err
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
	testCoverageFlips(t, s, mark, count)
}

// markOne records 淳安县's coverage of mine rescue.
func markOne(c context.Context, s Store, below bool, share float64, now time.Time) (int, error) {
	typ := coverage.EventRestored
	if below {
		typ = coverage.EventGap
	}
	ev := dispatchd.NewEvent(typ, dispatchd.System, "330127", coverage.GapEvent{Region: "330127", Capability: "mine_rescue", Share: share})
	ev.Scoped("", "330127")
	return s.MarkCoverage(c, []coverage.Mark{{State: coverage.State{Region: "330127", Capability: "mine_rescue", Below: below, Share: share, At: now}, Event: &ev}})
}

// testCoverageFlips: the same state again writes nothing; a flip seen by
// several nodes at once writes one event; several marks go in one call.
func testCoverageFlips(t *testing.T, s Store, mark func(bool, float64) (bool, error), count func(string) int) {
	c := context.Background()
	now := time.Now().UTC()
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
	ev2 := dispatchd.NewEvent(coverage.EventGap, dispatchd.System, "330127", coverage.GapEvent{Region: "330127"})
	marks := []coverage.Mark{{State: coverage.State{Region: "330122", Capability: "mine_rescue", Below: true, At: now}, Event: &ev},
		{State: coverage.State{Region: "330127", Capability: "mine_rescue", Below: true, At: now}, Event: &ev2}}
	if n := ok(s.MarkCoverage(c, marks)).get(t); n != 1 || count(coverage.EventGap) != 2 {
		t.Fatalf("another county's first state and a drop: wrote %d, %d gaps in all; want 1 and 2", n, count(coverage.EventGap))
	}
}
