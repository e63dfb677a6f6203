package coverage

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/regions"
	"dispatchd/resources"
)

// Teams is where the teams come from: the dispatch view.
type Teams interface {
	Scan(now time.Time, team func(plan.TeamView), depot func(plan.DepotView)) int64
}

// Regions gives the county outlines and the names of regions.
type Regions interface {
	Index(ctx context.Context) (*regions.Index, error)
	Name(ctx context.Context, code string) string
}

// Service keeps the coverage of every capability current with the
// dispatch view: Sync takes the teams as the view stands and changes the
// discs of those that moved, left or came back, which after a dispatch is
// one team. It is safe for concurrent use.
type Service struct {
	cfg   Config
	teams Teams
	regs  Regions

	// sync serializes Sync; mu guards the state below, and is never held
	// while the dispatch view is asked (the planner asks Cost under the
	// view's lock).
	sync   sync.Mutex
	mu     sync.Mutex
	idx    *regions.Index
	grid   *Grid
	layers map[string]*Layer
	// home is each team's region; snap is the last snapshot, its
	// memory reused.
	home map[string]string
	snap []member
	gaps GapStore
	// catchUp, when set, brings the dispatch view up to the store before
	// an answer.
	catchUp func(ctx context.Context) error
	// below is each county's state as this node last recorded it.
	below map[gapKey]bool
	// pop is the population layer, weights the grid's cells weighed by
	// it (nil without points); popStore keeps the layer.
	pop      []PopulationPoint
	weights  *Weights
	popStore PopulationStore
}

type member struct {
	id, region, mode string
	caps             []string
	at               geo.Point
	avail            bool
}

type gapKey struct{ county, capability string }

// NewService returns the coverage of the teams over the counties' outlines.
func NewService(cfg Config, teams Teams, regs Regions) *Service {
	return &Service{cfg: cfg.WithDefaults(), teams: teams, regs: regs, layers: map[string]*Layer{},
		home: map[string]string{}, below: map[gapKey]bool{}}
}

// Config returns the configuration in force.
func (s *Service) Config() Config { return s.cfg }

// SetCatchUp sets what brings the dispatch view up to the store before a
// coverage answer, so that a client reads its own writes (a team it just
// registered). Call it before the service is used.
func (s *Service) SetCatchUp(fn func(ctx context.Context) error) { s.catchUp = fn }

// fresh syncs the coverage for an answer: the view caught up first.
func (s *Service) fresh(ctx context.Context) error {
	if s.catchUp != nil {
		if err := s.catchUp(ctx); err != nil {
			return err
		}
	}
	return s.Sync(ctx, time.Now())
}

// Sync brings the coverage up to the dispatch view at now: the grid is
// laid again when the outlines changed, and each team whose place,
// availability or capabilities changed has its discs redrawn.
func (s *Service) Sync(ctx context.Context, now time.Time) error {
	idx, err := s.regs.Index(ctx)
	if err != nil {
		return err
	}
	s.sync.Lock()
	defer s.sync.Unlock()
	snap := s.snap[:0]
	s.teams.Scan(now, func(v plan.TeamView) {
		snap = append(snap, member{id: v.ID, region: v.Region, mode: string(v.Kind), caps: slices.Clone(v.Capabilities),
			at: v.At, avail: v.Available && v.Status == resources.TeamAvailable})
	}, nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snap = snap
	if idx != s.idx || s.grid == nil {
		s.idx, s.grid = idx, NewGrid(countiesOf(idx), s.cfg.CellMetres)
		s.layers = map[string]*Layer{}
		s.weigh()
	}
	for c := range s.cfg.Targets {
		if c != "default" {
			s.layer(c)
		}
	}
	seen := make(map[string]bool, len(snap))
	for _, m := range snap {
		seen[m.id] = true
		s.home[m.id] = m.region
		for _, c := range m.caps {
			s.layer(c)
		}
		for c, l := range s.layers {
			if m.avail && slices.Contains(m.caps, c) {
				l.Set(m.id, m.at, m.mode)
			} else {
				l.Remove(m.id)
			}
		}
	}
	for id := range s.home {
		if !seen[id] {
			delete(s.home, id)
			for _, l := range s.layers {
				l.Remove(id)
			}
		}
	}
	return nil
}

// layer returns the layer of a capability, made if missing; under mu.
func (s *Service) layer(c string) *Layer {
	l := s.layers[c]
	if l == nil {
		l = NewLayer(s.grid, s.cfg.Router, s.cfg.Target(c).Seconds())
		l.SetWeights(s.weights)
		s.layers[c] = l
	}
	return l
}

// countiesOf lists the county outlines of the index.
func countiesOf(idx *regions.Index) []County {
	var out []County
	idx.Each(func(code string, level regions.Level, g orb.Geometry) {
		if level == regions.County {
			out = append(out, County{Code: code, Geometry: g})
		}
	})
	return out
}

// Capabilities returns the capabilities that have a layer, in order.
func (s *Service) Capabilities() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.layers))
	for c := range s.layers {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// CoverageCost implements plan.Coverer: what the team's dispatch would
// cost its home county's coverage of the capability, from the last Sync.
// It is O(the team's disc).
func (s *Service) CoverageCost(team, capability string) (plan.CoverageCost, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.layers[capability]
	if l == nil || s.grid == nil {
		return plan.CoverageCost{}, false
	}
	county := s.home[team]
	if len(county) > 6 {
		county = county[:6] // a township's team: its county
	}
	k, ok := s.grid.County(county)
	if !ok {
		return plan.CoverageCost{}, false
	}
	after := l.Covered(k)
	var lostW float64
	if l.Has(team) {
		var lost int
		lost, lostW = l.loss(team, k)
		after -= lost
	}
	c := plan.CoverageCost{Region: county, Capability: capability, Share: l.Share(k),
		After: share(after, s.grid.Cells(k))}
	if ps, ok := l.PopulationShare(k); ok {
		pa := wshare(l.wcov[k]-lostW, l.w.total[k])
		c.PopulationShare, c.PopulationAfter = &ps, &pa
	}
	return c, true
}

// scope checks the question and returns the counties of the region (all
// of them for ""), under mu; known says whether the region tree names
// the region. A region of the tree with no county outline has no cells.
// Errors: invalid for a malformed region or an unknown capability,
// not_found for a region out of the actor's jurisdiction or unknown.
func (s *Service) scope(a dispatchd.Actor, region, capability string, known bool) (*Layer, []int, error) {
	if region == "" {
		region = a.Jurisdiction
	}
	if region != "" {
		if err := checkRegion(region); err != nil {
			return nil, nil, err
		}
	}
	if capability == "" {
		return nil, nil, dispatchd.Invalid(dispatchd.FieldError{Field: "capability", Message: "is required"})
	}
	l := s.layers[capability]
	if l == nil {
		return nil, nil, dispatchd.Invalid(dispatchd.FieldError{Field: "capability", Message: "no team has this capability and no target names it"})
	}
	ks, err := s.counties(a, region, known)
	return l, ks, err
}

// checkRegion checks a region code's form.
func checkRegion(region string) error { return regions.CheckCode("region", region) }
