package sqlite_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd/realtime"
)

// TestPruneLetsWritesThrough removes 30,000 expired fixes (30 batches) while a writer
// keeps appending fresh ones through the same single writer connection. The
// prune deletes in batches, each its own transaction, so the writer's
// writes commit between them: some begin and end while the prune runs. One
// DELETE of every expired row (the old prune) holds the writer throughout,
// and no write that begins during it ends before it.
func TestPruneLetsWritesThrough(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	const expired = 30_000
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]realtime.Position, 0, 5000)
	for i := range expired {
		batch = append(batch, realtime.Position{Team: "t1", Lon: 120, Lat: 30, TS: old.Add(time.Duration(i) * time.Second)})
		if len(batch) == cap(batch) {
			if err := s.AppendPositions(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	cut := old.Add(24 * time.Hour)

	// phase is 0 before the prune, 1 while it runs, 2 after it.
	var phase atomic.Int32
	var during, writes atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	first := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			p0 := phase.Load()
			err := s.AppendPositions(ctx, []realtime.Position{{Team: "t2", Lon: 121, Lat: 31, TS: cut.Add(time.Duration(i) * time.Second)}})
			if err != nil {
				done <- err
				return
			}
			if p0 == 1 && phase.Load() == 1 {
				during.Add(1)
			}
			if writes.Add(1) == 1 {
				close(first)
			}
		}
	}()
	<-first
	phase.Store(1)
	n, err := s.DeletePositionsBefore(ctx, cut)
	phase.Store(2)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatalf("write during the prune: %v", werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n != expired {
		t.Fatalf("got %d fixes pruned, want %d", n, expired)
	}
	if got := during.Load(); got < 2 {
		t.Fatalf("got %d writes begun and committed while the prune ran, want at least 2 (between its batches)", got)
	}
	fresh, err := s.Track(ctx, "t2", cut, cut.Add(365*24*time.Hour), 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(fresh)) != writes.Load() {
		t.Fatalf("got %d fresh fixes after the prune, want every one written: %d", len(fresh), writes.Load())
	}
	t.Logf("%d writes committed while the prune removed %d fixes", during.Load(), n)
}
