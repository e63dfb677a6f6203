// Package plantest holds what tests and the suggestion benchmark need of
// the planner and production code does not: the brute-force reference.
package plantest

import (
	"cmp"
	"slices"
	"time"

	"dispatchd/dispatch/plan"
	"dispatchd/resources"
)

type teamCand struct {
	ref    plan.TeamRef
	m, eta float64
	fresh  bool
	posTS  time.Time
}

type depotCand struct {
	ref    plan.DepotRef
	m, eta float64
	avail  int64
}

// SuggestBrute computes the same plan as p.Suggest by scanning every team
// and depot: the reference for tests and the baseline of the benchmark.
// Reasons and the pick explanations are not written.
func SuggestBrute(p *plan.Projection, req plan.Request, covered plan.Open, cfg plan.Config, now time.Time) *plan.Suggestion {
	cfg = cfg.WithDefaults()
	wants := make([]int, len(req.Needs.Teams))
	teams := make([][]teamCand, len(req.Needs.Teams))
	for i, need := range req.Needs.Teams {
		wants[i] = max(need.Count-covered.Teams[need.Capability], 0)
	}
	rests := make([]int64, len(req.Needs.Items))
	depots := make([][]depotCand, len(req.Needs.Items))
	for i, need := range req.Needs.Items {
		rests[i] = max(need.Qty-covered.Items[need.Item], 0)
	}
	last := p.Scan(now, func(t plan.TeamView) {
		for i, need := range req.Needs.Teams {
			if wants[i] > 0 && t.Available && t.HasCapability(need.Capability) {
				rt := cfg.Router.Route(t.At, req.Location, string(t.Kind))
				teams[i] = append(teams[i], teamCand{plan.TeamRef{ID: t.ID, Name: t.Name, Kind: t.Kind}, rt.Metres, rt.Seconds, t.Fresh, t.PositionTS})
			}
		}
	}, func(d plan.DepotView) {
		for i, need := range req.Needs.Items {
			if n := d.Available[need.Item]; rests[i] > 0 && n > 0 {
				rt := cfg.Router.Route(d.Location, req.Location, plan.DepotMode)
				lead := 0.0
				if d.Reserve == resources.Agreement {
					lead = cfg.AgreementLead.Seconds()
				}
				depots[i] = append(depots[i], depotCand{plan.DepotRef{ID: d.ID, Name: d.Name, Tier: d.Tier, Reserve: d.Reserve}, rt.Metres, rt.Seconds + lead, n})
			}
		}
	})
	s := &plan.Suggestion{Incident: req.Incident, Exercise: req.Exercise, Deadline: req.Deadline, EventID: last, At: now}
	used := map[string]bool{}
	for i, need := range req.Needs.Teams {
		tp := plan.TeamPlan{Need: need.Capability, Count: need.Count, Covered: covered.Teams[need.Capability], Picks: []plan.Pick{}, Alternates: []plan.Pick{}}
		want := wants[i]
		cs := teams[i]
		slices.SortFunc(cs, func(a, b teamCand) int { return cmp.Or(cmp.Compare(a.eta, b.eta), cmp.Compare(a.ref.ID, b.ref.ID)) })
		for _, c := range cs {
			if len(tp.Picks)+len(tp.Alternates) >= want+cfg.Alternates {
				break
			}
			if used[c.ref.ID] { // taken by an earlier need
				continue
			}
			pk := pick(c, now, req.Deadline)
			if len(tp.Picks) < want {
				used[c.ref.ID] = true
				tp.Picks = append(tp.Picks, pk)
			} else {
				tp.Alternates = append(tp.Alternates, pk)
			}
		}
		tp.Shortfall = want - len(tp.Picks)
		s.Teams = append(s.Teams, tp)
	}
	for i, need := range req.Needs.Items {
		ip := plan.ItemPlan{Item: need.Item, Needed: need.Qty, Covered: covered.Items[need.Item], Plan: []plan.PlanLine{}}
		rest := rests[i]
		cs := depots[i]
		slices.SortFunc(cs, func(a, b depotCand) int { return cmp.Or(cmp.Compare(a.eta, b.eta), cmp.Compare(a.ref.ID, b.ref.ID)) })
		for _, c := range cs {
			if rest == 0 || len(ip.Plan) == cfg.MaxLines {
				break
			}
			q := min(c.avail, rest)
			rest -= q
			ip.Plan = append(ip.Plan, plan.PlanLine{Depot: &c.ref, Qty: q, EtaS: round1(c.eta), DistanceM: round1(c.m)})
		}
		ip.Shortfall = rest
		s.Items = append(s.Items, ip)
	}
	return s
}

func pick(c teamCand, now, deadline time.Time) plan.Pick {
	pk := plan.Pick{Team: &c.ref, DistanceM: round1(c.m), EtaS: round1(c.eta),
		MeetsDeadline: !now.Add(time.Duration(c.eta * float64(time.Second))).After(deadline), From: "base"}
	if c.fresh {
		pk.From = "position"
	} else if !c.posTS.IsZero() {
		pk.Stale = true
	}
	return pk
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
