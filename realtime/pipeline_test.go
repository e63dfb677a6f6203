package realtime_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/realtime"
	"dispatchd/store/sqlite"
)

// busSpy is a bus that records what is published and delivers it on.
type busSpy struct {
	mu      sync.Mutex
	got     int
	deliver func([]realtime.Position)
}

func (b *busSpy) Publish(ps []realtime.Position) {
	b.mu.Lock()
	b.got += len(ps)
	b.mu.Unlock()
	b.deliver(ps)
}

// TestPipeline takes a batch through a node's pipeline: unknown teams are
// refused, every accepted fix reaches the history, and each team's newest
// goes over the bus to the hub and to moved.
func TestPipeline(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	moved := map[string]time.Time{}
	p := realtime.NewPipeline(realtime.PipelineConfig{History: realtime.HistoryConfig{FlushEvery: 10 * time.Millisecond}}, st,
		func(team string) bool { return team != "nobody" },
		func(ps []realtime.Position) {
			mu.Lock()
			defer mu.Unlock()
			for _, q := range ps {
				moved[q.Team] = q.TS
			}
		})
	bus := &busSpy{deliver: p.Deliver}
	p.UseBus(bus)
	stop := runHistory(t, p.History, func(err error) { t.Error(err) })

	now := time.Now().UTC().Truncate(time.Second)
	ps := append(fixes("t1", 5, now.Add(-time.Minute)), fixes("t2", 3, now.Add(-time.Minute))...)
	ps = append(ps, realtime.Position{Team: "nobody", Lon: 120, Lat: 30, TS: now})
	res := p.Ingest.Accept(dispatchd.Actor{UserID: "u1", Username: "chief", Role: dispatchd.RoleCommander}, ps)
	if res.Accepted != 8 || len(res.Rejected) != 1 || res.Rejected[0].Index != 8 {
		t.Fatalf("got %+v, want 8 accepted and the last refused", res)
	}
	eventually(t, "the history is written", func() bool { return p.History.Stats().Written == 8 })
	stop()
	mu.Lock()
	defer mu.Unlock()
	for team, n := range map[string]int{"t1": 5, "t2": 3} {
		want := now.Add(-time.Minute).Add(time.Duration(n-1) * time.Second)
		if !moved[team].Equal(want) {
			t.Fatalf("%s: got %v moved, want its newest fix at %v", team, moved[team], want)
		}
		track, err := st.Track(ctx, team, now.Add(-time.Hour), now, 100)
		if err != nil || len(track) != n {
			t.Fatalf("%s: got %d fixes in the history, %v; want %d", team, len(track), err, n)
		}
	}
	if len(p.Hub.Latest(nil)) != 2 || bus.got == 0 {
		t.Fatalf("got %d units in the hub and %d fixes on the bus, want 2 units through the bus", len(p.Hub.Latest(nil)), bus.got)
	}
}
