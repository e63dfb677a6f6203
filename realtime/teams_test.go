package realtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd/realtime"
)

// lagView is a team view that applies the store's events only when told,
// as the dispatch view does when the feed brings them.
type lagView struct {
	mu      sync.Mutex
	changed *sync.Cond
	teams   map[string]bool
	last    int64
	waits   atomic.Int64
}

func newLagView() *lagView {
	v := &lagView{teams: map[string]bool{}}
	v.changed = sync.NewCond(&v.mu)
	return v
}

func (v *lagView) HasTeam(team string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.teams[team]
}

// apply applies event id, which may create a team.
func (v *lagView) apply(id int64, team string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if team != "" {
		v.teams[team] = true
	}
	v.last = max(v.last, id)
	v.changed.Broadcast()
}

func (v *lagView) WaitFor(ctx context.Context, id int64) error {
	v.waits.Add(1)
	stop := context.AfterFunc(ctx, func() { v.mu.Lock(); v.changed.Broadcast(); v.mu.Unlock() })
	defer stop()
	v.mu.Lock()
	defer v.mu.Unlock()
	for v.last < id {
		if err := ctx.Err(); err != nil {
			return err
		}
		v.changed.Wait()
	}
	return nil
}

// eventLog is a store's newest event id.
type eventLog struct {
	id    atomic.Int64
	reads atomic.Int64
	fail  atomic.Bool
}

func (l *eventLog) LastEventID(context.Context) (int64, error) {
	l.reads.Add(1)
	if l.fail.Load() {
		return 0, errors.New("store down")
	}
	return l.id.Load(), nil
}

// TestTeamsCatchUpOnMiss checks the team check of the ingest: a team in
// the view costs no store read; a team the store holds but the view not
// yet is found once the view has caught up; a team missing at an event id
// is not waited for again until the store moves; a stuck view is waited
// for no longer than the bound.
func TestTeamsCatchUpOnMiss(t *testing.T) {
	v, log := newLagView(), &eventLog{}
	v.apply(1, "t1")
	log.id.Store(1)
	teams := realtime.NewTeams(v, log, 2*time.Second)

	if !teams.Known("t1") || log.reads.Load() != 0 {
		t.Fatalf("a team in the view: want it known with no store read, got %d reads", log.reads.Load())
	}

	// Team t2 is registered (event 2); the view applies it a little later.
	log.id.Store(2)
	go func() { time.Sleep(50 * time.Millisecond); v.apply(2, "t2") }()
	if !teams.Known("t2") {
		t.Fatal("a team the store holds: want it known once the view caught up")
	}

	// A team that does not exist: one read, then no wait until the store
	// moves.
	reads, waits := log.reads.Load(), v.waits.Load()
	if teams.Known("ghost") {
		t.Fatal("ghost is known")
	}
	if log.reads.Load() != reads+1 || v.waits.Load() != waits+1 {
		t.Fatalf("first miss: %d reads, %d waits; want 1 and 1", log.reads.Load()-reads, v.waits.Load()-waits)
	}
	for range 100 {
		if teams.Known("ghost") {
			t.Fatal("ghost is known")
		}
	}
	if v.waits.Load() != waits+1 {
		t.Fatalf("misses with the store unchanged waited %d times; want none", v.waits.Load()-waits-1)
	}
	// The store moves (ghost registered at event 3): the next miss waits
	// for it and finds the team.
	log.id.Store(3)
	go func() { time.Sleep(50 * time.Millisecond); v.apply(3, "ghost") }()
	if !teams.Known("ghost") {
		t.Fatal("ghost registered: want it known")
	}

	// A stuck view: the store is at event 4 and the view never gets there.
	log.id.Store(4)
	bounded := realtime.NewTeams(v, log, 100*time.Millisecond)
	start := time.Now()
	if bounded.Known("nobody") {
		t.Fatal("nobody is known")
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > time.Second {
		t.Fatalf("a stuck view was waited for %v; want the 100ms bound", d)
	}
	start = time.Now()
	if bounded.Known("nobody") || time.Since(start) > 50*time.Millisecond {
		t.Fatalf("the second miss with the store unchanged took %v; want no wait", time.Since(start))
	}
	// The view catches up, with team t4: known at once, from the view.
	v.apply(4, "t4")
	if !bounded.Known("t4") {
		t.Fatal("t4 is not known")
	}

	// The store cannot be read: a miss is refused, not waited for.
	log.fail.Store(true)
	if teams.Known("t5") {
		t.Fatal("t5 is known")
	}
	log.fail.Store(false)
}

// TestTeamsConcurrent asks many teams at once while teams are registered
// and the view follows, for the race detector, and checks that every
// registered team is known and every other is not.
func TestTeamsConcurrent(t *testing.T) {
	v, log := newLagView(), &eventLog{}
	teams := realtime.NewTeams(v, log, 2*time.Second)
	const n = 50
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= n; i++ {
			log.id.Store(int64(i))
			wg.Add(1)
			go func(i int) { defer wg.Done(); time.Sleep(time.Millisecond); v.apply(int64(i), fmt.Sprintf("t%d", i)) }(i)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	errs := make(chan error, 4*n)
	for i := 1; i <= n; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			team := fmt.Sprintf("t%d", i)
			for log.id.Load() < int64(i) {
				time.Sleep(time.Millisecond)
			}
			if !teams.Known(team) {
				errs <- fmt.Errorf("%s registered but not known", team)
			}
		}(i)
		go func(i int) {
			defer wg.Done()
			if teams.Known(fmt.Sprintf("ghost%d", i%5)) {
				errs <- fmt.Errorf("ghost%d known", i%5)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
