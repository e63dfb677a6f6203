package dispatch

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"dispatchd/geo"
	"dispatchd/resources"
)

// TeamRef names a team in a plan.
type TeamRef struct {
	ID   string             `json:"id"`
	Name string             `json:"name"`
	Kind resources.TeamKind `json:"kind"`
}

// Pick is one team proposed for a need, and why.
type Pick struct {
	Team          *TeamRef `json:"team"`
	DistanceM     float64  `json:"distance_m"`
	EtaS          float64  `json:"eta_s"`
	MeetsDeadline bool     `json:"meets_deadline"`
	// From is where the team was ranked from: "position" (its fresh last
	// position) or "base".
	From string `json:"from"`
	// Stale is set when the team has a position, but too old to rank from.
	Stale bool `json:"stale"`
	// Why says in words why the team was chosen. It is written when the
	// pick is encoded: a plan is computed far more often than it is read.
	Why string `json:"why"`
	why pickWhy
}

// pickWhy is what Why is written from.
type pickWhy struct {
	alt        bool
	rank       int
	capability string
	age        float64 // of a stale position, in seconds
}

// MarshalJSON writes the pick with its Why.
func (pk Pick) MarshalJSON() ([]byte, error) {
	type plain Pick
	if pk.Why == "" {
		pk.Why = pk.explain()
	}
	return json.Marshal(plain(pk))
}

func (pk Pick) explain() string {
	w := make(words, 0, 160)
	if pk.why.alt {
		w = w.str("alternate #").int(int64(pk.why.rank)).str(" with ")
	} else {
		w = w.str("#").int(int64(pk.why.rank)).str(" by ETA of the available teams with ")
	}
	w = w.str(pk.why.capability).str("; ").str(string(pk.Team.Kind)).str(", ").km(pk.DistanceM).str(", ETA ").dur(pk.EtaS)
	switch {
	case pk.From == "position":
		w = w.str(" from its last position")
	case pk.Stale:
		w = w.str(" from its base: its last position is ").dur(pk.why.age).str(" old")
	default:
		w = w.str(" from its base (no position reported)")
	}
	if !pk.MeetsDeadline {
		w = w.str("; arrives after the deadline")
	}
	return string(w)
}

// Reason says why a need is short, or late, so the commander can act.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// The reason codes.
const (
	NoCapability       = "no_capability"
	AllBusy            = "all_busy"
	NoneWithinDeadline = "none_within_deadline"
	Late               = "late"
	StockExhausted     = "stock_exhausted"
	UnknownItem        = "unknown_item"
)

// TeamPlan is the plan for one team need.
type TeamPlan struct {
	Need string `json:"need"`
	// Count is what the incident asks; Covered what its active tasks
	// already cover; the picks are for the rest.
	Count      int      `json:"count"`
	Covered    int      `json:"covered"`
	Picks      []Pick   `json:"picks"`
	Alternates []Pick   `json:"alternates"`
	Shortfall  int      `json:"shortfall"`
	Reasons    []Reason `json:"reasons"`
}

// DepotRef names a depot in a plan.
type DepotRef struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Tier    resources.Tier    `json:"tier"`
	Reserve resources.Reserve `json:"reserve"`
}

// PlanLine is a quantity of one item from one depot.
type PlanLine struct {
	Depot         *DepotRef `json:"depot"`
	Qty           int64     `json:"qty"`
	Available     int64     `json:"available"`
	DistanceM     float64   `json:"distance_m"`
	EtaS          float64   `json:"eta_s"`
	MeetsDeadline bool      `json:"meets_deadline"`
	// Why is written when the line is encoded, as for Pick.
	Why  string `json:"why"`
	lead float64
}

// MarshalJSON writes the line with its Why.
func (l PlanLine) MarshalJSON() ([]byte, error) {
	type plain PlanLine
	if l.Why == "" {
		w := make(words, 0, 128)
		w = w.str(string(l.Depot.Tier)).str(" ").str(string(l.Depot.Reserve)).str(" depot, ").km(l.DistanceM).str(", ETA ").dur(l.EtaS)
		if l.lead > 0 {
			w = w.str(" including ").dur(l.lead).str(" for the supplier to release agreement stock")
		}
		if !l.MeetsDeadline {
			w = w.str("; arrives after the deadline")
		}
		l.Why = string(w)
	}
	return json.Marshal(plain(l))
}

// ItemPlan is the plan for one item need.
type ItemPlan struct {
	Item string `json:"item"`
	Name string `json:"name"`
	Unit string `json:"unit"`
	// Needed is what the incident asks; Covered what its live orders
	// already hold; the plan is for the rest.
	Needed    int64      `json:"needed"`
	Covered   int64      `json:"covered"`
	Plan      []PlanLine `json:"plan"`
	Shortfall int64      `json:"shortfall"`
	// LateQty is how much of the plan arrives after the deadline.
	LateQty int64    `json:"late_qty"`
	Reasons []Reason `json:"reasons"`
}

// Suggestion is a ranked plan for an incident's open needs.
type Suggestion struct {
	Incident string    `json:"incident"`
	Exercise bool      `json:"exercise"`
	Deadline time.Time `json:"deadline"`
	// EventID is the event the plan is current to.
	EventID int64      `json:"event_id"`
	At      time.Time  `json:"computed_at"`
	Teams   []TeamPlan `json:"teams"`
	Items   []ItemPlan `json:"items"`
}

// PlanConfig tunes suggestions.
type PlanConfig struct {
	Router geo.Router
	// AgreementLead is added to the ETA of agreement reserves: the time a
	// supplier needs to release stock held under contract.
	AgreementLead time.Duration
	// Alternates is how many teams to offer beyond each need's count.
	Alternates int
	// MaxLines bounds the depots in one item's plan.
	MaxLines int
}

// Defaults for PlanConfig.
const (
	DefaultAgreementLead = 2 * time.Hour
	DefaultAlternates    = 3
	DefaultMaxLines      = 100
	// DepotMode is the Router mode of a material shipment.
	DepotMode = "truck"
)

// defaultRouter is shared: a GreatCircle is only read.
var defaultRouter = geo.DefaultRouter()

func (c PlanConfig) withDefaults() PlanConfig {
	if c.Router == nil {
		c.Router = defaultRouter
	}
	if c.AgreementLead < 0 {
		c.AgreementLead = 0
	}
	if c.Alternates <= 0 {
		c.Alternates = DefaultAlternates
	}
	if c.MaxLines <= 0 {
		c.MaxLines = DefaultMaxLines
	}
	return c
}

// Open is what an incident still needs: its needs less what its active
// tasks and live orders cover.
type Open struct {
	Teams map[string]int   // capability -> teams covering it
	Items map[string]int64 // item -> quantity held by live orders
}

// Suggest ranks teams and depots for the incident's needs, less what is
// covered, as the projection stands at now.
func (p *Projection) Suggest(in *Incident, covered Open, cfg PlanConfig, now time.Time) *Suggestion {
	cfg = cfg.withDefaults()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(now)
	s := &Suggestion{Incident: in.ID, Exercise: in.Exercise, Deadline: in.Deadline(), EventID: p.last, At: now,
		Teams: make([]TeamPlan, 0, len(in.Needs.Teams)), Items: make([]ItemPlan, 0, len(in.Needs.Items))}
	used := map[string]bool{}
	ts, ds := p.teamStreams(in, cfg), p.depotStreams(in, cfg)
	lines := make([]PlanLine, 0, 8*len(in.Needs.Items))
	for _, need := range in.Needs.Teams {
		s.Teams = append(s.Teams, p.planTeams(in, need, covered.Teams[need.Capability], used, cfg, now, ts))
	}
	for _, need := range in.Needs.Items {
		s.Items = append(s.Items, p.planItem(in, need, covered.Items[need.Item], cfg, now, ds, &lines))
	}
	return s
}

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

// teamStreams and depotStreams are reused for every need of one plan.
func (p *Projection) teamStreams(in *Incident, cfg PlanConfig) *streams[*teamState] {
	return &streams[*teamState]{to: in.Location, r: cfg.Router, modes: kindModes,
		at: func(t *teamState) (geo.Point, string, int) { return t.at, t.ID, t.kind }}
}

func (p *Projection) depotStreams(in *Incident, cfg PlanConfig) *streams[*depotState] {
	return &streams[*depotState]{to: in.Location, r: cfg.Router, modes: []string{DepotMode},
		at: func(d *depotState) (geo.Point, string, int) { return d.Location, d.ID, 0 }}
}

// kindModes are the router modes of the team kinds, in the order of
// resources.TeamKinds; roadKinds and airKinds index it.
var (
	kindModes = func() []string {
		out := make([]string, len(resources.TeamKinds))
		for i, k := range resources.TeamKinds {
			out[i] = string(k)
		}
		return out
	}()
	roadKinds, airKinds = func() (road, air []int) {
		for i, k := range resources.TeamKinds {
			if k == resources.Aviation {
				air = append(air, i)
			} else {
				road = append(road, i)
			}
		}
		return road, air
	}()
)

func (p *Projection) planTeams(in *Incident, need TeamNeed, covered int, used map[string]bool, cfg PlanConfig, now time.Time, ss *streams[*teamState]) TeamPlan {
	want := max(need.Count-covered, 0)
	tp := TeamPlan{Need: need.Capability, Count: need.Count, Covered: covered, Picks: make([]Pick, 0, want),
		Alternates: make([]Pick, 0, cfg.Alternates), Reasons: []Reason{}}
	if want == 0 {
		return tp
	}
	ss.hs = ss.hs[:0]
	if pair := p.byCap[need.Capability]; pair != nil {
		ss.add(pair[0], roadKinds, 0)
		ss.add(pair[1], airKinds, 0)
	}
	deadline := in.Deadline()
	for len(tp.Picks)+len(tp.Alternates) < want+cfg.Alternates {
		h := ss.next()
		if h == nil {
			break
		}
		t, id, m, eta := h.k, h.id, h.m, h.eta
		h.taken = true
		if used[id] {
			continue
		}
		pk := p.pick(t, m, eta, now, deadline)
		pk.why.capability = need.Capability
		if len(tp.Picks) < want {
			pk.why.rank = len(tp.Picks) + 1
		} else {
			pk.why.alt, pk.why.rank = true, len(tp.Alternates)+1
		}
		if len(tp.Picks) < want {
			used[id] = true
			tp.Picks = append(tp.Picks, pk)
		} else {
			tp.Alternates = append(tp.Alternates, pk)
		}
	}
	ss.release()
	tp.Shortfall = want - len(tp.Picks)
	tp.Reasons = teamReasons(need.Capability, want, tp, p.capTotal[need.Capability], p.available(need.Capability))
	return tp
}

func (p *Projection) available(capability string) int {
	n := 0
	if pair := p.byCap[capability]; pair != nil {
		n = pair[0].Len() + pair[1].Len()
	}
	return n
}

func (p *Projection) pick(t *teamState, m, eta float64, now, deadline time.Time) Pick {
	pk := Pick{Team: &t.ref, DistanceM: round1(m), EtaS: round1(eta),
		MeetsDeadline: !now.Add(seconds(eta)).After(deadline), From: "base"}
	if !p.stale(t, now) {
		pk.From = "position"
	} else if t.hasPos {
		pk.Stale = true
		pk.why.age = now.Sub(t.posTS).Seconds()
	}
	return pk
}

func teamReasons(capability string, want int, tp TeamPlan, total, avail int) []Reason {
	out := []Reason{}
	switch {
	case tp.Shortfall > 0 && total == 0:
		out = append(out, Reason{NoCapability, fmt.Sprintf("no team in the registry has %s", capability)})
	case tp.Shortfall > 0:
		out = append(out, Reason{AllBusy, fmt.Sprintf("%d of %d teams asked for: only %d of the %d teams with %s are available; the others are busy, off duty or unavailable",
			tp.Shortfall, want, avail, total, capability)})
	}
	late := 0
	for _, pk := range tp.Picks {
		if !pk.MeetsDeadline {
			late++
		}
	}
	switch {
	case late > 0 && late == len(tp.Picks):
		out = append(out, Reason{NoneWithinDeadline, fmt.Sprintf("no available team with %s can arrive before the deadline", capability)})
	case late > 0:
		out = append(out, Reason{Late, fmt.Sprintf("%d of the %d picks cannot arrive before the deadline", late, len(tp.Picks))})
	}
	return out
}

func (p *Projection) planItem(in *Incident, need resources.ItemQty, covered int64, cfg PlanConfig, now time.Time, ss *streams[*depotState], lines *[]PlanLine) ItemPlan {
	ip := ItemPlan{Item: need.Item, Needed: need.Qty, Covered: covered, Plan: []PlanLine{}, Reasons: []Reason{}}
	it, known := p.items[need.Item]
	ip.Name, ip.Unit = it.Name, it.Unit
	rest := max(need.Qty-covered, 0)
	if rest == 0 {
		return ip
	}
	if !known {
		ip.Shortfall = rest
		ip.Reasons = append(ip.Reasons, Reason{UnknownItem, fmt.Sprintf("item %s is not in the catalog", need.Item)})
		return ip
	}
	ss.hs = ss.hs[:0]
	if pair := p.byItem[need.Item]; pair != nil {
		ss.add(pair[0], []int{0}, 0)
		ss.add(pair[1], []int{0}, cfg.AgreementLead.Seconds())
	}
	deadline := in.Deadline()
	// The lines of every item of a plan share one array: far fewer
	// allocations than a slice per item.
	start := len(*lines)
	for rest > 0 && len(*lines)-start < cfg.MaxLines {
		h := ss.next()
		if h == nil {
			break
		}
		d, m, eta := h.k, h.m, h.eta
		h.taken = true
		avail := d.avail[need.Item]
		q := min(avail, rest)
		rest -= q
		*lines = append(*lines, p.line(d, q, avail, m, eta, h.lead, now, deadline))
	}
	if n := len(*lines); n > start {
		ip.Plan = (*lines)[start:n:n]
	}
	ss.release()
	ip.Shortfall = rest
	ip.Reasons = itemReasons(ip, len(ip.Plan) == cfg.MaxLines)
	return ip
}

func (p *Projection) line(d *depotState, q, avail int64, m, eta, lead float64, now, deadline time.Time) PlanLine {
	return PlanLine{Depot: &d.ref, Qty: q, Available: avail,
		DistanceM: round1(m), EtaS: round1(eta), MeetsDeadline: !now.Add(seconds(eta)).After(deadline), lead: lead}
}

// words builds a short explanation.
type words []byte

func (w words) str(s string) words { return append(w, s...) }

func (w words) int(n int64) words { return strconv.AppendInt(w, n, 10) }

// km writes metres as kilometres with one decimal.
func (w words) km(m float64) words {
	return append(strconv.AppendFloat(w, m/1000, 'f', 1, 64), " km"...)
}

// dur writes seconds as "2h05m", "14 min" or "40 s".
func (w words) dur(s float64) words {
	switch {
	case s >= 3600:
		w = strconv.AppendInt(w, int64(s)/3600, 10)
		w = append(w, 'h')
		if m := int64(s) % 3600 / 60; m < 10 {
			w = append(w, '0')
		}
		w = strconv.AppendInt(w, int64(s)%3600/60, 10)
		return append(w, 'm')
	case s >= 60:
		return append(strconv.AppendInt(w, int64(s+30)/60, 10), " min"...)
	}
	return append(strconv.AppendInt(w, int64(s), 10), " s"...)
}

func itemReasons(ip ItemPlan, capped bool) []Reason {
	out := []Reason{}
	var planned int64
	for _, l := range ip.Plan {
		planned += l.Qty
	}
	switch {
	case ip.Shortfall > 0 && capped:
		out = append(out, Reason{StockExhausted, fmt.Sprintf("%d %s short: the plan stops at %d depots; order the rest separately", ip.Shortfall, ip.Unit, len(ip.Plan))})
	case ip.Shortfall > 0 && planned == 0:
		out = append(out, Reason{StockExhausted, fmt.Sprintf("no depot has %s (%s) available", ip.Name, ip.Item)})
	case ip.Shortfall > 0:
		out = append(out, Reason{StockExhausted, fmt.Sprintf("%d %s short: every depot's available stock of %s is in the plan (%d %s)", ip.Shortfall, ip.Unit, ip.Name, planned, ip.Unit)})
	}
	for _, l := range ip.Plan {
		if !l.MeetsDeadline {
			ip.LateQty += l.Qty
		}
	}
	switch {
	case ip.LateQty > 0 && ip.LateQty == planned:
		out = append(out, Reason{NoneWithinDeadline, fmt.Sprintf("none of the %d %s can arrive before the deadline", planned, ip.Unit)})
	case ip.LateQty > 0:
		out = append(out, Reason{Late, fmt.Sprintf("%d of %d %s arrive after the deadline", ip.LateQty, planned, ip.Unit)})
	}
	return out
}

// SuggestBrute computes the same plan as Suggest by scanning every team
// and depot: the reference for tests and the baseline of the benchmark.
func (p *Projection) SuggestBrute(in *Incident, covered Open, cfg PlanConfig, now time.Time) *Suggestion {
	cfg = cfg.withDefaults()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(now)
	s := &Suggestion{Incident: in.ID, Exercise: in.Exercise, Deadline: in.Deadline(), EventID: p.last, At: now}
	deadline := in.Deadline()
	used := map[string]bool{}
	type cand struct {
		id     string
		m, eta float64
	}
	for _, need := range in.Needs.Teams {
		tp := TeamPlan{Need: need.Capability, Count: need.Count, Covered: covered.Teams[need.Capability], Picks: []Pick{}, Alternates: []Pick{}}
		want := max(need.Count-tp.Covered, 0)
		var cs []cand
		for _, t := range p.teams {
			if want > 0 && t.indexed && t.HasCapability(need.Capability) && !used[t.ID] {
				rt := cfg.Router.Route(t.at, in.Location, string(t.Kind))
				cs = append(cs, cand{t.ID, rt.Metres, rt.Seconds})
			}
		}
		slices.SortFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(a.eta, b.eta), cmp.Compare(a.id, b.id)) })
		for _, c := range cs {
			if len(tp.Picks)+len(tp.Alternates) >= want+cfg.Alternates {
				break
			}
			pk := p.pick(p.teams[c.id], c.m, c.eta, now, deadline)
			if len(tp.Picks) < want {
				used[c.id] = true
				tp.Picks = append(tp.Picks, pk)
			} else {
				tp.Alternates = append(tp.Alternates, pk)
			}
		}
		tp.Shortfall = want - len(tp.Picks)
		s.Teams = append(s.Teams, tp)
	}
	for _, need := range in.Needs.Items {
		ip := ItemPlan{Item: need.Item, Needed: need.Qty, Covered: covered.Items[need.Item], Plan: []PlanLine{}}
		rest := max(need.Qty-ip.Covered, 0)
		var cs []cand
		for _, d := range p.depots {
			if rest > 0 && d.avail[need.Item] > 0 {
				rt := cfg.Router.Route(d.Location, in.Location, DepotMode)
				lead := 0.0
				if d.Reserve == resources.Agreement {
					lead = cfg.AgreementLead.Seconds()
				}
				cs = append(cs, cand{d.ID, rt.Metres, rt.Seconds + lead})
			}
		}
		slices.SortFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(a.eta, b.eta), cmp.Compare(a.id, b.id)) })
		for _, c := range cs {
			if rest == 0 || len(ip.Plan) == cfg.MaxLines {
				break
			}
			d := p.depots[c.id]
			q := min(d.avail[need.Item], rest)
			rest -= q
			ip.Plan = append(ip.Plan, PlanLine{Depot: &d.ref, Qty: q, EtaS: round1(c.eta), DistanceM: round1(c.m)})
		}
		ip.Shortfall = rest
		s.Items = append(s.Items, ip)
	}
	return s
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// Offer ranks the available teams with the capability that could take over
// a task of the incident from team, best first. The team itself is never
// offered, even before the view has seen that it is busy.
func (p *Projection) Offer(in *Incident, capability, team string, cfg PlanConfig, now time.Time) []Pick {
	cfg = cfg.withDefaults()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(now)
	tp := p.planTeams(in, TeamNeed{Capability: capability, Count: cfg.Alternates}, 0, map[string]bool{team: true}, cfg, now, p.teamStreams(in, cfg))
	return tp.Picks
}
