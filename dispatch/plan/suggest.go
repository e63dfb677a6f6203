package plan

import (
	"fmt"
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
	ts, ds := p.teamStreams(req, cfg), p.depotStreams(req, cfg)
	lines := make([]PlanLine, 0, 8*len(req.Needs.Items))
	for _, need := range req.Needs.Teams {
		s.Teams = append(s.Teams, p.planTeams(req, need, covered.Teams[need.Capability], used, cfg, now, ts))
	}
	for _, need := range req.Needs.Items {
		s.Items = append(s.Items, p.planItem(req, need, covered.Items[need.Item], cfg, now, ds, &lines))
	}
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

func (p *Projection) planTeams(req Request, need TeamNeed, covered int, used map[string]bool, cfg Config, now time.Time, ss *streams[*teamState]) TeamPlan {
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
	deadline := req.Deadline
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

func (p *Projection) planItem(req Request, need resources.ItemQty, covered int64, cfg Config, now time.Time, ss *streams[*depotState], lines *[]PlanLine) ItemPlan {
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
	deadline := req.Deadline
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

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// Offer ranks the available teams with the capability that could take over
// a task of the incident from team, best first. The team itself is never
// offered, even before the view has seen that it is busy.
func (p *Projection) Offer(req Request, capability, team string, cfg Config, now time.Time) []Pick {
	cfg = cfg.WithDefaults()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire(now)
	tp := p.planTeams(req, TeamNeed{Capability: capability, Count: cfg.Alternates}, 0, map[string]bool{team: true}, cfg, now, p.teamStreams(req, cfg))
	return tp.Picks
}
