package storetest

import (
	"context"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/resources"
)

// testSuggestionRecords: a suggestion served twice unchanged is one
// record, kept as first asked; the writer loop stores what was served.
func testSuggestionRecords(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, false)
	first := ok(b.svc.Suggest(c, commander, in.ID)).get(t)
	again := ok(b.svc.Suggest(c, commander, in.ID)).get(t)
	if first.ID == "" || first.ID != again.ID || first.EventID != again.EventID {
		t.Fatalf("got ids %q at %d and %q at %d, want one id for an unchanged suggestion", first.ID, first.EventID, again.ID, again.EventID)
	}
	if _, err := s.GetProposal(c, first.ID); dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		t.Fatalf("got %v before the writer ran, want not found", err)
	}
	// The writer loop writes what was served, and what is queued when it
	// stops.
	lctx, stop := context.WithCancel(c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.svc.RunProposalLog(lctx, func(err error) { t.Errorf("write suggestion records: %v", err) })
	}()
	stop()
	<-done
	p := ok(s.GetProposal(c, first.ID)).get(t)
	if p.Incident != in.ID || p.EventID != first.EventID || p.AskedBy != commander.Name() || len(p.Teams) != 1 || len(p.Teams[0].Picks) != 2 || len(p.Items) != 2 {
		t.Fatalf("got record %+v, want the incident's at event %d, 2 picks and 2 items", p, first.EventID)
	}
	if p.Teams[0].Picks[0].Team != first.Teams[0].Picks[0].Team.ID {
		t.Fatalf("got first pick %s, want %s", p.Teams[0].Picks[0].Team, first.Teams[0].Picks[0].Team.ID)
	}
	// Saved again, by someone else and twice in one batch: one record, as
	// first asked.
	dup := *p
	dup.AskedBy, dup.AskedAt = "someone-else", p.AskedAt.Add(time.Hour)
	if err := s.SaveProposals(c, []*dispatch.Proposal{&dup, &dup}); err != nil {
		t.Fatal(err)
	}
	if got := ok(s.GetProposal(c, p.ID)).get(t); got.AskedBy != commander.Name() || !got.AskedAt.Equal(p.AskedAt) {
		t.Fatalf("got %s at %s, want the first record kept", got.AskedBy, got.AskedAt)
	}
	if b.svc.ProposalsDropped() != 0 {
		t.Fatalf("got %d records dropped", b.svc.ProposalsDropped())
	}
}

// testDispatchNamesSuggestion: a dispatch that names a suggestion not yet
// written writes its record in its own transaction, with what it chose;
// its tasks and orders remember it; bad names are refused.
func testDispatchNamesSuggestion(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, false)
	other := b.incident(t, true)
	sg := ok(b.svc.Suggest(c, commander, in.ID)).get(t)
	pick := sg.Teams[0].Picks[1].Team.ID
	req := dispatch.PlanRequest(sg)
	req.Tasks = req.Tasks[:1]
	req.Suggestion = sg.ID
	req.Skipped = []dispatch.Skip{{Need: "water_rescue", Team: pick, Reason: "队伍刚完成任务，需要休整"}}
	for _, tt := range []struct {
		name, field string
		change      func(r *dispatch.DispatchRequest)
		incident    string
	}{
		{"unknown suggestion", "suggestion", func(r *dispatch.DispatchRequest) { r.Suggestion = "sg-nothing" }, in.ID},
		{"another incident's", "suggestion", func(*dispatch.DispatchRequest) {}, other.ID},
		{"skip of no pick", "skipped[0].team", func(r *dispatch.DispatchRequest) { r.Skipped = []dispatch.Skip{{Team: "t4", Reason: "x"}} }, in.ID},
		{"skip without reason", "skipped[0].reason", func(r *dispatch.DispatchRequest) { r.Skipped = []dispatch.Skip{{Team: pick}} }, in.ID},
		{"skips without suggestion", "skipped", func(r *dispatch.DispatchRequest) { r.Suggestion = "" }, in.ID},
	} {
		r := req
		r.Skipped = append([]dispatch.Skip(nil), req.Skipped...)
		tt.change(&r)
		_, err := b.svc.Dispatch(c, commander, tt.incident, r)
		wantCode(t, err, dispatchd.EINVALID)
		if f := dispatchd.ErrorFields(err); len(f) != 1 || f[0].Field != tt.field {
			t.Errorf("%s: got fields %+v, want one for %s", tt.name, f, tt.field)
		}
	}
	if _, err := s.GetProposal(c, sg.ID); dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		t.Fatalf("got %v, want the record not written by refused dispatches", err)
	}
	res := ok(b.svc.Dispatch(c, commander, in.ID, req)).get(t)
	if p := ok(s.GetProposal(c, sg.ID)).get(t); p.Incident != in.ID || p.EventID != sg.EventID {
		t.Fatalf("got record %+v, want the suggestion's", p)
	}
	chs := ok(s.IncidentChoices(c, in.ID)).get(t)
	if len(chs) != 1 || chs[0].Suggestion != sg.ID || len(chs[0].Tasks) != 1 || len(chs[0].Orders) != len(res.Orders) ||
		len(chs[0].Skipped) != 1 || chs[0].Skipped[0].Reason != "队伍刚完成任务，需要休整" || chs[0].By != commander.Name() {
		t.Fatalf("got choices %+v, want one with the task, the orders and the skip", chs)
	}
	if tk := ok(s.GetTask(c, res.Tasks[0].ID)).get(t); tk.Suggestion != sg.ID {
		t.Fatalf("got task suggestion %q, want %q", tk.Suggestion, sg.ID)
	}
	if o := ok(s.GetOrder(c, res.Orders[0].ID)).get(t); o.Suggestion != sg.ID {
		t.Fatalf("got order suggestion %q, want %q", o.Suggestion, sg.ID)
	}
	// A second dispatch names it again: the record stays one, the choices
	// are two; one that names none is not from a suggestion.
	b.sync(t)
	ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{Suggestion: sg.ID,
		Tasks: []dispatch.TaskRequest{{Team: "t4", Need: "water_rescue"}}})).get(t)
	ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{
		Orders: []dispatch.OrderRequest{{Depot: "d3", Lines: []resources.ItemQty{{Item: "3010101", Qty: 5}}}}})).get(t)
	if chs := ok(s.IncidentChoices(c, in.ID)).get(t); len(chs) != 2 || chs[1].Skipped == nil || len(chs[1].Tasks) != 1 {
		t.Fatalf("got choices %+v, want two", chs)
	}
	b.sync(t)
	rv := ok(b.svc.Review(c, commander, in.ID)).get(t)
	if len(rv.Proposals) != 3 || rv.Proposals[2].Note != dispatch.NotFromSuggestion || rv.Proposals[0].Suggestion != sg.ID {
		t.Fatalf("got proposals %+v, want two from the suggestion and one not", rv.Proposals)
	}
	got := rv.Proposals[0].Teams
	if len(got) != 2 || !got[0].Chosen || got[1].Chosen || got[1].Team != pick || got[1].Reason == "" {
		t.Fatalf("got picks %+v, want the first chosen and the second skipped with its reason", got)
	}
}
