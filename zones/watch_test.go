package zones

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// TestObserveInsideAllocatesNothing checks that a unit staying in the same
// red zone, as after most of its fixes, costs the position path no
// allocation.
func TestObserveInsideAllocatesNothing(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	x := NewIndex([]Zone{{ID: "r", Level: Red, Hazard: "flood", ValidFrom: t0, ValidTo: t0.Add(time.Hour), Geometry: square(120, 30, 0.1)}})
	w := NewWatcher(func() *Index { return x }, &entries{seen: map[[2]string]bool{}}, nil)
	w.Observe("t1", orb.Point{120.05, 30.05}, t0)
	if got := testing.AllocsPerRun(100, func() { w.Observe("t1", orb.Point{120.05, 30.05}, t0) }); got != 0 {
		t.Errorf("got %v allocations a fix, want 0", got)
	}
	if len(w.q) != 1 {
		t.Errorf("queued %d entries, want the first one only", len(w.q))
	}
}

// BenchmarkObserve is the red-zone watcher's share of the position path:
// 10,000 zones across the bench's area, 5,000 units wandering.
func BenchmarkObserve(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	var zs []Zone
	for i := range 10000 {
		zs = append(zs, Zone{ID: fmt.Sprint(i), Level: Levels[i%4], ValidFrom: t0, ValidTo: t0.Add(time.Hour),
			Geometry: square(119+r.Float64()*3, 28+r.Float64()*3, 0.01+r.Float64()*0.04)})
	}
	x := NewIndex(zs)
	w := NewWatcher(func() *Index { return x }, &entries{seen: map[[2]string]bool{}}, nil)
	go func() {
		for range w.q {
		}
	}()
	teams := make([]string, 5000)
	at := make([]orb.Point, len(teams))
	for i := range teams {
		teams[i] = fmt.Sprintf("u%04d", i)
		at[i] = orb.Point{119 + r.Float64()*3, 28 + r.Float64()*3}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		u := i % len(teams)
		at[u][0] += (r.Float64() - 0.5) * 1e-4
		at[u][1] += (r.Float64() - 0.5) * 1e-4
		w.Observe(teams[u], at[u], t0)
	}
}
