package dispatch

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// NotFromSuggestion is the note of a dispatch that named no suggestion.
const NotFromSuggestion = "not from a suggestion"

// ProposalReview sets one dispatch against the suggestion it named, line
// by line; a dispatch that named none has no lines and the note
// NotFromSuggestion.
type ProposalReview struct {
	// Suggestion is the id of the suggestion named, "" for none.
	Suggestion string `json:"suggestion"`
	Note       string `json:"note,omitempty"`
	// EventID and ProposedAt are the suggestion's: the event it was
	// computed at and when it was first served.
	EventID      *int64       `json:"event_id"`
	ProposedAt   *time.Time   `json:"proposed_at"`
	DispatchedAt time.Time    `json:"dispatched_at"`
	DispatchedBy string       `json:"dispatched_by"`
	Tasks        []string     `json:"tasks"`
	Orders       []string     `json:"orders"`
	Teams        []PickReview `json:"teams"`
	Items        []LineReview `json:"items"`
}

// PickReview is one proposed pick and what became of it. Rank 0 is a team
// the dispatch sent beyond the picks (Team empty, Instead the team).
type PickReview struct {
	Need    string `json:"need"`
	Rank    int    `json:"rank"`
	Team    string `json:"team"`
	EtaS    *int64 `json:"eta_s"`
	Support bool   `json:"support"`
	Chosen  bool   `json:"chosen"`
	// Instead is the team sent for the need in the pick's place, when it
	// was not chosen and another was; InsteadName is that team's name.
	Instead     string `json:"instead,omitempty"`
	InsteadName string `json:"instead_name,omitempty"`
	// Reason is why the pick was passed over, when the commander said.
	Reason string `json:"reason,omitempty"`
}

// LineReview is one proposed plan line against what was ordered of the
// item from the depot (Proposed 0: a line the dispatch added).
type LineReview struct {
	Item     string `json:"item"`
	Depot    string `json:"depot"`
	Proposed int64  `json:"proposed"`
	Ordered  int64  `json:"ordered"`
	Support  bool   `json:"support"`
	Reason   string `json:"reason,omitempty"`
}

// reviewProposals sets each dispatch of the incident against the
// suggestion it named, oldest first; the tasks and orders that named none
// are grouped by when and by whom they were created.
func (s *Service) reviewProposals(ctx context.Context, incident string, tasks []Task, orders []Order) ([]ProposalReview, error) {
	choices, err := s.store.IncidentChoices(ctx, incident)
	if err != nil {
		return nil, err
	}
	taskBy := make(map[string]*Task, len(tasks))
	for i := range tasks {
		taskBy[tasks[i].ID] = &tasks[i]
	}
	orderBy := make(map[string]*Order, len(orders))
	for i := range orders {
		orderBy[orders[i].ID] = &orders[i]
	}
	out := []ProposalReview{}
	props := map[string]*Proposal{}
	for _, ch := range choices {
		p, again := props[ch.Suggestion]
		if !again {
			if p, err = s.store.GetProposal(ctx, ch.Suggestion); err != nil {
				return nil, err
			}
			props[ch.Suggestion] = p
		}
		out = append(out, reviewChoice(p, ch, taskBy, orderBy, again))
	}
	type key struct {
		at time.Time
		by string
	}
	at := map[key]int{}
	group := func(k key) *ProposalReview {
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, ProposalReview{Note: NotFromSuggestion, DispatchedAt: k.at, DispatchedBy: k.by,
				Tasks: []string{}, Orders: []string{}, Teams: []PickReview{}, Items: []LineReview{}})
		}
		return &out[i]
	}
	for _, t := range tasks {
		if t.Suggestion == "" {
			g := group(key{t.CreatedAt, t.CreatedBy})
			g.Tasks = append(g.Tasks, t.ID)
		}
	}
	for _, o := range orders {
		if o.Suggestion == "" {
			g := group(key{o.CreatedAt, o.CreatedBy})
			g.Orders = append(g.Orders, o.ID)
		}
	}
	slices.SortStableFunc(out, func(a, b ProposalReview) int { return a.DispatchedAt.Compare(b.DispatchedAt) })
	return out, nil
}

// reviewChoice sets one choice against its proposal: the first choice of
// a proposal against all of it, a later one (a single task or order named
// after the dispatch) against the needs and items it sent or skipped.
func reviewChoice(p *Proposal, ch Choice, taskBy map[string]*Task, orderBy map[string]*Order, again bool) ProposalReview {
	ev, at := p.EventID, p.AskedAt
	r := ProposalReview{Suggestion: p.ID, EventID: &ev, ProposedAt: &at, DispatchedAt: ch.At, DispatchedBy: ch.By,
		Tasks: ch.Tasks, Orders: ch.Orders, Teams: []PickReview{}, Items: []LineReview{}}
	reason := map[string]string{}
	touched := map[string]bool{} // "t" need, "i" item
	for _, sk := range ch.Skipped {
		if sk.Team != "" {
			reason["t\x00"+sk.Need+"\x00"+sk.Team] = sk.Reason
			touched["t"+sk.Need] = true
		} else {
			reason["i\x00"+sk.Item+"\x00"+sk.Depot] = sk.Reason
			touched["i"+sk.Item] = true
		}
	}
	// The teams sent, by need, in the order of the dispatch.
	sent := map[string][]*Task{}
	var needs []string
	for _, id := range ch.Tasks {
		if t := taskBy[id]; t != nil {
			if _, ok := sent[t.Need]; !ok {
				needs = append(needs, t.Need)
			}
			sent[t.Need] = append(sent[t.Need], t)
		}
	}
	for _, tp := range p.Teams {
		if again && len(sent[tp.Need]) == 0 && !touched["t"+tp.Need] {
			continue
		}
		proposed := map[string]bool{}
		for _, pk := range tp.Picks {
			proposed[pk.Team] = true
		}
		var instead []*Task
		chosen := map[string]bool{}
		for _, t := range sent[tp.Need] {
			if proposed[t.Team] {
				chosen[t.Team] = true
			} else {
				instead = append(instead, t)
			}
		}
		for i, pk := range tp.Picks {
			eta := pk.EtaS
			pr := PickReview{Need: tp.Need, Rank: i + 1, Team: pk.Team, EtaS: &eta, Support: pk.Support, Chosen: chosen[pk.Team],
				Reason: reason["t\x00"+tp.Need+"\x00"+pk.Team]}
			if !pr.Chosen && !pk.Support && len(instead) > 0 {
				pr.Instead, pr.InsteadName = instead[0].Team, instead[0].TeamName
				instead = instead[1:]
			}
			r.Teams = append(r.Teams, pr)
		}
		for _, t := range instead {
			r.Teams = append(r.Teams, PickReview{Need: tp.Need, Instead: t.Team, InsteadName: t.TeamName})
		}
		delete(sent, tp.Need)
	}
	for _, n := range needs {
		for _, t := range sent[n] {
			r.Teams = append(r.Teams, PickReview{Need: n, Instead: t.Team, InsteadName: t.TeamName})
		}
	}
	// What was ordered, by item and depot.
	type line struct{ item, depot string }
	ordered := map[line]int64{}
	var order []line
	for _, id := range ch.Orders {
		if o := orderBy[id]; o != nil {
			for _, l := range o.Lines {
				k := line{l.Item, o.Depot}
				if _, ok := ordered[k]; !ok {
					order = append(order, k)
				}
				ordered[k] += l.Qty
				touched["i"+l.Item] = true
			}
		}
	}
	for _, it := range p.Items {
		if again && !touched["i"+it.Item] {
			continue
		}
		for _, l := range it.Lines {
			k := line{it.Item, l.Depot}
			r.Items = append(r.Items, LineReview{Item: it.Item, Depot: l.Depot, Proposed: l.Qty, Ordered: ordered[k], Support: l.Support,
				Reason: reason["i\x00"+it.Item+"\x00"+l.Depot]})
			delete(ordered, k)
		}
	}
	for _, k := range order {
		if q, ok := ordered[k]; ok {
			r.Items = append(r.Items, LineReview{Item: k.item, Depot: k.depot, Ordered: q})
		}
	}
	return r
}

// proposalRows are the review's CSV rows of the proposals section, in
// WriteCSV's columns: per pick, the team proposed (who), its rank (asked)
// and ETA (arrive_s), chosen or passed over (status), the team sent
// instead and the reason (note); per plan line, the depot, the quantity
// proposed (asked) and ordered (sent).
func proposalRows(prs []ProposalReview, ts func(*time.Time) string) [][]string {
	var rows [][]string
	for _, pr := range prs {
		at := ts(&pr.DispatchedAt)
		if pr.Suggestion == "" {
			rows = append(rows, []string{"dispatch", "", pr.DispatchedBy, "", pr.Note, "", at, "", "", "",
				"", strconv.Itoa(len(pr.Tasks) + len(pr.Orders)), "", "", strings.Join(append(slices.Clone(pr.Tasks), pr.Orders...), " ")})
			continue
		}
		for _, pk := range pr.Teams {
			status, rank, eta := "passed_over", "", ""
			switch {
			case pk.Rank == 0:
				status = "added"
			case pk.Chosen:
				status = "chosen"
			}
			if pk.Rank > 0 {
				rank = strconv.Itoa(pk.Rank)
			}
			if pk.EtaS != nil {
				eta = itoa64(*pk.EtaS)
			}
			var note []string
			if pk.Support {
				note = append(note, "needs support")
			}
			if pk.Instead != "" {
				note = append(note, "instead "+cmp.Or(pk.InsteadName, pk.Instead)+" ("+pk.Instead+")")
			}
			if pk.Reason != "" {
				note = append(note, "reason: "+pk.Reason)
			}
			rows = append(rows, []string{"proposed_team", pr.Suggestion, pk.Team, pk.Need, status, ts(pr.ProposedAt), at, "", "", eta,
				rank, "", "", "", strings.Join(note, "; ")})
		}
		for _, l := range pr.Items {
			status := "ordered"
			switch {
			case l.Proposed == 0:
				status = "added"
			case l.Ordered == 0:
				status = "passed_over"
			case l.Ordered != l.Proposed:
				status = "changed"
			}
			note := l.Reason
			if l.Support {
				note = strings.TrimPrefix(note+"; needs support", "; ")
			}
			rows = append(rows, []string{"proposed_item", pr.Suggestion, l.Depot, l.Item, status, ts(pr.ProposedAt), at, "", "", "",
				itoa64(l.Proposed), itoa64(l.Ordered), "", itoa64(max(l.Proposed-l.Ordered, 0)), note})
		}
	}
	return rows
}
