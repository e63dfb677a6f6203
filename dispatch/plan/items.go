package plan

import (
	"fmt"
	"time"

	"dispatchd/resources"
)

// depotCand is an outside depot the plan may draw from.
type depotCand struct {
	d      *depotState
	m, eta float64
	lead   float64
	avail  int64
	meets  bool
}

// planItem plans one item need: from the jurisdiction's own depots by ETA
// until the quantity is covered; then from outside depots, which need
// support, for what the own cannot deliver and, from those that arrive in
// time, as much again as the own deliver late. It walks the streams once,
// nearest ETA first, until it has met every own depot it could use and
// enough outside stock.
func (p *Projection) planItem(req Request, own ownership, need resources.ItemQty, covered int64, cfg Config, now time.Time, ss *streams[*depotState], lines *[]PlanLine) ItemPlan {
	ip := ItemPlan{Item: need.Item, Needed: need.Qty, Covered: covered, Plan: []PlanLine{}, Reasons: []Reason{}}
	it, known := p.items[need.Item]
	ip.Name, ip.Unit = it.Name, it.Unit
	rest := max(need.Qty-covered, 0)
	if rest == 0 {
		return ip
	}
	if !known {
		ip.Shortfall = rest
		ip.Reasons = append(ip.Reasons, Reason{Code: UnknownItem, Message: fmt.Sprintf("item %s is not in the catalog", need.Item)})
		return ip
	}
	ss.hs = ss.hs[:0]
	total := 0
	if pair := p.byItem[need.Item]; pair != nil {
		ss.add(pair[0], []int{0}, 0)
		ss.add(pair[1], []int{0}, cfg.AgreementLead.Seconds())
		total = pair[0].Len() + pair[1].Len()
	}
	// The own and outside depots not met yet: the search ends when both
	// are met, or all it can use of them.
	ownLeft, outLeft := own.split(p.ownStock, need.Item, total)
	deadline := req.Deadline
	// The lines of every item of a plan share one array: far fewer
	// allocations than a slice per item.
	start := len(*lines)
	want := rest
	out := p.outDepots[:0] // outside candidates by ETA
	var outQty, lateOwn int64
	ownDone := false
	for {
		nOwn := len(*lines) - start
		if !ownDone && (rest == 0 || nOwn == cfg.MaxLines || ownLeft == 0) {
			if own.all {
				break
			}
			ownDone = true
		}
		if ownDone && (outLeft == 0 || enoughStock(out, outQty, rest, lateOwn, nOwn, cfg.MaxLines)) {
			break
		}
		h := ss.next()
		if h == nil {
			break
		}
		d := h.k
		h.taken = true
		avail := d.avail[need.Item]
		if own.owns(d.Region) {
			ownLeft--
			if ownDone {
				continue
			}
			q := min(avail, rest)
			rest -= q
			l := p.line(d, q, avail, h.m, h.eta, h.lead, now, deadline)
			l.scoped = !own.all
			if !l.MeetsDeadline {
				lateOwn += q
			}
			*lines = append(*lines, l)
			continue
		}
		outLeft--
		// At most want is ever drawn from outside: what the own lack and
		// what they deliver late add up to no more.
		if outQty < want && len(out) < cfg.MaxLines {
			out = append(out, depotCand{d: d, m: h.m, eta: h.eta, lead: h.lead, avail: avail, meets: !now.Add(seconds(h.eta)).After(deadline)})
			outQty += avail
		}
	}
	ss.release()
	p.outDepots = out[:0]
	short, forLack, forLate := p.supportLines(out, rest, lateOwn, cfg.MaxLines-(len(*lines)-start), now, deadline, lines)
	ip.Shortfall, ip.SupportQty = short, forLack+forLate
	if n := len(*lines); n > start {
		ip.Plan = (*lines)[start:n:n]
	}
	for _, l := range ip.Plan {
		if !l.MeetsDeadline {
			ip.LateQty += l.Qty
		}
	}
	ip.Reasons = itemReasons(ip, len(ip.Plan) == cfg.MaxLines)
	if ip.SupportQty > 0 {
		ip.Reasons = append(ip.Reasons, itemSupportReason(ip, forLack, forLate))
	}
	return ip
}

// enoughStock reports whether the outside candidates out hold all that
// supportLines could draw: what the own lack (rest), then as much as they
// deliver late (late) from candidates in time; the next candidates arrive
// no sooner. nOwn own lines are planned, of at most maxLines.
func enoughStock(out []depotCand, outQty, rest, late int64, nOwn, maxLines int) bool {
	n := len(out)
	return outQty >= rest+late || nOwn+n >= maxLines || outQty >= rest && n > 0 && !out[n-1].meets
}

// supportLines appends the lines drawn from outside candidates: first what
// the own lack (rest), from any; then up to late from those that arrive in
// time; at most room lines. It returns what is still short and the
// quantities drawn for each.
func (p *Projection) supportLines(out []depotCand, rest, late int64, room int, now, deadline time.Time, lines *[]PlanLine) (short, forLack, forLate int64) {
	for _, c := range out {
		if room <= 0 || rest == 0 && (late == 0 || !c.meets) {
			break
		}
		q := min(c.avail, rest)
		rest -= q
		forLack += q
		if c.meets {
			extra := min(c.avail-q, late)
			late -= extra
			forLate += extra
			q += extra
		}
		l := p.line(c.d, q, q, c.m, c.eta, c.lead, now, deadline)
		l.NeedsSupport, l.scoped = true, true
		*lines = append(*lines, l)
		room--
	}
	return rest, forLack, forLate
}

func (p *Projection) line(d *depotState, q, avail int64, m, eta, lead float64, now, deadline time.Time) PlanLine {
	return PlanLine{Depot: &d.ref, Qty: q, Available: avail, Owner: ownerOf(d.Region),
		DistanceM: round1(m), EtaS: round1(eta), MeetsDeadline: !now.Add(seconds(eta)).After(deadline), lead: lead}
}

func itemSupportReason(ip ItemPlan, forLack, forLate int64) Reason {
	return Reason{Code: NeedsSupport, support: supportNote{what: ip.Unit, n: ip.SupportQty, lack: forLack, late: forLate}}
}
