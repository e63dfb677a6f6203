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
	"dispatchd/store/sqlite"
)

// runHistory runs h until the test ends, and returns a function that stops
// it and waits for Run to return.
func runHistory(t *testing.T, h *realtime.History, report func(error)) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.Run(ctx, report)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(2 * realtime.HistoryDrainTimeout):
				t.Error("Run did not return after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// eventually waits until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func fixes(team string, n int, t0 time.Time) []realtime.Position {
	ps := make([]realtime.Position, n)
	for i := range ps {
		ps[i] = realtime.Position{Team: team, Lon: 120 + float64(i)/1e4, Lat: 30, TS: t0.Add(time.Duration(i) * time.Second)}
	}
	return ps
}

// TestHistoryWritesToSQLite writes through the real embedded store: many
// small batches come out as one track in device-time order, and history
// older than the retention is removed when the writer starts.
func TestHistoryWritesToSQLite(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	old := fixes("t1", 5, now.Add(-40*24*time.Hour))
	if err := st.AppendPositions(ctx, old); err != nil {
		t.Fatal(err)
	}

	h := realtime.NewHistory(st, realtime.HistoryConfig{Batch: 1000, FlushEvery: 10 * time.Millisecond, Retention: 30 * 24 * time.Hour})
	stop := runHistory(t, h, func(err error) { t.Errorf("history: %v", err) })
	const n = 12_000
	ps := fixes("t1", n, now.Add(-4*time.Hour))
	for i := 0; i < n; i += 7 {
		h.Add(ps[i:min(i+7, n)]...)
	}
	eventually(t, fmt.Sprintf("%d positions are written", n), func() bool { return h.Stats().Written == n })
	stop()
	if s := h.Stats(); s != (realtime.HistoryStats{Written: n}) {
		t.Fatalf("got %+v, want %d written and nothing else", s, n)
	}
	got, err := st.Track(ctx, "t1", now.Add(-50*24*time.Hour), now, 2*n)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n || !got[0].TS.Equal(ps[0].TS) || !got[n-1].TS.Equal(ps[n-1].TS) {
		t.Fatalf("got %d fixes, want the %d written and none of the %d past the retention", len(got), n, len(old))
	}
}

// fakeStore is a store that can be made to fail or hang: what the real
// stores cannot be made to do on cue.
type fakeStore struct {
	mu    sync.Mutex
	got   []realtime.Position
	calls int
	// fail, when set, decides whether a call fails.
	fail func(call int) error
	// hang makes calls wait until their context ends.
	hang atomic.Bool
	// prune, when set, holds every prune until it is closed.
	prune chan struct{}
	// cuts are the times prunes were asked to cut at.
	cuts []time.Time
}

func (f *fakeStore) AppendPositions(ctx context.Context, ps []realtime.Position) error {
	if f.hang.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		if err := f.fail(f.calls); err != nil {
			return err
		}
	}
	f.got = append(f.got, ps...)
	return nil
}

func (f *fakeStore) DeletePositionsBefore(ctx context.Context, t time.Time) (int64, error) {
	if f.prune != nil {
		select {
		case <-f.prune:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	f.mu.Lock()
	f.cuts = append(f.cuts, t)
	f.mu.Unlock()
	return 0, nil
}

// dayStore is a fakeStore partitioned by day.
type dayStore struct {
	fakeStore
	made [][2]time.Time
}

func (d *dayStore) PositionPartition() time.Duration { return 24 * time.Hour }

func (d *dayStore) CreatePositionPartitions(ctx context.Context, from, to time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.made = append(d.made, [2]time.Time{from, to})
	return nil
}

// TestHistoryPrune: the prune runs beside the batches, so that one which
// takes long (an hour of a province's history on SQLite) holds none up;
// a partitioned store gets its partitions three ahead and is cut at a
// partition's start.
func TestHistoryPrune(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	t.Run("a long prune never holds up a batch", func(t *testing.T) {
		st := &fakeStore{prune: make(chan struct{})}
		h := realtime.NewHistory(st, realtime.HistoryConfig{Batch: 100, FlushEvery: 5 * time.Millisecond})
		stop := runHistory(t, h, nil)
		h.Add(fixes("t1", 250, t0)...)
		eventually(t, "the fixes are written while the prune runs", func() bool { return h.Stats().Written == 250 })
		close(st.prune)
		stop()
	})
	t.Run("a partitioned store loses whole partitions", func(t *testing.T) {
		st := &dayStore{}
		h := realtime.NewHistory(st, realtime.HistoryConfig{Retention: 30 * 24 * time.Hour})
		before := time.Now()
		stop := runHistory(t, h, nil)
		eventually(t, "the first prune", func() bool { st.mu.Lock(); defer st.mu.Unlock(); return len(st.cuts) == 1 })
		stop()
		st.mu.Lock()
		defer st.mu.Unlock()
		if len(st.made) == 0 {
			t.Fatal("got no partitions made, want the coming days'")
		}
		cut, made := st.cuts[0], st.made[0]
		if want := before.Add(-30 * 24 * time.Hour).UTC().Truncate(24 * time.Hour); !cut.Equal(want) {
			t.Fatalf("got the cut at %v, want %v: the start of the day", cut, want)
		}
		if made[0].After(before) || made[1].Sub(before) < 3*24*time.Hour {
			t.Fatalf("got partitions made from %v to %v, want from before now to three days ahead", made[0], made[1])
		}
	})
}

// thinStore is a fakeStore that thins.
type thinStore struct {
	fakeStore
	thins [][2]any
}

func (d *thinStore) ThinPositions(ctx context.Context, before time.Time, every time.Duration) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.thins = append(d.thins, [2]any{before, every})
	return 0, nil
}

// TestHistoryThin: with ThinAfter set, the maintenance thins what is older
// than it, at ThinEvery (30 s unless set), after the prune; without, never.
func TestHistoryThin(t *testing.T) {
	for _, tt := range []struct {
		name      string
		after     time.Duration
		every     time.Duration
		wantEvery time.Duration
		wantThins int
	}{
		{name: "off by default"},
		{name: "48 hours, default interval", after: 48 * time.Hour, wantEvery: 30 * time.Second, wantThins: 1},
		{name: "a minute", after: 72 * time.Hour, every: time.Minute, wantEvery: time.Minute, wantThins: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := &thinStore{}
			h := realtime.NewHistory(st, realtime.HistoryConfig{ThinAfter: tt.after, ThinEvery: tt.every})
			before := time.Now()
			stop := runHistory(t, h, nil)
			eventually(t, "the first prune", func() bool { st.mu.Lock(); defer st.mu.Unlock(); return len(st.cuts) == 1 })
			stop()
			st.mu.Lock()
			defer st.mu.Unlock()
			if len(st.thins) != tt.wantThins {
				t.Fatalf("got %d thinnings, want %d", len(st.thins), tt.wantThins)
			}
			if tt.wantThins == 0 {
				return
			}
			at, every := st.thins[0][0].(time.Time), st.thins[0][1].(time.Duration)
			if every != tt.wantEvery || at.Before(before.Add(-tt.after)) || at.After(time.Now().Add(-tt.after)) {
				t.Fatalf("got thinning before %v at %v, want before now less %v at %v", at, every, tt.after, tt.wantEvery)
			}
		})
	}
}

func (f *fakeStore) stored() (n, calls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got), f.calls
}

var errDown = errors.New("database is down")

func TestHistoryFailures(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	fast := realtime.HistoryConfig{Batch: 100, FlushEvery: 5 * time.Millisecond, RetryDelay: time.Millisecond, Attempts: 50}
	t.Run("the store fails then recovers", func(t *testing.T) {
		var down atomic.Bool
		down.Store(true)
		st := &fakeStore{fail: func(int) error {
			if down.Load() {
				return errDown
			}
			return nil
		}}
		cfg := fast
		cfg.RetryDelay = 20 * time.Millisecond
		h := realtime.NewHistory(st, cfg)
		runHistory(t, h, func(err error) { t.Errorf("got %v, want the batch retried until the store is back", err) })
		h.Add(fixes("t1", 250, t0)...)
		eventually(t, "the first batch is retried", func() bool { _, calls := st.stored(); return calls >= 2 })
		// Ingest goes on while the store is down.
		h.Add(fixes("t2", 250, t0)...)
		if s := h.Stats(); s.Pending != 500 || s.Written != 0 || s.Dropped != 0 || s.Failed != 0 {
			t.Fatalf("got %+v while the store is down, want 500 pending", s)
		}
		down.Store(false)
		eventually(t, "everything is written", func() bool { return h.Stats().Written == 500 })
		if n, _ := st.stored(); n != 500 {
			t.Fatalf("got %d stored, want 500", n)
		}
		if s := h.Stats(); s.Pending != 0 || s.Failed != 0 {
			t.Fatalf("got %+v, want nothing pending or failed", s)
		}
	})
	t.Run("a batch that keeps failing is given up", func(t *testing.T) {
		st := &fakeStore{fail: func(call int) error {
			if call <= 3 {
				return errDown
			}
			return nil
		}}
		cfg := fast
		cfg.Attempts = 3
		h := realtime.NewHistory(st, cfg)
		var reports atomic.Int64
		runHistory(t, h, func(err error) {
			if !errors.Is(err, errDown) {
				t.Errorf("got report %v, want it to wrap %v", err, errDown)
			}
			reports.Add(1)
		})
		h.Add(fixes("t1", 100, t0)...)
		eventually(t, "the batch is given up", func() bool { return h.Stats().Failed == 100 })
		h.Add(fixes("t1", 10, t0.Add(time.Hour))...)
		eventually(t, "the next is written", func() bool { return h.Stats().Written == 10 })
		if reports.Load() != 1 {
			t.Fatalf("got %d reports, want 1", reports.Load())
		}
	})
	t.Run("a full buffer drops and never blocks", func(t *testing.T) {
		st := &fakeStore{}
		st.hang.Store(true)
		cfg := fast
		cfg.Buffer = 1000
		h := realtime.NewHistory(st, cfg)
		runHistory(t, h, nil)
		t.Cleanup(func() { st.hang.Store(false) }) // before Run's drain, which waits for the store
		start := time.Now()
		for range 30 {
			h.Add(fixes("t1", 100, t0)...)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Add took %v while the store hangs, want it not to wait", d)
		}
		if s := h.Stats(); s.Pending != 1000 || s.Dropped != 2000 {
			t.Fatalf("got %+v, want 1000 pending and 2000 dropped", s)
		}
	})
	t.Run("shutdown flushes what is left", func(t *testing.T) {
		st := &fakeStore{}
		h := realtime.NewHistory(st, realtime.HistoryConfig{FlushEvery: time.Hour})
		stop := runHistory(t, h, nil)
		h.Add(fixes("t1", 42, t0)...)
		stop()
		if n, _ := st.stored(); n != 42 || h.Stats() != (realtime.HistoryStats{Written: 42}) {
			t.Fatalf("got %d stored, %+v; want 42 written at shutdown", n, h.Stats())
		}
	})
	t.Run("shutdown during retries writes the batch once the store is back", func(t *testing.T) {
		var down atomic.Bool
		down.Store(true)
		st := &fakeStore{fail: func(int) error {
			if down.Load() {
				return errDown
			}
			return nil
		}}
		cfg := fast
		cfg.RetryDelay = time.Hour // the shutdown comes during the wait
		h := realtime.NewHistory(st, cfg)
		stop := runHistory(t, h, nil)
		h.Add(fixes("t1", 150, t0)...)
		eventually(t, "the first attempt fails", func() bool { _, calls := st.stored(); return calls >= 1 })
		down.Store(false)
		stop()
		if n, _ := st.stored(); n != 150 || h.Stats() != (realtime.HistoryStats{Written: 150}) {
			t.Fatalf("got %d stored, %+v; want 150 written at shutdown", n, h.Stats())
		}
	})
	t.Run("shutdown with the store down gives up and counts", func(t *testing.T) {
		st := &fakeStore{fail: func(int) error { return errDown }}
		cfg := fast
		cfg.FlushEvery = time.Hour
		cfg.Attempts = 2
		h := realtime.NewHistory(st, cfg)
		var reports atomic.Int64
		stop := runHistory(t, h, func(error) { reports.Add(1) })
		h.Add(fixes("t1", 30, t0)...)
		stop()
		if s := h.Stats(); s != (realtime.HistoryStats{Failed: 30}) || reports.Load() != 1 {
			t.Fatalf("got %+v and %d reports, want 30 failed and one report", s, reports.Load())
		}
	})
}
