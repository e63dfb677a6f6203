package sqlite_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd/realtime"
)

// TestThinWhileWriting thins a day while a writer appends late fixes to
// that day (30 s apart, so that thinning keeps each) and fresh ones to
// another: every write commits, the late fixes written during the rebuild
// are copied into the new file, and the thinned teams keep exactly the
// first fix of each interval.
func TestThinWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	d := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	var ps []realtime.Position
	for i := range 10_000 { // team k every 10 s from k s
		ps = append(ps, realtime.Position{Team: string(rune('a' + i%10)), Lon: 120, Lat: 30, TS: d.Add(time.Duration(i) * time.Second)})
	}
	if err := s.AppendPositions(ctx, ps); err != nil {
		t.Fatal(err)
	}
	ts := s.(realtime.ThinningHistoryStore)

	var late, fresh atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			err := s.AppendPositions(ctx, []realtime.Position{
				{Team: "late", Lon: 121, Lat: 31, TS: d.Add(22*time.Hour + time.Duration(i)*30*time.Second)},
				{Team: "fresh", Lon: 121, Lat: 31, TS: d.Add(48*time.Hour + time.Duration(i)*time.Millisecond)},
			})
			if err != nil {
				done <- err
				return
			}
			late.Add(1)
			fresh.Add(1)
		}
	}()
	for late.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	n, err := ts.ThinPositions(ctx, d.Add(24*time.Hour), 30*time.Second)
	for w := late.Load(); late.Load() < w+3; {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatalf("write during the thinning: %v", werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n != 10*666 {
		t.Fatalf("got %d fixes thinned, want %d", n, 10*666)
	}
	for team, want := range map[string]int64{"a": 334, "j": 334, "late": late.Load(), "fresh": fresh.Load()} {
		got, err := s.Track(ctx, team, d, d.Add(72*time.Hour), 100_000)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(got)) != want {
			t.Fatalf("team %s: got %d fixes, want %d", team, len(got), want)
		}
	}
	t.Logf("thinned %d fixes while %d late and %d fresh fixes were written", n, late.Load(), fresh.Load())
}
