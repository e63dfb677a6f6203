// Package plan is the planner's in-memory model: the projection of teams,
// depots and stock in spatial indexes, kept current from the event feed,
// and the ranked plans (suggestions and offers) computed from it. The
// dispatch service decides from it; it knows nothing of the service's
// state machines.
package plan

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
	"dispatchd/zones"
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
	// ownTeams counts the teams in byCap by capability and region prefix,
	// ownStock the depots in byItem by item and region prefix: a plan for
	// a jurisdiction knows when it has seen all of its own.
	ownTeams, ownStock map[scopeKey]int
	// outPicks and outDepots hold a plan's outside candidates, reused
	// under mu from plan to plan.
	outPicks  []Pick
	outDepots []depotCand
	// zones gives the risk zones' index (SetZones).
	zones atomic.Pointer[func() *zones.Index]
	// fresh holds teams with a position, oldest first, to find the stale:
	// one entry per team (at a fix no newer than its newest), so that it is
	// bounded by the teams, not by the fixes of the last StaleAfter.
	fresh  posHeap
	caught *sync.Cond
	// cover tells what a pick's dispatch costs coverage; nil: nothing.
	cover Coverer
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
	p.ownTeams, p.ownStock = map[scopeKey]int{}, map[scopeKey]int{}
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

// SetCoverage makes every team pick show what its dispatch would cost
// its home county's coverage (Pick.Coverage).
func (p *Projection) SetCoverage(c Coverer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cover = c
}

// Last returns the id of the last event applied.
func (p *Projection) Last() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// CatchUp waits until the projection has applied every event the store
// held when it was called, for at most within: a read that follows a
// write on any node (a team registered, then its coverage asked) sees it.
// Past within the view is read as it stands.
func (p *Projection) CatchUp(ctx context.Context, st interface {
	LastEventID(ctx context.Context) (int64, error)
}, within time.Duration) error {
	id, err := st.LastEventID(ctx)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	if err := p.WaitFor(wctx, id); err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
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

// TeamRegion returns a team's region as the projection holds it, and
// whether the team is in the registry.
func (p *Projection) TeamRegion(id string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.teams[id]
	if !ok {
		return "", false
	}
	return t.Region, true
}

// DepotLocation returns a depot's location, and whether the depot is in
// the registry.
func (p *Projection) DepotLocation(id string) (geo.Point, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.depots[id]
	if !ok {
		return geo.Point{}, false
	}
	return d.Location, true
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

// Item returns an item type of the catalog, and whether it is in it.
func (p *Projection) Item(code string) (resources.Item, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	it, ok := p.items[code]
	return it, ok
}

// TeamView is a team as the projection ranks it at a time.
type TeamView struct {
	*resources.Team
	// At is where the team is ranked from: its fresh position, or its base.
	At geo.Point
	// Available reports whether the team is in the availability indexes.
	Available bool
	// Fresh reports whether its position is recent enough to rank from;
	// PositionTS is that position's time, zero when it has none.
	Fresh      bool
	PositionTS time.Time
}

// DepotView is a depot and what it can still promise, by item.
type DepotView struct {
	*resources.Depot
	Available map[string]int64
}

// Scan calls team for every team and depot for every depot, in no order,
// as the projection stands at now, under its lock: for references that
// rank without the indexes (plantest) and for diagnostics. The callbacks
// must not keep what they are given nor call the projection; either may
// be nil. It returns
// the event the projection is current to.
func (p *Projection) Scan(now time.Time, team func(TeamView), depot func(DepotView)) (last int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(now)
	for _, t := range p.teams {
		if team == nil {
			break
		}
		v := TeamView{Team: &t.Team, At: t.at, Available: t.indexed, Fresh: !p.stale(t, now)}
		if t.hasPos {
			v.PositionTS = t.posTS
		}
		team(v)
	}
	for _, d := range p.depots {
		if depot == nil {
			break
		}
		depot(DepotView{Depot: &d.Depot, Available: d.avail})
	}
	return p.last
}
