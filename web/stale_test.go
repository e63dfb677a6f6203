package web_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd/dispatch/plan"
)

type eventOut struct {
	ID      int64           `json:"id"`
	Type    string          `json:"type"`
	Actor   string          `json:"actor"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`
}

// eventOf polls GET /api/v1/events until an event of the type about the
// subject is there, and returns it.
func eventOf(e *env, typ, subject string) eventOut {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var page struct{ Items []eventOut }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/events?since=0&limit=1000", nil), 200, &page)
		for _, ev := range page.Items {
			if ev.Type == typ && ev.Subject == subject {
				return ev
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no %s event about %s in %d events", typ, subject, len(page.Items))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStalePositionsOverHTTP lets a team's last position grow older than
// the stale-after time on the service's clock: it is marked stale, which
// the team resource and the event log show; its next position wakes the
// watcher, which marks it fresh.
func TestStalePositionsOverHTTP(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		// The service's clock runs 6 minutes ahead: a fix sent 5 minutes
		// ago is 11 minutes old to it, one sent now is 6.
		var skew atomic.Int64
		skew.Store(int64(6 * time.Minute))
		e.board.SetClock(func() time.Time {
			return time.Now().UTC().Truncate(time.Microsecond).Add(time.Duration(skew.Load()))
		})
		// The watcher ticks hourly: only a wake makes it mark fresh.
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		var fresh atomic.Int64
		go func() {
			defer close(done)
			e.board.RunStaleWatch(ctx, time.Hour, func(_, f int, err error) {
				if err != nil {
					t.Errorf("stale watch: %v", err)
				}
				fresh.Add(int64(f))
			})
		}()
		t.Cleanup(func() { cancel(); <-done })

		post := func(ts time.Time) {
			t.Helper()
			var res ingestResult
			e.mustJSON(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
				{"team": "t1", "lon": 120.14, "lat": 30.26, "ts": ts}}}), 200, &res)
			if res.Accepted != 1 {
				t.Fatalf("got %+v, want the fix accepted", res)
			}
		}
		var team struct {
			ID            string `json:"id"`
			PositionStale bool   `json:"position_stale"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams/t1", nil), 200, &team)
		if team.PositionStale {
			t.Fatal("a team that never reported is stale")
		}
		t0 := time.Now().UTC().Add(-5 * time.Minute).Truncate(time.Second)
		post(t0)
		// The fix reaches the dispatch view through the hub.
		deadline := time.Now().Add(5 * time.Second)
		for {
			n, _, err := e.board.MarkStale(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the team was not marked stale")
			}
			time.Sleep(10 * time.Millisecond)
		}
		ev := eventOf(e, "team.stale", "t1")
		var d plan.PositionStaleEvent
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		if ev.Actor != "system" || d.Team != "t1" || !d.PositionTS.Equal(t0) || d.StaleAfterS != 600 {
			t.Fatalf("got %+v, want team.stale of t1 by system with position_ts %s", ev, t0)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams/t1", nil), 200, &team)
		if !team.PositionStale {
			t.Fatal("got team t1 not stale, want position_stale true")
		}
		var list struct{ Items []map[string]any }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams", nil), 200, &list)
		if len(list.Items) != 1 || list.Items[0]["position_stale"] != true {
			t.Fatalf("got teams %+v, want t1 with position_stale true", list.Items)
		}

		t1 := time.Now().UTC().Truncate(time.Millisecond)
		post(t1)
		ev = eventOf(e, "team.fresh", "t1")
		d = plan.PositionStaleEvent{}
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		if ev.Actor != "system" || d.Team != "t1" || !d.PositionTS.Equal(t1) {
			t.Fatalf("got %+v, want team.fresh of t1 by system with position_ts %s", ev, t1)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/teams/t1", nil), 200, &team)
		if team.PositionStale {
			t.Fatal("got team t1 stale, want fresh")
		}
		// The watcher reports once the event is committed.
		for deadline := time.Now().Add(time.Second); fresh.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		if n := fresh.Load(); n != 1 {
			t.Fatalf("the watcher marked %d teams fresh, want 1", n)
		}
	})
}
