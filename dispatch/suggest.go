package dispatch

import (
	"context"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
)

// Suggest returns the ranked plan for what the incident still needs, made
// for the actor's jurisdiction: its own teams and depots first, then the
// outside ones that need support (plan.Request.Jurisdiction). Its record
// (Proposal) is queued for the writer loop (RunProposalLog).
func (s *Service) Suggest(ctx context.Context, actor dispatchd.Actor, id string) (*plan.Suggestion, error) {
	in, err := s.visibleIncident(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	open, _, _, err := s.covered(ctx, id)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, s.cfg.ProjectionWait)
	defer cancel()
	if err := s.proj.WaitFor(wctx, s.wrote.Load()); err != nil {
		return nil, err
	}
	req := in.Request()
	req.Jurisdiction = actor.Jurisdiction
	out := s.proj.Suggest(req, open, s.cfg.Plan, s.now())
	s.nameOwners(out)
	// The record is queued, never written here: a GET of suggestions does
	// not wait on the store.
	p := NewProposal(out, actor.Name(), out.At)
	out.ID = p.ID
	s.proposals.served(p)
	return out, nil
}

// SetRegionNames sets how suggestions name the region that owns a team or
// depot (owner_name); the wiring sets it when the deployment has a region
// tree. It is safe to call at any time.
func (s *Service) SetRegionNames(name func(code string) string) { s.regionName.Store(&name) }

// nameOwners writes the owners' names on the picks and lines, asking once
// per region.
func (s *Service) nameOwners(out *plan.Suggestion) {
	lookup := s.regionName.Load()
	if lookup == nil || *lookup == nil {
		return
	}
	names := map[string]string{}
	name := func(code string) string {
		if code == "" {
			return ""
		}
		n, ok := names[code]
		if !ok {
			n = (*lookup)(code)
			names[code] = n
		}
		return n
	}
	for i := range out.Teams {
		tp := &out.Teams[i]
		for j := range tp.Picks {
			tp.Picks[j].OwnerName = name(tp.Picks[j].Owner)
		}
		for j := range tp.Alternates {
			tp.Alternates[j].OwnerName = name(tp.Alternates[j].Owner)
		}
	}
	for i := range out.Items {
		for j := range out.Items[i].Plan {
			l := &out.Items[i].Plan[j]
			l.OwnerName = name(l.Owner)
		}
	}
}

// SupportDraft is what a suggestion leaves to a support request: the
// outside teams and stock it proposes, asked of the jurisdiction above,
// ready to send as POST /api/v1/support-requests with the incident.
type SupportDraft struct {
	// To is the parent of the actor's jurisdiction.
	To string `json:"to"`
	// Needs counts, per capability, the picks that need support and, per
	// item, the quantity of the lines that do.
	Needs plan.Needs `json:"needs"`
}

// PlanSupport returns what of the suggestion needs support, asked of to;
// nil when nothing needs support or there is no one to ask (to is "").
func PlanSupport(s *plan.Suggestion, to string) *SupportDraft {
	if to == "" {
		return nil
	}
	a := &SupportDraft{To: to, Needs: plan.Needs{Teams: []plan.TeamNeed{}, Items: []resources.ItemQty{}}}
	for _, tp := range s.Teams {
		if tp.SupportCount > 0 {
			a.Needs.Teams = append(a.Needs.Teams, plan.TeamNeed{Capability: tp.Need, Count: tp.SupportCount})
		}
	}
	for _, ip := range s.Items {
		if ip.SupportQty > 0 {
			a.Needs.Items = append(a.Needs.Items, resources.ItemQty{Item: ip.Item, Qty: ip.SupportQty})
		}
	}
	if len(a.Needs.Teams) == 0 && len(a.Needs.Items) == 0 {
		return nil
	}
	return a
}

// SupportDraft returns what of a suggestion made for the actor needs
// support, asked of the level above its jurisdiction that the region tree
// knows (as a support request sent without "to" would be); nil when
// nothing does or no one is above.
func (s *Service) SupportDraft(ctx context.Context, actor dispatchd.Actor, out *plan.Suggestion) (*SupportDraft, error) {
	if actor.Jurisdiction == "" {
		return nil, nil
	}
	to, err := s.parentOf(ctx, actor.Jurisdiction)
	if err != nil {
		return nil, err
	}
	return PlanSupport(out, to), nil
}
