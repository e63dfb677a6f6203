package plan

import (
	"encoding/json"
	"fmt"
	"strconv"
)

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
	switch {
	case pk.NeedsSupport:
		w = w.str("needs support from ").owner(pk.Owner, pk.OwnerName).str(": #").int(int64(pk.why.rank)).
			str(" by ETA of the available teams outside the jurisdiction with ")
	case pk.why.alt:
		w = w.str("alternate #").int(int64(pk.why.rank)).str(" with ")
	case pk.why.scoped:
		w = w.str("#").int(int64(pk.why.rank)).str(" by ETA of the jurisdiction's own available teams with ")
	default:
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

// MarshalJSON writes the line with its Why.
func (l PlanLine) MarshalJSON() ([]byte, error) {
	type plain PlanLine
	if l.Why == "" {
		w := make(words, 0, 128)
		switch {
		case l.NeedsSupport:
			w = w.str("needs support from ").owner(l.Owner, l.OwnerName).str(": ")
		case l.scoped:
			w = w.str("own ")
		}
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

// MarshalJSON writes the reason with its message.
func (r Reason) MarshalJSON() ([]byte, error) {
	type plain Reason
	if r.Message == "" && r.Code == NeedsSupport {
		r.Message = r.support.message()
	}
	return json.Marshal(plain(r))
}

func (s supportNote) message() string {
	w := make(words, 0, 160)
	if s.team {
		w = w.int(s.n).str(" of the picks for ").str(s.what).str(" need support from outside the jurisdiction: ")
		if s.lack > 0 {
			w = w.str("its own available teams are ").int(s.want - s.lack).str(" of the ").int(s.want).str(" asked for")
			if s.late > 0 {
				w = w.str(", and ")
			}
		}
		if s.late > 0 {
			w = w.int(s.late).str(" arrive in time where its own arrive late")
		}
		return string(w)
	}
	w = w.int(s.n).str(" ").str(s.what).str(" need support from outside the jurisdiction: ")
	if s.lack > 0 {
		w = w.int(s.lack).str(" that its own depots cannot deliver")
		if s.late > 0 {
			w = w.str(", and ")
		}
	}
	if s.late > 0 {
		w = w.int(s.late).str(" that arrive in time where its own arrive late")
	}
	return string(w)
}

func teamReasons(capability string, want int, tp TeamPlan, total, avail int) []Reason {
	out := []Reason{}
	switch {
	case tp.Shortfall > 0 && total == 0:
		out = append(out, Reason{Code: NoCapability, Message: fmt.Sprintf("no team in the registry has %s", capability)})
	case tp.Shortfall > 0:
		out = append(out, Reason{Code: AllBusy, Message: fmt.Sprintf("%d of %d teams asked for: only %d of the %d teams with %s are available; the others are busy, off duty or unavailable",
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
		out = append(out, Reason{Code: NoneWithinDeadline, Message: fmt.Sprintf("no available team with %s can arrive before the deadline", capability)})
	case late > 0:
		out = append(out, Reason{Code: Late, Message: fmt.Sprintf("%d of the %d picks cannot arrive before the deadline", late, len(tp.Picks))})
	}
	return out
}

// words builds a short explanation.
type words []byte

func (w words) str(s string) words { return append(w, s...) }

func (w words) int(n int64) words { return strconv.AppendInt(w, n, 10) }

// owner writes a region as its name and code, or its code alone.
func (w words) owner(code, name string) words {
	switch {
	case code == "":
		return w.str("outside (no region)")
	case name == "":
		return w.str(code)
	}
	return w.str(name).str(" (").str(code).str(")")
}

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
		out = append(out, Reason{Code: StockExhausted, Message: fmt.Sprintf("%d %s short: the plan stops at %d depots; order the rest separately", ip.Shortfall, ip.Unit, len(ip.Plan))})
	case ip.Shortfall > 0 && planned == 0:
		out = append(out, Reason{Code: StockExhausted, Message: fmt.Sprintf("no depot has %s (%s) available", ip.Name, ip.Item)})
	case ip.Shortfall > 0:
		out = append(out, Reason{Code: StockExhausted, Message: fmt.Sprintf("%d %s short: every depot's available stock of %s is in the plan (%d %s)", ip.Shortfall, ip.Unit, ip.Name, planned, ip.Unit)})
	}
	switch {
	case ip.LateQty > 0 && ip.LateQty == planned:
		out = append(out, Reason{Code: NoneWithinDeadline, Message: fmt.Sprintf("none of the %d %s can arrive before the deadline", planned, ip.Unit)})
	case ip.LateQty > 0:
		out = append(out, Reason{Code: Late, Message: fmt.Sprintf("%d of %d %s arrive after the deadline", ip.LateQty, planned, ip.Unit)})
	}
	return out
}
