package dispatch

import (
	"context"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

// Choice is what one dispatch chose of the suggestion it names: the tasks
// and orders it created and why the commander passed over proposed picks
// and plan lines, when he said.
type Choice struct {
	ID         string    `json:"id"`
	Incident   string    `json:"incident"`
	Suggestion string    `json:"suggestion"`
	Tasks      []string  `json:"tasks"`
	Orders     []string  `json:"orders"`
	Skipped    []Skip    `json:"skipped"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// Skip says why a proposed pick (Need and Team) or plan line (Item and
// Depot) was passed over.
type Skip struct {
	Need   string `json:"need,omitempty"`
	Team   string `json:"team,omitempty"`
	Item   string `json:"item,omitempty"`
	Depot  string `json:"depot,omitempty"`
	Reason string `json:"reason"`
}

// Limits of what a dispatch says of its suggestion.
const (
	maxSkipped    = 200
	maxSkipReason = 500
)

// proposalFor returns the record of the suggestion a dispatch names (nil
// when it names none) after checking that it is the incident's and that
// each skip names one of its picks or plan lines: the recently served are
// looked up in memory, the others in the store.
func (s *Service) proposalFor(ctx context.Context, incident string, r *DispatchRequest) (*Proposal, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, "suggestion", &r.Suggestion, false, 64)
	if len(r.Skipped) > maxSkipped {
		f.Add("skipped", "must list at most %d skips", maxSkipped)
	}
	if r.Suggestion == "" && len(r.Skipped) > 0 {
		f.Add("skipped", "skips need the suggestion they pass over")
	}
	if err := f.Err(); err != nil || r.Suggestion == "" {
		return nil, err
	}
	p := s.proposals.lookup(r.Suggestion)
	if p == nil {
		var err error
		if p, err = s.store.GetProposal(ctx, r.Suggestion); dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
			return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "suggestion", Message: "no suggestion " + r.Suggestion + " was served"})
		} else if err != nil {
			return nil, err
		}
	}
	if p.Incident != incident {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "suggestion", Message: "suggestion " + p.ID + " is for another incident"})
	}
	for i := range r.Skipped {
		checkSkip(&f, resources.Indexed("skipped", i), &r.Skipped[i], p)
	}
	return p, f.Err()
}

// checkSkip checks that sk names a pick or a plan line of p, with a reason.
func checkSkip(f *dispatchd.Fields, field string, sk *Skip, p *Proposal) {
	resources.CheckText(f, field+".reason", &sk.Reason, true, maxSkipReason)
	switch {
	case sk.Team != "" && sk.Item == "" && sk.Depot == "":
		for _, t := range p.Teams {
			if sk.Need != "" && t.Need != sk.Need {
				continue
			}
			for _, pk := range t.Picks {
				if pk.Team == sk.Team {
					sk.Need = t.Need
					return
				}
			}
		}
		f.Add(field+".team", "team %.64s is not a pick of the suggestion for %.64s", sk.Team, sk.Need)
	case sk.Depot != "" && sk.Item != "" && sk.Team == "" && sk.Need == "":
		for _, it := range p.Items {
			if it.Item != sk.Item {
				continue
			}
			for _, l := range it.Lines {
				if l.Depot == sk.Depot {
					return
				}
			}
		}
		f.Add(field+".depot", "depot %.64s has no line of %.64s in the suggestion", sk.Depot, sk.Item)
	default:
		f.Add(field, "must name a pick (need and team) or a plan line (item and depot)")
	}
}

// choose records in the change what the dispatch chose of p.
func (c *changer) choose(p *Proposal, skipped []Skip, res *DispatchResult) {
	ch := &Choice{ID: dispatchd.NewID(), Incident: p.Incident, Suggestion: p.ID, Tasks: []string{}, Orders: []string{},
		Skipped: skipped, By: c.actor.Name(), At: c.now}
	if ch.Skipped == nil {
		ch.Skipped = []Skip{}
	}
	for _, t := range res.Tasks {
		ch.Tasks = append(ch.Tasks, t.ID)
	}
	for _, o := range res.Orders {
		ch.Orders = append(ch.Orders, o.ID)
	}
	c.ch.Proposal, c.ch.Choice = p, ch
}
