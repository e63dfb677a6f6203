package plan

import (
	"container/heap"
	"time"

	"dispatchd/geo"
	"dispatchd/resources"
)

// SetPosition records a team's latest position at device time ts. An
// older fix than the one held is ignored. It never waits on the store: for
// a team marked stale it only notes that team.fresh may be due and wakes
// the watcher (dispatch.Service.RunStaleWatch, through Woken).
func (p *Projection) SetPosition(team string, at geo.Point, ts time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setPosition(team, at, ts)
}

func (p *Projection) setPosition(team string, at geo.Point, ts time.Time) {
	t, ok := p.teams[team]
	if !ok || t.hasPos && !ts.After(t.posTS) {
		return
	}
	t.pos, t.posTS, t.hasPos = at, ts, true
	if !t.queued {
		heap.Push(&p.fresh, posEntry{team, ts})
		t.queued = true
	}
	p.place(t, time.Now())
	if t.PositionStale && !t.wokeFresh && time.Since(ts) <= p.cfg.StaleAfter {
		p.wakeFresh(t)
	}
}

// expire moves teams whose position went stale back to their base.
func (p *Projection) expire(now time.Time) {
	cut := now.Add(-p.cfg.StaleAfter)
	for len(p.fresh) > 0 && p.fresh[0].ts.Before(cut) {
		e := heap.Pop(&p.fresh).(posEntry)
		t, ok := p.teams[e.team]
		switch {
		case !ok:
		case t.posTS.After(e.ts):
			// It moved since: its entry waits for its newest fix.
			heap.Push(&p.fresh, posEntry{e.team, t.posTS})
		default:
			t.queued = false
			p.place(t, now)
		}
	}
}

// stale reports whether a team's position is too old to rank from.
func (p *Projection) stale(t *teamState, now time.Time) bool {
	return !t.hasPos || now.Sub(t.posTS) > p.cfg.StaleAfter
}

// place puts the team where it should be in the indexes.
func (p *Projection) place(t *teamState, now time.Time) {
	at := t.Base
	if !p.stale(t, now) {
		at = t.pos
	}
	t.at = at
	avail := t.Status == resources.TeamAvailable
	d := 0 // the change to the counts of the jurisdictions
	switch {
	case avail && !t.indexed:
		d = 1
	case !avail && t.indexed:
		d = -1
	}
	for _, c := range t.Capabilities {
		ix := p.capIndex(c, t.Kind)
		if avail {
			ix.Set(t, at)
		} else {
			ix.Remove(t)
		}
		if d != 0 {
			addScoped(p.ownTeams, c, t.Region, d)
		}
	}
	t.indexed = avail
}

type posEntry struct {
	team string
	ts   time.Time
}

type posHeap []posEntry

func (h posHeap) Len() int           { return len(h) }
func (h posHeap) Less(i, j int) bool { return h[i].ts.Before(h[j].ts) }
func (h posHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *posHeap) Push(x any)        { *h = append(*h, x.(posEntry)) }
func (h *posHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
