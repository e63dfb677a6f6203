package plan

import (
	"math"

	"dispatchd/geo"
)

// head is the next candidate of one spatial stream: the entries of one
// index, nearest first, for one mode of travel.
type head[K comparable] struct {
	ix   *geo.Index[K]
	cur  *geo.Cursor[K]
	k    K
	id   string
	m    float64
	eta  float64
	ok   bool
	lead float64
	mode string
	// floor is the least ETA the stream can give (its lead and turn-out
	// time); a stream is only searched once the others reach its floor.
	floor float64
	// taken marks a head whose entry was used; the stream moves on only
	// when asked for more, so the last pick costs no extra search.
	taken bool
	// linear is set when the router's estimate follows from the distance
	// the index gives, with these parameters.
	linear                  bool
	detour, perMetre, setup float64
	// A mixed stream holds entries of several modes (the road teams of
	// every kind): its entries are ranked by ETA through pending, which
	// takes entries from the index until the next one's least possible ETA
	// (from bound) is above the best pending, so the order stays exact.
	mixed   bool
	bound   geo.Route // setup and per-metre cost of the fastest mode
	look    lookahead[K]
	pending []pend[K]
}

type lookahead[K comparable] struct {
	k  K
	d  float64
	ok bool
}

type pend[K comparable] struct {
	k      K
	id     string
	m, eta float64
}

// streams merges the heads of several streams by ETA.
type streams[K comparable] struct {
	hs []*head[K]
	// mem holds the heads, so that a plan allocates them once.
	mem [6]head[K]
	to  geo.Point
	r   geo.Router
	// at returns an entry's position, id and mode (an index in modes).
	at    func(K) (geo.Point, string, int)
	modes []string
	// lines caches the router's Line by mode.
	lines [8]line
}

type line struct {
	ok                      bool
	detour, perMetre, setup float64
}

// line returns the Line of mode i, when the router is Linear.
func (ss *streams[K]) line(i int) (line, bool) {
	if i < 0 || i >= len(ss.lines) {
		return line{}, false
	}
	l := &ss.lines[i]
	if !l.ok {
		lr, ok := ss.r.(geo.Linear)
		if !ok {
			return line{}, false
		}
		l.detour, l.perMetre, l.setup = lr.Line(ss.modes[i])
		l.ok = true
	}
	return *l, true
}

// add queues the stream of an index whose entries travel by the modes
// given (indexes in ss.modes).
func (ss *streams[K]) add(ix *geo.Index[K], modes []int, lead float64) {
	if ix == nil || ix.Len() == 0 {
		return
	}
	h := &head[K]{}
	if len(ss.hs) < len(ss.mem) {
		h = &ss.mem[len(ss.hs)]
	}
	pending := h.pending[:0]
	*h = head[K]{ix: ix, mode: ss.modes[modes[0]], lead: lead, ok: true, pending: pending}
	if len(modes) > 1 {
		h.mixed = true
		h.bound = geo.Route{Seconds: math.Inf(1), Metres: math.Inf(1)}
		for _, i := range modes {
			l, ok := ss.line(i)
			if !ok { // no linear bound: rank every entry
				h.bound = geo.Route{}
				break
			}
			h.bound.Seconds = min(h.bound.Seconds, l.setup)
			h.bound.Metres = min(h.bound.Metres, l.detour*l.perMetre)
		}
		h.floor = h.bound.Seconds + lead
	} else if l, ok := ss.line(modes[0]); ok {
		h.linear = true
		h.detour, h.perMetre, h.setup = l.detour, l.perMetre, l.setup
		h.floor = h.setup + lead
	} else {
		h.floor = ss.r.Route(ss.to, ss.to, h.mode).Seconds + lead
	}
	ss.hs = append(ss.hs, h)
}

// route estimates the trip of an entry d metres away by mode i.
func (ss *streams[K]) route(i int, p geo.Point, d float64) geo.Route {
	if l, ok := ss.line(i); ok {
		return geo.Along(l.detour, l.perMetre, l.setup, d)
	}
	return ss.r.Route(p, ss.to, ss.modes[i])
}

func (ss *streams[K]) advanceMixed(h *head[K]) {
	pull := func() {
		h.look.k, h.look.d, h.look.ok = h.cur.Next()
	}
	if h.cur == nil {
		h.cur = h.ix.Nearest(ss.to)
		pull()
	}
	less := func(a, b pend[K]) bool { return a.eta < b.eta || a.eta == b.eta && a.id < b.id }
	for h.look.ok && (len(h.pending) == 0 || h.bound.Seconds+h.look.d*h.bound.Metres+h.lead <= h.pending[0].eta) {
		p, id, mode := ss.at(h.look.k)
		rt := ss.route(mode, p, h.look.d)
		h.pending = append(h.pending, pend[K]{h.look.k, id, rt.Metres, rt.Seconds + h.lead})
		for i := len(h.pending) - 1; i > 0 && less(h.pending[i], h.pending[(i-1)/2]); i = (i - 1) / 2 {
			h.pending[i], h.pending[(i-1)/2] = h.pending[(i-1)/2], h.pending[i]
		}
		pull()
	}
	if len(h.pending) == 0 {
		h.ok = false
		return
	}
	top := h.pending[0]
	last := len(h.pending) - 1
	h.pending[0] = h.pending[last]
	h.pending = h.pending[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < last && less(h.pending[l], h.pending[m]) {
			m = l
		}
		if r := l + 1; r < last && less(h.pending[r], h.pending[m]) {
			m = r
		}
		if m == i {
			break
		}
		h.pending[i], h.pending[m] = h.pending[m], h.pending[i]
		i = m
	}
	h.k, h.id, h.m, h.eta, h.ok = top.k, top.id, top.m, top.eta, true
}

func (ss *streams[K]) advance(h *head[K]) {
	if h.mixed {
		ss.advanceMixed(h)
		return
	}
	if h.cur == nil {
		h.cur = h.ix.Nearest(ss.to)
	}
	var d float64
	h.k, d, h.ok = h.cur.Next()
	if !h.ok {
		return
	}
	p, id, _ := ss.at(h.k)
	var rt geo.Route
	if h.linear {
		rt = geo.Along(h.detour, h.perMetre, h.setup, d)
	} else {
		rt = ss.r.Route(p, ss.to, h.mode)
	}
	h.m, h.eta, h.id = rt.Metres, rt.Seconds+h.lead, id
}

// next returns the stream with the smallest ETA, or nil when all are
// exhausted. Each stream yields in distance order, and the router's ETA is
// monotone in distance per mode, so merging by head ETA is exact. A stream
// whose floor is above the best ETA so far cannot hold the next entry and
// is not searched yet.
func (ss *streams[K]) next() *head[K] {
	for _, h := range ss.hs {
		if h.taken {
			h.taken = false
			ss.advance(h)
		}
	}
	for {
		var best *head[K]
		for _, h := range ss.hs {
			if h.cur != nil && h.ok && (best == nil || h.eta < best.eta || h.eta == best.eta && h.id < best.id) {
				best = h
			}
		}
		var start *head[K]
		for _, h := range ss.hs {
			if h.cur == nil && (best == nil || h.floor <= best.eta) && (start == nil || h.floor < start.floor) {
				start = h
			}
		}
		if start == nil {
			return best
		}
		ss.advance(start)
	}
}

func (ss *streams[K]) release() {
	for _, h := range ss.hs {
		if h.cur != nil {
			h.cur.Release()
			h.cur = nil
		}
	}
}
