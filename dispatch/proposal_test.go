package dispatch

import (
	"testing"
	"time"

	"dispatchd/dispatch/plan"
)

func sampleSuggestion(event int64, eta float64) *plan.Suggestion {
	return &plan.Suggestion{Incident: "i1", EventID: event,
		Teams: []plan.TeamPlan{{Need: "water_rescue", Picks: []plan.Pick{{Team: &plan.TeamRef{ID: "t1"}, EtaS: eta}, {Team: &plan.TeamRef{ID: "t2"}, EtaS: 300, NeedsSupport: true}}}},
		Items: []plan.ItemPlan{{Item: "1010101", Shortfall: 3, Plan: []plan.PlanLine{{Depot: &plan.DepotRef{ID: "d1"}, Qty: 5}, {Depot: &plan.DepotRef{ID: "d2"}}}}}}
}

// TestProposalID: the id depends on the incident, the event and the
// content, not on who asked or when.
func TestProposalID(t *testing.T) {
	at := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	base := NewProposal(sampleSuggestion(10, 120.2), "a", at)
	if len(base.Items[0].Lines) != 1 || !base.Teams[0].Picks[1].Support || base.Teams[0].Picks[0].EtaS != 120 {
		t.Fatalf("got %+v, want the line of qty 0 left out, the support pick marked, the ETA in seconds", base)
	}
	for _, tt := range []struct {
		name string
		p    *Proposal
		same bool
	}{
		{"another asker, later", NewProposal(sampleSuggestion(10, 120.2), "b", at.Add(time.Hour)), true},
		{"another event", NewProposal(sampleSuggestion(11, 120.2), "a", at), false},
		{"another ETA", NewProposal(sampleSuggestion(10, 180), "a", at), false},
	} {
		if got := tt.p.ID == base.ID; got != tt.same {
			t.Errorf("%s: got id %s against %s, want same %v", tt.name, tt.p.ID, base.ID, tt.same)
		}
	}
}

// TestProposalLog: a record served again is queued once; a full queue
// drops and counts; the oldest recent records are forgotten first.
func TestProposalLog(t *testing.T) {
	l := newProposalLog(2, 3)
	rec := func(id string) *Proposal { return &Proposal{ID: id} }
	for _, id := range []string{"a", "a", "b", "c", "d"} {
		l.served(rec(id))
	}
	if got := len(l.queue); got != 2 {
		t.Fatalf("got %d queued, want 2", got)
	}
	if got := l.dropped.Load(); got != 2 {
		t.Fatalf("got %d dropped, want 2 (c and d)", got)
	}
	for id, want := range map[string]bool{"a": false, "b": true, "c": true, "d": true} {
		if got := l.lookup(id) != nil; got != want {
			t.Errorf("lookup %s: got %v, want %v", id, got, want)
		}
	}
}
