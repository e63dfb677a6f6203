package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd/realtime"
	"dispatchd/store/sqlite"
)

// TestPruneLetsWritesThrough removes two expired days (12,000 fixes) while a
// writer keeps appending fresh fixes. A day goes by removing its file,
// which waits only for the operations on that day: writes to today's file
// go on throughout, none waits 100 ms, and the day files are gone.
func TestPruneLetsWritesThrough(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const expired = 12_000
	old := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	batch := make([]realtime.Position, 0, 5000)
	for i := range expired {
		batch = append(batch, realtime.Position{Team: "t1", Lon: 120, Lat: 30, TS: old.Add(time.Duration(i) * 7 * time.Second)})
		if len(batch) == cap(batch) || i == expired-1 {
			if err := s.AppendPositions(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	cut := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)

	var pruning atomic.Bool
	var during, writes, longest atomic.Int64
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
			p0 := pruning.Load()
			start := time.Now()
			err := s.AppendPositions(ctx, []realtime.Position{{Team: "t2", Lon: 121, Lat: 31, TS: cut.Add(time.Duration(i) * time.Second)}})
			if err != nil {
				done <- err
				return
			}
			if p0 && pruning.Load() {
				during.Add(1)
				if d := int64(time.Since(start)); d > longest.Load() {
					longest.Store(d)
				}
			}
			if writes.Add(1) == 1 {
				close(first)
			}
		}
	}()
	<-first
	pruning.Store(true)
	n, err := s.DeletePositionsBefore(ctx, cut)
	// Let a write or two finish after the files went, then stop.
	for w := writes.Load(); writes.Load() < w+2; {
		time.Sleep(time.Millisecond)
	}
	pruning.Store(false)
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
	if got := during.Load(); got < 1 {
		t.Fatalf("got %d writes begun and committed while the prune ran, want at least 1", got)
	}
	if d := time.Duration(longest.Load()); d > 100*time.Millisecond {
		t.Fatalf("a write waited %v during the prune, want under 100ms", d)
	}
	for _, gone := range []string{"20260101.db", "20260102.db"} {
		if _, err := os.Stat(filepath.Join(dir, sqlite.DaysDir, gone)); !os.IsNotExist(err) {
			t.Fatalf("day file %s after the prune: %v, want it removed", gone, err)
		}
	}
	fresh, err := s.Track(ctx, "t2", cut, cut.Add(365*24*time.Hour), 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(fresh)) != writes.Load() {
		t.Fatalf("got %d fresh fixes after the prune, want every one written: %d", len(fresh), writes.Load())
	}
	t.Logf("%d writes committed while the prune removed %d fixes, the longest in %v", during.Load(), n, time.Duration(longest.Load()))
}

// TestLegacyPositionsMove keeps the positions an earlier version wrote to
// the main file: Migrate moves them into the day files, across a midnight
// and with their optional readings, and empties the old table; a second
// Migrate moves nothing more.
func TestLegacyPositionsMove(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 23, 0, 0, 0, time.UTC)
	var ps []realtime.Position
	for i := range 7000 {
		p := realtime.Position{Team: []string{"a", "b"}[i%2], Lon: 120 + float64(i)/1e6, Lat: 30, TS: t0.Add(time.Duration(i) * time.Second)}
		if i%4 == 0 {
			p.Speed = new(float64)
			*p.Speed = 3.5
		}
		ps = append(ps, p)
	}
	// The old path: the embedded store writes the main file's table.
	if err := s.Store.AppendPositions(ctx, ps); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 {
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Track(ctx, "a", t0, t0.Add(3*time.Hour), 10_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3500 || !got[0].TS.Equal(t0) || got[0].Speed == nil || *got[0].Speed != 3.5 || got[1].Speed != nil {
		t.Fatalf("got %d fixes of a, first %+v, want 3500 from %v with their speeds", len(got), got[:min(1, len(got))], t0)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	if err := db.QueryRow(`SELECT count(*) FROM positions`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("got %d positions left in the main file (%v), want 0", left, err)
	}
	for _, day := range []string{"20260501.db", "20260502.db"} {
		if _, err := os.Stat(filepath.Join(dir, sqlite.DaysDir, day)); err != nil {
			t.Fatalf("day file %s: %v", day, err)
		}
	}
}
