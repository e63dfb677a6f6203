package dispatch_test

import (
	"context"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/resources"
)

func event(id int64, typ, subject string, v any) dispatchd.Event {
	ev := dispatchd.NewEvent(typ, dispatchd.System, subject, v)
	ev.ID = id
	return ev
}

// stockSource answers ReloadStock with fixed levels.
type stockSource struct {
	plan.Source
	levels map[string][]resources.Stock
}

func (s stockSource) ListStock(_ context.Context, depot string) ([]resources.Stock, error) {
	return s.levels[depot], nil
}

// TestProjectionFollowsEvents applies each kind of event the projection
// reads and checks what a plan sees afterwards.
func TestProjectionFollowsEvents(t *testing.T) {
	now := time.Now()
	p := plan.NewProjection(plan.ProjectionConfig{})
	here := geo.Point{Lon: 120.2, Lat: 30.2}
	p.Fill([]resources.Item{{Code: "1010101", Name: "帐篷", Unit: "顶"}}, nil,
		[]resources.Depot{{ID: "d1", Name: "D1", Tier: resources.County, Reserve: resources.Physical, Location: here}},
		[]resources.Stock{{Depot: "d1", Item: "1010101", OnHand: 100, Available: 100}}, 10)
	in := &dispatch.Incident{ID: "i", Location: here, DeadlineS: 3600, ReportedAt: now, Needs: plan.Needs{
		Teams: []plan.TeamNeed{{Capability: "hazmat", Count: 1}}, Items: []resources.ItemQty{{Item: "1010101", Qty: 1000}}}}
	suggest := func() *plan.Suggestion { return p.Suggest(in.Request(), plan.Open{}, plan.Config{}, now) }

	team := resources.Team{ID: "t1", Name: "T1", Kind: resources.FireRescue, Capabilities: []string{"hazmat"}, Base: here, Status: resources.TeamAvailable}
	p.Apply(event(11, "team.created", "t1", team))
	if got := suggest().Teams[0].Picks; len(got) != 1 || got[0].Team.ID != "t1" {
		t.Fatalf("after team.created got %+v", got)
	}
	p.Apply(event(12, "team.status", "t1", dispatch.TeamStatusEvent{Team: "t1", Status: resources.TeamAssigned}))
	if got := suggest().Teams[0]; len(got.Picks) != 0 || got.Reasons[0].Code != plan.AllBusy {
		t.Fatalf("after team.status assigned got %+v", got)
	}
	// An import of the team keeps its status, as the store does.
	p.Apply(event(13, "team.imported", "t1", team))
	if got := suggest().Teams[0]; len(got.Picks) != 0 {
		t.Fatalf("an import made a busy team available: %+v", got)
	}
	p.Apply(event(13, "team.status", "t1", dispatch.TeamStatusEvent{Team: "t1", Status: resources.TeamAvailable}))
	team.Capabilities = []string{"medical"}
	p.Apply(event(14, "team.updated", "t1", team))
	if got := suggest().Teams[0]; len(got.Picks) != 0 || got.Reasons[0].Code != plan.NoCapability {
		t.Fatalf("after the team lost hazmat got %+v", got)
	}

	if got := suggest().Items[0]; got.Plan[0].Qty != 100 || got.Shortfall != 900 {
		t.Fatalf("got %+v, want 100 planned", got)
	}
	p.Apply(event(15, "order.created", "o1", dispatch.OrderEvent{Order: &dispatch.Order{ID: "o1"},
		Stock: []resources.Stock{{Depot: "d1", Item: "1010101", OnHand: 100, Reserved: 70}}}))
	if got := suggest().Items[0]; got.Plan[0].Qty != 30 {
		t.Fatalf("after a reservation of 70 got %+v, want 30 planned", got)
	}
	p.Apply(event(16, "stock.adjusted", "d1", resources.StockEvent{Depot: "d1",
		Lines: []resources.LedgerLine{{Depot: "d1", Item: "1010101", OnHand: 70, Reserved: 70}}}))
	if got := suggest().Items[0]; len(got.Plan) != 0 || got.Reasons[0].Code != plan.StockExhausted {
		t.Fatalf("with nothing available got %+v", got)
	}
	reload := p.Apply(event(17, "stock.imported", "stock", resources.StockImportEvent{Depots: []string{"d1"}}))
	src := stockSource{levels: map[string][]resources.Stock{"d1": {{Depot: "d1", Item: "1010101", OnHand: 500, Available: 500}}}}
	if err := p.ReloadStock(context.Background(), src, reload); err != nil {
		t.Fatal(err)
	}
	if got := suggest().Items[0]; got.Plan[0].Qty != 500 {
		t.Fatalf("after an import got %+v, want 500 planned", got)
	}
	p.Apply(event(18, "depot.deleted", "d1", map[string]string{"id": "d1"}))
	if got := suggest().Items[0]; len(got.Plan) != 0 {
		t.Fatalf("a deleted depot is still planned: %+v", got)
	}
	if p.Last() != 18 {
		t.Fatalf("got last %d, want 18", p.Last())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.WaitFor(ctx, 19); dispatchd.ErrorCode(err) != dispatchd.EUNAVAILABLE {
		t.Fatalf("waiting for an event never applied: got %v, want unavailable", err)
	}
}
