package dispatch

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
)

// Source is what a projection loads itself from.
type Source interface {
	ListItems(ctx context.Context, f resources.ItemFilter) ([]resources.Item, error)
	ListTeams(ctx context.Context, f resources.TeamFilter) ([]resources.Team, error)
	ListDepots(ctx context.Context, f resources.DepotFilter) ([]resources.Depot, error)
	AllStock(ctx context.Context) ([]resources.Stock, error)
	ListStock(ctx context.Context, depot string) ([]resources.Stock, error)
	LastEventID(ctx context.Context) (int64, error)
}

// teamState is a team as dispatch sees it.
type teamState struct {
	resources.Team
	ref    TeamRef
	kind   int // index in resources.TeamKinds
	pos    geo.Point
	posTS  time.Time
	hasPos bool
	// at is where the team is indexed: its fresh position, or its base.
	at geo.Point
	// indexed reports whether the team is in the availability indexes.
	indexed bool
	// wokeFresh reports that the team is marked stale (Team.PositionStale)
	// and the watcher was woken for a recent fix since, so that a team's
	// every fix does not wake it again.
	wokeFresh bool
	// queued reports that the team has its one entry in Projection.fresh.
	queued bool
}

type depotState struct {
	resources.Depot
	ref   DepotRef
	avail map[string]int64
}

// Projection is the in-memory view dispatch decides from: every team with
// its status, capabilities and latest position, in spatial indexes of the
// available ones by capability and kind; every depot with the stock it can
// still promise, in spatial indexes by item and reserve. It is loaded from
// the store and kept current by Apply from the event feed. It is safe for
// concurrent use.
type Projection struct {
	cfg ProjectionConfig

	mu     sync.Mutex
	last   int64
	teams  map[string]*teamState
	depots map[string]*depotState
	items  map[string]resources.Item
	// byCap indexes available teams by capability: [0] those that travel
	// by road, of every kind, [1] aviation.
	byCap map[string]*[2]*geo.Index[*teamState]
	// capTotal counts every team, in any status, by capability.
	capTotal map[string]int
	// byItem indexes depots with stock available by item: [physical,
	// agreement].
	byItem map[string]*[2]*geo.Index[*depotState]
	// fresh holds teams with a position, oldest first, to find the stale:
	// one entry per team (at a fix no newer than its newest), so that it is
	// bounded by the teams, not by the fixes of the last StaleAfter.
	fresh  posHeap
	caught *sync.Cond
	// wake tells the stale-position watcher that a team marked stale has
	// reported again.
	wake chan struct{}
}

// ProjectionConfig tunes a projection.
type ProjectionConfig struct {
	// StaleAfter is the age past which a team's last position no longer
	// counts: it is ranked from its base and marked stale.
	StaleAfter time.Duration
	// CellMetres is the cell size of the spatial indexes.
	CellMetres float64
}

// DefaultStaleAfter is how old a position may be before it is stale.
const DefaultStaleAfter = 10 * time.Minute

// NewProjection returns an empty projection.
func NewProjection(cfg ProjectionConfig) *Projection {
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	p := &Projection{cfg: cfg, wake: make(chan struct{}, 1)}
	p.caught = sync.NewCond(&p.mu)
	p.reset()
	return p
}

func (p *Projection) reset() {
	p.teams = map[string]*teamState{}
	p.depots = map[string]*depotState{}
	p.items = map[string]resources.Item{}
	p.byCap = map[string]*[2]*geo.Index[*teamState]{}
	p.capTotal = map[string]int{}
	p.byItem = map[string]*[2]*geo.Index[*depotState]{}
	p.fresh = nil
}

// Load replaces the projection's contents with the store's and returns the
// event id it is current to. Events up to that id may be applied again:
// every event carries whole rows or absolute levels, so applying one twice
// changes nothing.
func (p *Projection) Load(ctx context.Context, src Source) (int64, error) {
	last, err := src.LastEventID(ctx)
	if err != nil {
		return 0, err
	}
	items, err := src.ListItems(ctx, resources.ItemFilter{Limit: 1 << 30})
	if err != nil {
		return 0, fmt.Errorf("load items: %w", err)
	}
	teams, err := src.ListTeams(ctx, resources.TeamFilter{Limit: 1 << 30})
	if err != nil {
		return 0, fmt.Errorf("load teams: %w", err)
	}
	depots, err := src.ListDepots(ctx, resources.DepotFilter{Limit: 1 << 30})
	if err != nil {
		return 0, fmt.Errorf("load depots: %w", err)
	}
	stock, err := src.AllStock(ctx)
	if err != nil {
		return 0, fmt.Errorf("load stock: %w", err)
	}
	p.Fill(items, teams, depots, stock, last)
	return last, nil
}

// Fill replaces the projection's contents with the rows given, current to
// event last. Positions the projection holds are kept.
func (p *Projection) Fill(items []resources.Item, teams []resources.Team, depots []resources.Depot, stock []resources.Stock, last int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Positions are not in the store's rows; keep what the node has seen.
	type pos struct {
		p  geo.Point
		ts time.Time
	}
	seen := map[string]pos{}
	for id, t := range p.teams {
		if t.hasPos {
			seen[id] = pos{t.pos, t.posTS}
		}
	}
	p.reset()
	for _, it := range items {
		p.items[it.Code] = it
	}
	for _, t := range teams {
		p.putTeam(t)
		if s, ok := seen[t.ID]; ok {
			p.setPosition(t.ID, s.p, s.ts)
		}
	}
	for _, d := range depots {
		p.putDepot(d)
	}
	for _, st := range stock {
		p.setStock(st.Depot, st.Item, st.Available)
	}
	p.last = max(p.last, last)
	p.caught.Broadcast()
}

// Last returns the id of the last event applied.
func (p *Projection) Last() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// WaitFor waits until the projection has applied event id, or ctx ends.
func (p *Projection) WaitFor(ctx context.Context, id int64) error {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.caught.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.last < id {
		if err := ctx.Err(); err != nil {
			return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "the dispatch view is behind the store; try again")
		}
		p.caught.Wait()
	}
	return nil
}

// Apply brings the projection up to date with one event. For an event that
// changes more than its data carries (a stock import) it returns the depots
// whose stock the caller must re-read with ReloadStock.
func (p *Projection) Apply(ev dispatchd.Event) (reload []string) {
	p.mu.Lock()
	defer func() {
		p.last = max(p.last, ev.ID)
		p.caught.Broadcast()
		p.mu.Unlock()
	}()
	typ := ev.Type
	switch {
	case typ == "item.created" || typ == "item.updated" || typ == "item.imported":
		var it resources.Item
		if json.Unmarshal(ev.Data, &it) == nil {
			p.items[it.Code] = it
		}
	case typ == "item.deleted":
		delete(p.items, ev.Subject)
	case typ == "team.created" || typ == "team.updated" || typ == "team.imported":
		var t resources.Team
		if json.Unmarshal(ev.Data, &t) == nil {
			// An import replaces a team's registry fields but keeps its
			// status (a team on a task stays on it); so does the store.
			if old, ok := p.teams[t.ID]; ok && typ == "team.imported" {
				t.Status = old.Status
			}
			p.putTeam(t)
		}
	case typ == "team.deleted":
		p.removeTeam(ev.Subject)
	case typ == "team.stale" || typ == "team.fresh":
		var d PositionStaleEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			if t, ok := p.teams[d.Team]; ok {
				p.setStaleFlag(t, typ == "team.stale", d.PositionTS)
			}
		}
	case typ == "team.status":
		var d TeamStatusEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			if t, ok := p.teams[d.Team]; ok {
				tt := t.Team
				tt.Status = d.Status
				p.putTeam(tt)
			}
		}
	case typ == "depot.created" || typ == "depot.updated" || typ == "depot.imported":
		var d resources.Depot
		if json.Unmarshal(ev.Data, &d) == nil {
			p.putDepot(d)
		}
	case typ == "depot.deleted":
		p.removeDepot(ev.Subject)
	case typ == "stock.adjusted":
		var d resources.StockEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			for _, l := range d.Lines {
				p.setStock(l.Depot, l.Item, l.OnHand-l.Reserved)
			}
		}
	case typ == "stock.imported":
		var d resources.StockImportEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			return d.Depots
		}
	case strings.HasPrefix(typ, "order."):
		var d OrderEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			for _, st := range d.Stock {
				p.setStock(st.Depot, st.Item, st.OnHand-st.Reserved)
			}
		}
	}
	return nil
}

// ReloadStock replaces the stock of the depots with what src holds now.
func (p *Projection) ReloadStock(ctx context.Context, src Source, depots []string) error {
	for _, id := range depots {
		lines, err := src.ListStock(ctx, id)
		if err != nil {
			if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
				continue
			}
			return err
		}
		p.mu.Lock()
		if d, ok := p.depots[id]; ok {
			for item := range d.avail {
				p.setStock(id, item, 0)
			}
		}
		for _, st := range lines {
			p.setStock(st.Depot, st.Item, st.Available)
		}
		p.mu.Unlock()
	}
	return nil
}

// SetPosition records a team's latest position at device time ts. An
// older fix than the one held is ignored. It never waits on the store: for
// a team marked stale it only notes that team.fresh may be due and wakes
// the watcher (RunStaleWatch).
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
	for _, c := range t.Capabilities {
		ix := p.capIndex(c, t.Kind)
		if avail {
			ix.Set(t, at)
		} else {
			ix.Remove(t)
		}
	}
	t.indexed = avail
}

func (p *Projection) capIndex(c string, k resources.TeamKind) *geo.Index[*teamState] {
	pair := p.byCap[c]
	if pair == nil {
		pair = &[2]*geo.Index[*teamState]{geo.NewIndex[*teamState](p.cfg.CellMetres), geo.NewIndex[*teamState](p.cfg.CellMetres)}
		p.byCap[c] = pair
	}
	if k == resources.Aviation {
		return pair[1]
	}
	return pair[0]
}

func (p *Projection) putTeam(t resources.Team) {
	old, ok := p.teams[t.ID]
	st := &teamState{Team: t, ref: TeamRef{ID: t.ID, Name: t.Name, Kind: t.Kind}, kind: slices.Index(resources.TeamKinds, t.Kind)}
	if ok {
		p.unindexTeam(old)
		st.pos, st.posTS, st.hasPos = old.pos, old.posTS, old.hasPos
		// Only team.stale and team.fresh move the flag: the data of an
		// import does not carry the row's.
		st.PositionStale, st.wokeFresh, st.queued = old.PositionStale, old.wokeFresh, old.queued
	}
	p.teams[t.ID] = st
	for _, c := range t.Capabilities {
		p.capTotal[c]++
	}
	p.place(st, time.Now())
}

func (p *Projection) unindexTeam(t *teamState) {
	for _, c := range t.Capabilities {
		p.capIndex(c, t.Kind).Remove(t)
		p.capTotal[c]--
	}
}

func (p *Projection) removeTeam(id string) {
	if t, ok := p.teams[id]; ok {
		p.unindexTeam(t)
		delete(p.teams, id)
	}
}

func (p *Projection) putDepot(d resources.Depot) {
	old, ok := p.depots[d.ID]
	st := &depotState{Depot: d, avail: map[string]int64{}, ref: DepotRef{ID: d.ID, Name: d.Name, Tier: d.Tier, Reserve: d.Reserve}}
	if ok {
		for item := range old.avail {
			p.itemIndex(item, old.Reserve).Remove(old)
		}
		st.avail = old.avail
	}
	p.depots[d.ID] = st
	for item, n := range st.avail {
		if n > 0 {
			p.itemIndex(item, d.Reserve).Set(st, d.Location)
		}
	}
}

func (p *Projection) removeDepot(id string) {
	if d, ok := p.depots[id]; ok {
		for item := range d.avail {
			p.itemIndex(item, d.Reserve).Remove(d)
		}
		delete(p.depots, id)
	}
}

func (p *Projection) itemIndex(item string, r resources.Reserve) *geo.Index[*depotState] {
	pair := p.byItem[item]
	if pair == nil {
		pair = &[2]*geo.Index[*depotState]{geo.NewIndex[*depotState](p.cfg.CellMetres), geo.NewIndex[*depotState](p.cfg.CellMetres)}
		p.byItem[item] = pair
	}
	if r == resources.Agreement {
		return pair[1]
	}
	return pair[0]
}

func (p *Projection) setStock(depot, item string, avail int64) {
	d, ok := p.depots[depot]
	if !ok {
		return
	}
	ix := p.itemIndex(item, d.Reserve)
	if avail > 0 {
		d.avail[item] = avail
		ix.Set(d, d.Location)
	} else {
		delete(d.avail, item)
		ix.Remove(d)
	}
}

// Available returns what a depot can still promise of an item.
func (p *Projection) Available(depot, item string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d, ok := p.depots[depot]; ok {
		return d.avail[item]
	}
	return 0
}

// AvailableByDepot returns what each depot can still promise of an item,
// for the depots that have any.
func (p *Projection) AvailableByDepot(item string) map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int64{}
	for id, d := range p.depots {
		if n := d.avail[item]; n > 0 {
			out[id] = n
		}
	}
	return out
}

// HasTeam reports whether the team is in the registry.
func (p *Projection) HasTeam(id string) bool {
	_, ok := p.TeamStatus(id)
	return ok
}

// TeamStatus returns a team's status as the projection holds it.
func (p *Projection) TeamStatus(id string) (resources.TeamStatus, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.teams[id]
	if !ok {
		return "", false
	}
	return t.Status, true
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

// item returns an item type of the catalog, zero when unknown.
func (p *Projection) item(code string) resources.Item {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.items[code]
}
