package plan

import (
	"time"

	"dispatchd/geo"
	"dispatchd/resources"
)

// Suggest ranks teams and depots for the incident's needs, less what is
// covered, as the projection stands at now.
func (p *Projection) Suggest(req Request, covered Open, cfg Config, now time.Time) *Suggestion {
	cfg = cfg.WithDefaults()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(now)
	s := &Suggestion{Incident: req.Incident, Exercise: req.Exercise, Deadline: req.Deadline, EventID: p.last, At: now,
		Teams: make([]TeamPlan, 0, len(req.Needs.Teams)), Items: make([]ItemPlan, 0, len(req.Needs.Items))}
	used := map[string]bool{}
	own := ownershipOf(req.Jurisdiction)
	ts, ds := p.teamStreams(req, cfg), p.depotStreams(req, cfg)
	lines := make([]PlanLine, 0, 8*len(req.Needs.Items))
	for _, need := range req.Needs.Teams {
		s.Teams = append(s.Teams, p.planTeams(req, own, need, covered.Teams[need.Capability], used, cfg, now, ts))
	}
	for _, need := range req.Needs.Items {
		s.Items = append(s.Items, p.planItem(req, own, need, covered.Items[need.Item], cfg, now, ds, &lines))
	}
	p.markRed(s, req.Location)
	return s
}

// teamStreams and depotStreams are reused for every need of one plan.
func (p *Projection) teamStreams(req Request, cfg Config) *streams[*teamState] {
	return &streams[*teamState]{to: req.Location, r: cfg.Router, modes: kindModes,
		at: func(t *teamState) (geo.Point, string, int) { return t.at, t.ID, t.kind }}
}

func (p *Projection) depotStreams(req Request, cfg Config) *streams[*depotState] {
	return &streams[*depotState]{to: req.Location, r: cfg.Router, modes: []string{DepotMode},
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

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// Offer ranks the available teams with the capability that could take over
// a task of the incident from team, best first, marked as a suggestion's
// picks are when their route starts or ends in a red zone. The team itself
// is never offered, even before the view has seen that it is busy.
func (p *Projection) Offer(req Request, capability, team string, cfg Config, now time.Time) []Pick {
	cfg = cfg.WithDefaults()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(now)
	tp := p.planTeams(req, ownership{all: true}, TeamNeed{Capability: capability, Count: cfg.Alternates}, 0, map[string]bool{team: true}, cfg, now, p.teamStreams(req, cfg))
	if mark := p.redMarker(req.Location, now); mark != nil {
		p.markPicks(mark, tp.Picks)
	}
	return tp.Picks
}
