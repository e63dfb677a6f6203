// Package plantest holds what tests and the suggestion benchmark need of
// the planner and production code does not: the brute-force reference.
package plantest

import (
	"cmp"
	"slices"
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
)

type teamCand struct {
	ref    plan.TeamRef
	region string
	m, eta float64
	fresh  bool
	posTS  time.Time
}

type depotCand struct {
	ref    plan.DepotRef
	region string
	m, eta float64
	avail  int64
}

// SuggestBrute computes the same plan as p.Suggest by scanning every team
// and depot: the reference for tests and the baseline of the benchmark.
// It follows the rule of own first (属地优先) as written, with no
// shortcut: per team need, the own candidates by ETA give the picks and
// the alternates; the outside ones give a pick for each team the own
// lack, then one for each own pick that misses the deadline, from those
// that meet it. Per item, the own depots by ETA give lines until the
// quantity is covered; the outside ones give what the own lack, then as
// much as the own deliver late, from those in time; at most MaxLines in
// all. Reasons and the explanations are not written.
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
				teams[i] = append(teams[i], teamCand{plan.TeamRef{ID: t.ID, Name: t.Name, Kind: t.Kind}, t.Region, rt.Metres, rt.Seconds, t.Fresh, t.PositionTS})
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
				depots[i] = append(depots[i], depotCand{plan.DepotRef{ID: d.ID, Name: d.Name, Tier: d.Tier, Reserve: d.Reserve}, d.Region, rt.Metres, rt.Seconds + lead, n})
			}
		}
	})
	s := &plan.Suggestion{Incident: req.Incident, Exercise: req.Exercise, Deadline: req.Deadline, EventID: last, At: now}
	used := map[string]bool{}
	for i, need := range req.Needs.Teams {
		s.Teams = append(s.Teams, bruteTeams(req, need, covered.Teams[need.Capability], wants[i], teams[i], used, cfg, now))
	}
	for i, need := range req.Needs.Items {
		s.Items = append(s.Items, bruteItem(req, need, covered.Items[need.Item], rests[i], depots[i], cfg, now))
	}
	return s
}

func bruteTeams(req plan.Request, need plan.TeamNeed, covered, want int, cs []teamCand, used map[string]bool, cfg plan.Config, now time.Time) plan.TeamPlan {
	tp := plan.TeamPlan{Need: need.Capability, Count: need.Count, Covered: covered, Picks: []plan.Pick{}, Alternates: []plan.Pick{}}
	slices.SortFunc(cs, func(a, b teamCand) int { return cmp.Or(cmp.Compare(a.eta, b.eta), cmp.Compare(a.ref.ID, b.ref.ID)) })
	var own, out []plan.Pick
	for _, c := range cs {
		if used[c.ref.ID] { // taken by an earlier need
			continue
		}
		pk := pick(c, now, req.Deadline)
		if dispatchd.InRegion(req.Jurisdiction, c.region) {
			own = append(own, pk)
		} else {
			pk.NeedsSupport = true
			out = append(out, pk)
		}
	}
	n := min(want, len(own))
	tp.Picks = append(tp.Picks, own[:n]...)
	tp.Alternates = append(tp.Alternates, own[n:min(len(own), want+cfg.Alternates)]...)
	lack, late := want-n, 0
	for _, pk := range tp.Picks {
		if !pk.MeetsDeadline {
			late++
		}
	}
	for i, pk := range out {
		if i < lack || i < lack+late && pk.MeetsDeadline {
			tp.Picks = append(tp.Picks, pk)
			tp.SupportCount++
			continue
		}
		break
	}
	for _, pk := range tp.Picks {
		used[pk.Team.ID] = true
	}
	tp.Shortfall = lack - min(lack, tp.SupportCount)
	return tp
}

func bruteItem(req plan.Request, need resources.ItemQty, covered, rest int64, cs []depotCand, cfg plan.Config, now time.Time) plan.ItemPlan {
	ip := plan.ItemPlan{Item: need.Item, Needed: need.Qty, Covered: covered, Plan: []plan.PlanLine{}}
	slices.SortFunc(cs, func(a, b depotCand) int { return cmp.Or(cmp.Compare(a.eta, b.eta), cmp.Compare(a.ref.ID, b.ref.ID)) })
	var out []depotCand
	var late int64
	for _, c := range cs {
		if !dispatchd.InRegion(req.Jurisdiction, c.region) {
			out = append(out, c)
			continue
		}
		if rest == 0 || len(ip.Plan) == cfg.MaxLines {
			continue
		}
		q := min(c.avail, rest)
		rest -= q
		l := line(c, q, c.avail, now, req.Deadline)
		if !l.MeetsDeadline {
			late += q
		}
		ip.Plan = append(ip.Plan, l)
	}
	for _, c := range out {
		if len(ip.Plan) == cfg.MaxLines {
			break
		}
		meets := line(c, 0, 0, now, req.Deadline).MeetsDeadline
		q := min(c.avail, rest)
		rest -= q
		if meets {
			extra := min(c.avail-q, late)
			late -= extra
			q += extra
		}
		if q == 0 {
			continue
		}
		l := line(c, q, q, now, req.Deadline)
		l.NeedsSupport = true
		ip.Plan = append(ip.Plan, l)
		ip.SupportQty += q
	}
	ip.Shortfall = rest
	for _, l := range ip.Plan {
		if !l.MeetsDeadline {
			ip.LateQty += l.Qty
		}
	}
	return ip
}

func pick(c teamCand, now, deadline time.Time) plan.Pick {
	pk := plan.Pick{Team: &c.ref, DistanceM: round1(c.m), EtaS: round1(c.eta), Owner: owner(c.region),
		MeetsDeadline: !now.Add(time.Duration(c.eta * float64(time.Second))).After(deadline), From: "base"}
	if c.fresh {
		pk.From = "position"
	} else if !c.posTS.IsZero() {
		pk.Stale = true
	}
	return pk
}

func line(c depotCand, q, avail int64, now, deadline time.Time) plan.PlanLine {
	return plan.PlanLine{Depot: &c.ref, Qty: q, Available: avail, EtaS: round1(c.eta), DistanceM: round1(c.m), Owner: owner(c.region),
		MeetsDeadline: !now.Add(time.Duration(c.eta * float64(time.Second))).After(deadline)}
}

// owner is a region narrowed to its county, as a plan writes it.
func owner(region string) string {
	if len(region) == 9 {
		return region[:6]
	}
	return region
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
