package realtime

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"dispatchd/geo"
)

// Positions: the latest per unit, flushed to the sessions that watch them
// every Flush, encoded once per flush for every session of the whole
// deployment without a bbox, and once per bbox and jurisdiction asked.

// flush is one round of moved units.
type flush struct {
	seq   uint64
	items []Position
	all   []byte
	boxes sync.Map // frameKey -> []byte
	// regions are the items' teams' regions, looked up once, when a
	// session of a jurisdiction first asks.
	regionsOnce sync.Once
	regions     []string
}

// frameKey names one filtered encoding of a flush.
type frameKey struct {
	box    geo.BBox
	boxed  bool
	prefix string
}

// Move takes positions from the bus and returns those that are now their
// unit's latest (by device time), which the caller passes on to the
// dispatch view.
func (h *Hub) Move(ps []Position) []Position {
	h.pmu.Lock()
	defer h.pmu.Unlock()
	out := ps[:0:0]
	for _, p := range ps {
		if cur, ok := h.latest[p.Team]; ok && !p.TS.After(cur.TS) {
			continue
		}
		h.latest[p.Team] = p
		h.dirty[p.Team] = struct{}{}
		out = append(out, p)
	}
	return out
}

// Latest returns the latest position of every unit inside box (all when
// box is nil).
func (h *Hub) Latest(box *geo.BBox) []Position {
	h.pmu.Lock()
	defer h.pmu.Unlock()
	out := make([]Position, 0, len(h.latest))
	for _, p := range h.latest {
		if inBox(box, p) {
			out = append(out, p)
		}
	}
	return out
}

func inBox(b *geo.BBox, p Position) bool {
	return b == nil || geo.InBBox(*b, geo.Point{Lon: p.Lon, Lat: p.Lat})
}

// teamIn reports whether the team's region lies under prefix ("" is the
// whole deployment); a team whose region the hub cannot tell lies under
// none but the whole deployment.
func (h *Hub) teamIn(prefix, team string) bool {
	if prefix == "" {
		return true
	}
	if h.cfg.TeamRegion == nil {
		return false
	}
	r, _ := h.cfg.TeamRegion(team)
	return regionIn(prefix, r)
}

func regionIn(prefix, region string) bool {
	return prefix == "" || region != "" && strings.HasPrefix(region, prefix)
}

// latestIn returns the latest position of every unit inside box and under
// prefix.
func (h *Hub) latestIn(box *geo.BBox, prefix string) []Position {
	items := h.Latest(box)
	if prefix == "" {
		return items
	}
	out := items[:0]
	for _, p := range items {
		if h.teamIn(prefix, p.Team) {
			out = append(out, p)
		}
	}
	return out
}

// regionsOf returns the regions of the flush's items' teams, looked up
// once per flush: only sessions of a jurisdiction ask, so that a
// deployment watched whole pays nothing for it.
func (f *flush) regionsOf(h *Hub) []string {
	f.regionsOnce.Do(func() {
		f.regions = make([]string, len(f.items))
		if h.cfg.TeamRegion == nil {
			return
		}
		for i, p := range f.items {
			f.regions[i], _ = h.cfg.TeamRegion(p.Team)
		}
	})
	return f.regions
}

func (h *Hub) flushLoop(ctx context.Context) {
	t := time.NewTicker(h.cfg.Flush)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.flushPositions(now)
		}
	}
}

// flushPositions sends the units that moved, each at most every
// UnitEvery, to every session watching positions.
func (h *Hub) flushPositions(now time.Time) {
	h.pmu.Lock()
	var items []Position
	for team := range h.dirty {
		if at, ok := h.sentAt[team]; ok && now.Sub(at) < h.cfg.UnitEvery {
			continue
		}
		items = append(items, h.latest[team])
		h.sentAt[team] = now
		delete(h.dirty, team)
	}
	h.pmu.Unlock()
	if len(items) == 0 {
		return
	}
	f := &flush{items: items, all: encodePositions(items)}
	h.rmu.Lock()
	f.seq = h.seq.Load() + 1
	h.ring[f.seq%uint64(len(h.ring))] = f
	h.seq.Store(f.seq)
	h.rmu.Unlock()
	h.mu.Lock()
	for s := range h.sessions {
		if s.sub.Topics.Has(TopicPositions) {
			s.wakePositions()
		}
	}
	h.mu.Unlock()
}

// positionsFrame is the positions message.
type positionsFrame struct {
	Type  string     `json:"type"`
	Items []Position `json:"items"`
}

func encodePositions(items []Position) []byte {
	b, _ := json.Marshal(positionsFrame{"positions", items})
	return b
}

// positionsSince returns the positions message that brings a session that
// saw flush seq up to date, or nil when nothing in its box and under its
// jurisdiction's prefix moved.
func (h *Hub) positionsSince(seq uint64, box *geo.BBox, prefix string) ([]byte, uint64) {
	cur := h.seq.Load()
	if cur == seq {
		return nil, cur
	}
	h.rmu.RLock()
	if cur-seq == 1 {
		f := h.ring[cur%uint64(len(h.ring))]
		h.rmu.RUnlock()
		if box == nil && prefix == "" {
			return f.all, cur
		}
		k := frameKey{boxed: box != nil, prefix: prefix}
		if box != nil {
			k.box = *box
		}
		if b, ok := f.boxes.Load(k); ok {
			return b.([]byte), cur
		}
		var regions []string
		if prefix != "" {
			regions = f.regionsOf(h)
		}
		b := filteredFrame(f.items, regions, box, prefix)
		f.boxes.Store(k, b)
		return b, cur
	}
	if cur-seq < uint64(len(h.ring)) {
		// Fell behind a few flushes: merge them, latest per unit.
		merged := map[string]Position{}
		for s := seq + 1; s <= cur; s++ {
			f := h.ring[s%uint64(len(h.ring))]
			if f == nil || f.seq != s {
				continue
			}
			var regions []string
			if prefix != "" {
				regions = f.regionsOf(h)
			}
			for i, p := range f.items {
				if inBox(box, p) && (prefix == "" || regionIn(prefix, regions[i])) {
					merged[p.Team] = p
				}
			}
		}
		h.rmu.RUnlock()
		items := make([]Position, 0, len(merged))
		for _, p := range merged {
			items = append(items, p)
		}
		if len(items) == 0 {
			return nil, cur
		}
		return encodePositions(items), cur
	}
	h.rmu.RUnlock()
	items := h.latestIn(box, prefix)
	if len(items) == 0 {
		return nil, cur
	}
	return encodePositions(items), cur
}

// filteredFrame encodes the items inside box and, when prefix is set,
// whose regions lie under it.
func filteredFrame(items []Position, regions []string, box *geo.BBox, prefix string) []byte {
	var in []Position
	for i, p := range items {
		if inBox(box, p) && (prefix == "" || regionIn(prefix, regions[i])) {
			in = append(in, p)
		}
	}
	if len(in) == 0 {
		return []byte{}
	}
	return encodePositions(in)
}
