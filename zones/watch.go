package zones

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"dispatchd"
)

// WatchBuffer is how many entries wait to be written before more are
// dropped.
const WatchBuffer = 1024

// EntryStore records zone entries.
type EntryStore interface {
	EnterZone(ctx context.Context, team, zone string, at time.Time, ev dispatchd.Event) (bool, error)
}

// Entry is a team's fix inside a red zone it was not in before.
type Entry struct {
	Team string
	Zone *Zone
	At   orb.Point
	TS   time.Time
}

// Watcher notices teams that enter red zones, on the position path:
// Observe keeps, per team, the red zones its last fix lay in, and queues
// an entry when a fix lies in one more; Run writes each entry as one
// zone.entered event, once per team and zone (the store keeps the entries,
// so that nodes that saw the same fix write one).
type Watcher struct {
	index      func() *Index
	store      EntryStore
	teamRegion func(team string) (string, bool)
	mu         sync.Mutex
	in         map[string][]string // team -> the red zones it is in
	q          chan Entry
	dropped    atomic.Int64
}

// NewWatcher returns a watcher of the zones index gives; teamRegion, when
// set, names a team's region, for who sees the events.
func NewWatcher(index func() *Index, store EntryStore, teamRegion func(string) (string, bool)) *Watcher {
	return &Watcher{index: index, store: store, teamRegion: teamRegion, in: map[string][]string{}, q: make(chan Entry, WatchBuffer)}
}

// Observe looks at one live fix of team. It never blocks: when the queue
// is full the entry is dropped and counted.
func (w *Watcher) Observe(team string, p orb.Point, ts time.Time) {
	var buf [4]*Zone // most fixes lie in few zones: no allocation
	now := buf[:0]
	w.index().Find(p, ts, func(z *Zone) bool {
		if z.Level == Red {
			now = append(now, z)
		}
		return true
	})
	w.mu.Lock()
	was := w.in[team]
	if len(now) == 0 {
		if was != nil {
			delete(w.in, team)
		}
		w.mu.Unlock()
		return
	}
	if sameZones(was, now) {
		// Still in the same zones, as after most fixes: nothing to note.
		w.mu.Unlock()
		return
	}
	ids := make([]string, len(now))
	var fresh []*Zone
	for i, z := range now {
		ids[i] = z.ID
		if !slices.Contains(was, z.ID) {
			fresh = append(fresh, z)
		}
	}
	w.in[team] = ids
	w.mu.Unlock()
	for _, z := range fresh {
		select {
		case w.q <- Entry{Team: team, Zone: z, At: p, TS: ts}:
		default:
			w.dropped.Add(1)
		}
	}
}

// sameZones reports whether now are the zones of the ids, in order.
func sameZones(ids []string, now []*Zone) bool {
	if len(ids) != len(now) {
		return false
	}
	for i, z := range now {
		if ids[i] != z.ID {
			return false
		}
	}
	return true
}

// Dropped is how many entries were dropped for a full queue.
func (w *Watcher) Dropped() int64 { return w.dropped.Load() }

// Run writes the queued entries until ctx ends; report hears of failed
// writes.
func (w *Watcher) Run(ctx context.Context, report func(error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-w.q:
			if _, err := w.Write(ctx, e); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}

// Write records one entry and its zone.entered event unless the team
// already entered the zone; it reports whether it wrote.
func (w *Watcher) Write(ctx context.Context, e Entry) (bool, error) {
	ev := dispatchd.NewEvent("zone.entered", dispatchd.System, e.Team, map[string]any{
		"team": e.Team, "zone": e.Zone.ID, "forecast": e.Zone.Forecast, "level": e.Zone.Level,
		"hazard": e.Zone.Hazard, "name": e.Zone.Name, "lon": e.At[0], "lat": e.At[1], "ts": e.TS.UTC(),
	})
	if w.teamRegion != nil {
		if r, ok := w.teamRegion(e.Team); ok {
			ev.Scoped("", r)
		}
	}
	return w.store.EnterZone(ctx, e.Team, e.Zone.ID, e.TS, ev)
}
