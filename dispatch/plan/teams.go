package plan

import "time"

// planTeams plans one team need: the jurisdiction's own available teams by
// ETA, then its own alternates; when its own are too few, or late for the
// deadline, the best outside teams, which need support. It walks the
// streams once, nearest ETA first, until it has met every own team it
// could use (it knows how many there are) and the outside ones it may
// need: at most one per team asked for.
func (p *Projection) planTeams(req Request, own ownership, need TeamNeed, covered int, used map[string]bool, cfg Config, now time.Time, ss *streams[*teamState]) TeamPlan {
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
	avail := p.available(need.Capability)
	// The own and outside teams not met yet: the search ends when both
	// are met, or all it can use of them.
	ownLeft, outLeft := own.split(p.ownTeams, need.Capability, avail)
	out := p.outPicks[:0] // outside candidates by ETA, at most want
	// lack and late are known once the own teams are done: how many teams
	// the own cannot provide, and how many own picks arrive late.
	lack, late := -1, 0
	for {
		if lack < 0 && (ownLeft == 0 || len(tp.Picks)+len(tp.Alternates) == want+cfg.Alternates) {
			if own.all {
				break
			}
			lack, late = want-len(tp.Picks), lateCount(tp.Picks)
		}
		if lack >= 0 && (outLeft == 0 || enoughOutside(out, lack, late)) {
			break
		}
		h := ss.next()
		if h == nil {
			break
		}
		t, id := h.k, h.id
		h.taken = true
		mine := own.owns(t.Region)
		if mine {
			ownLeft--
		} else {
			outLeft--
		}
		if used[id] || mine && lack >= 0 || !mine && len(out) == want {
			continue
		}
		pk := p.pick(t, h.m, h.eta, now, deadline)
		pk.why.capability, pk.why.scoped = need.Capability, !own.all
		if p.cover != nil {
			if c, ok := p.cover.CoverageCost(id, need.Capability); ok {
				pk.Coverage = &c
			}
		}
		switch {
		case !mine:
			pk.NeedsSupport = true
			out = append(out, pk)
		case len(tp.Picks) < want:
			pk.why.rank = len(tp.Picks) + 1
			used[id] = true
			tp.Picks = append(tp.Picks, pk)
		default:
			pk.why.alt, pk.why.rank = true, len(tp.Alternates)+1
			tp.Alternates = append(tp.Alternates, pk)
		}
	}
	ss.release()
	p.outPicks = out[:0]
	lack, late = want-len(tp.Picks), lateCount(tp.Picks)
	n := supportPicks(out, lack, late)
	for i, pk := range out[:n] {
		pk.why.rank = i + 1
		used[pk.Team.ID] = true
		tp.Picks = append(tp.Picks, pk)
	}
	tp.SupportCount = n
	tp.Shortfall = lack - min(lack, n)
	tp.Reasons = teamReasons(need.Capability, want, tp, p.capTotal[need.Capability], avail)
	if n > 0 {
		tp.Reasons = append(tp.Reasons, teamSupportReason(need.Capability, want, lack, n))
	}
	return tp
}

// supportPicks returns how many of the outside candidates out (by ETA)
// the plan takes: one for each team the own cannot provide (lack), then
// one for each own pick that arrives late (late), if it arrives in time.
func supportPicks(out []Pick, lack, late int) int {
	n := 0
	for i, pk := range out {
		if i >= lack && (i >= lack+late || !pk.MeetsDeadline) {
			break
		}
		n++
	}
	return n
}

// enoughOutside reports whether the outside candidates out hold every one
// supportPicks could take: the next candidates arrive no sooner.
func enoughOutside(out []Pick, lack, late int) bool {
	n := len(out)
	return n >= lack+late || n >= lack && n > 0 && !out[n-1].MeetsDeadline
}

func lateCount(picks []Pick) int {
	n := 0
	for _, pk := range picks {
		if !pk.MeetsDeadline {
			n++
		}
	}
	return n
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
		MeetsDeadline: !now.Add(seconds(eta)).After(deadline), From: "base", Owner: ownerOf(t.Region)}
	if !p.stale(t, now) {
		pk.From = "position"
	} else if t.hasPos {
		pk.Stale = true
		pk.why.age = now.Sub(t.posTS).Seconds()
	}
	return pk
}

func teamSupportReason(capability string, want, lack, n int) Reason {
	fill := min(lack, n)
	return Reason{Code: NeedsSupport, support: supportNote{team: true, what: capability, n: int64(n), want: int64(want),
		lack: int64(fill), late: int64(n - fill)}}
}
