package storetest

import (
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/resources"
)

// Commanders of a county (淳安县), its city (杭州市), its province and
// another county of the city (西湖区).
var (
	countyCmd   = dispatchd.Actor{Username: "cmd-330127", Role: dispatchd.RoleCommander, Jurisdiction: "330127"}
	cityCmd     = dispatchd.Actor{Username: "cmd-330100", Role: dispatchd.RoleCommander, Jurisdiction: "330100"}
	provinceCmd = dispatchd.Actor{Username: "cmd-330000", Role: dispatchd.RoleCommander, Jurisdiction: "330000"}
	otherCmd    = dispatchd.Actor{Username: "cmd-330106", Role: dispatchd.RoleCommander, Jurisdiction: "330106"}
)

// countyIncident is a flood in 淳安县, recorded by its commander.
func (b *board) countyIncident(t *testing.T) *dispatch.Incident {
	t.Helper()
	in := ok(b.svc.CreateIncident(ctx(t), countyCmd, dispatch.Incident{Type: "flood", Level: 2, Title: "千岛湖山洪",
		Location: geo.Point{Lon: 119.04, Lat: 29.61}, Region: "330127",
		Needs: plan.Needs{Teams: []plan.TeamNeed{{Capability: "water_rescue", Count: 2}}}})).get(t)
	b.sync(t)
	return in
}

func supportIDs(rs []dispatch.SupportRequest) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// testSupportRequests walks a request from a county to its city: who
// lists it by direction, how the city's tasks and orders answer it and
// count against it, and who may decline and close.
func testSupportRequests(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.countyIncident(t)
	ask := dispatch.SupportAsk{Incident: in.ID, Needs: plan.Needs{Teams: []plan.TeamNeed{{Capability: "water_rescue", Count: 2}},
		Items: []resources.ItemQty{{Item: "1010101", Qty: 30}}}, RespondWithinS: 600}
	r := ok(b.svc.RequestSupport(c, countyCmd, ask)).get(t)
	if r.From != "330127" || r.To != "330100" || r.Status != dispatch.SupportRequested || r.IncidentType != "flood" {
		t.Fatalf("got %+v, want requested from 330127 to 330100", r)
	}
	// Asking within one's own jurisdiction, or about an incident one does
	// not see, is refused.
	_, err := b.svc.RequestSupport(c, cityCmd, dispatch.SupportAsk{Incident: in.ID, To: "330106", Needs: ask.Needs})
	wantCode(t, err, dispatchd.EINVALID)
	_, err = b.svc.RequestSupport(c, otherCmd, ask)
	wantCode(t, err, dispatchd.ENOTFOUND)

	list := func(a dispatchd.Actor, d dispatch.Direction) []string {
		rs, _ := ok2(b.svc.SupportRequests(c, a, dispatch.SupportFilter{Direction: d})).get(t)
		return supportIDs(rs)
	}
	for _, tt := range []struct {
		name  string
		actor dispatchd.Actor
		dir   dispatch.Direction
		want  int
	}{
		{"the city's incoming", cityCmd, dispatch.Incoming, 1},
		{"the city's outgoing (its county's)", cityCmd, dispatch.Outgoing, 1},
		{"the county's outgoing", countyCmd, dispatch.Outgoing, 1},
		{"the county's incoming", countyCmd, dispatch.Incoming, 0},
		{"the county, both ways", countyCmd, "", 1},
		{"another county", otherCmd, "", 0},
		{"the whole deployment", commander, dispatch.Incoming, 1},
	} {
		if got := list(tt.actor, tt.dir); len(got) != tt.want {
			t.Errorf("%s: got %v, want %d", tt.name, got, tt.want)
		}
	}
	_, err = b.svc.SupportRequest(c, otherCmd, r.ID)
	wantCode(t, err, dispatchd.ENOTFOUND)
	// The whole deployment asks above the incident's region by default.
	top := ok(b.svc.RequestSupport(c, commander, ask)).get(t)
	if top.To != "330100" {
		t.Fatalf("the whole deployment asked %s, want 330100", top.To)
	}
	ok(b.svc.CloseSupport(c, commander, top.ID, "")).get(t)

	// The other county cannot answer it; the city answers with a team of
	// another of its counties and a depot of its own.
	_, err = b.svc.Dispatch(c, otherCmd, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{
		{Team: "t1", Need: "water_rescue", SupportRequest: r.ID}}})
	wantCode(t, err, dispatchd.ENOTFOUND)
	res := ok(b.svc.Dispatch(c, cityCmd, in.ID, dispatch.DispatchRequest{
		Tasks: []dispatch.TaskRequest{{Team: "t1", Need: "water_rescue", SupportRequest: r.ID},
			{Team: "t3", Need: "water_rescue", SupportRequest: r.ID}},
		Orders: []dispatch.OrderRequest{{Depot: "d1", SupportRequest: r.ID, Lines: []resources.ItemQty{{Item: "1010101", Qty: 30}}}}})).get(t)
	if res.Tasks[0].SupportRequest != r.ID || res.Orders[0].SupportRequest != r.ID {
		t.Fatalf("got %+v, want the task and order to name the request", res)
	}
	// A neighbour asked directly answers through the request only, and
	// with its own teams only.
	nb := dispatchd.Actor{Username: "cmd-330122", Role: dispatchd.RoleCommander, Jurisdiction: "330122"}
	rn := ok(b.svc.RequestSupport(c, countyCmd, dispatch.SupportAsk{Incident: in.ID, To: "330122", Needs: ask.Needs})).get(t)
	for _, tr := range []dispatch.TaskRequest{{Team: "t2"}, {Team: "t2", SupportRequest: rn.ID}} {
		_, err = b.svc.Dispatch(c, nb, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{tr}})
		wantCode(t, err, dispatchd.EINVALID)
	}
	ok(b.svc.CloseSupport(c, countyCmd, rn.ID, "")).get(t)
	got := ok(b.svc.SupportRequest(c, countyCmd, r.ID)).get(t)
	if got.Status != dispatch.SupportAnswered || got.Answered.Teams != 2 || len(got.Tasks) != 2 || len(got.Orders) != 1 ||
		len(got.Answered.Items) != 1 || got.Answered.Items[0].Qty != 30 {
		t.Fatalf("got %+v, want answered by 2 teams and 30 tents", got)
	}
	if task := ok(b.svc.Task(c, commander, res.Tasks[0].ID)).get(t); task.SupportRequest != r.ID {
		t.Fatalf("the stored task names %q, want %s", task.SupportRequest, r.ID)
	}
	answered := 0
	for _, ev := range events(t, s) {
		if ev.Type == "support_request.answered" && ev.Subject == r.ID {
			answered++
			if !ev.Visible(countyCmd.Scope()) || !ev.Visible(cityCmd.Scope()) || ev.Visible(otherCmd.Scope()) {
				t.Fatalf("event regions %v: want seen by both sides only", ev.Regions)
			}
		}
	}
	if answered != 1 {
		t.Fatalf("got %d answered events, want 1", answered)
	}
	inTimeline := false
	for _, ev := range ok(s.IncidentEvents(c, in.ID)).get(t) {
		inTimeline = inTimeline || ev.Type == "support_request.answered" && ev.Subject == r.ID
	}
	if !inTimeline {
		t.Fatal("the answer is not in the incident's timeline")
	}
	listed, _ := ok2(b.svc.SupportRequests(c, cityCmd, dispatch.SupportFilter{Status: []dispatch.SupportStatus{dispatch.SupportAnswered}, Incident: in.ID})).get(t)
	if len(listed) != 1 {
		t.Fatalf("got %d answered requests of the incident, want 1", len(listed))
	}

	// An answered request is no longer declined; the city closes it.
	_, err = b.svc.DeclineSupport(c, cityCmd, r.ID, "无力支援")
	wantCode(t, err, dispatchd.ECONFLICT)
	closed := ok(b.svc.CloseSupport(c, cityCmd, r.ID, "")).get(t)
	if closed.Status != dispatch.SupportClosed || closed.ClosedAt == nil {
		t.Fatalf("got %+v, want closed", closed)
	}
	_, err = b.svc.Dispatch(c, cityCmd, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{{Team: "t2", SupportRequest: r.ID}}})
	wantCode(t, err, dispatchd.ECONFLICT) // a closed request is answered no more

	// A second request is declined with a reason, by the receiving side
	// only; the county then withdraws nothing more.
	r2 := ok(b.svc.RequestSupport(c, countyCmd, ask)).get(t)
	_, err = b.svc.DeclineSupport(c, countyCmd, r2.ID, "不要了")
	wantCode(t, err, dispatchd.EFORBIDDEN)
	dec := ok(b.svc.DeclineSupport(c, cityCmd, r2.ID, "本市力量已全部出动")).get(t)
	if dec.Status != dispatch.SupportDeclined || dec.Reason != "本市力量已全部出动" {
		t.Fatalf("got %+v, want declined with the reason", dec)
	}
	_, err = b.svc.CloseSupport(c, countyCmd, r2.ID, "")
	wantCode(t, err, dispatchd.ECONFLICT)

	// Cancelling the incident closes its open requests.
	r3 := ok(b.svc.RequestSupport(c, countyCmd, ask)).get(t)
	ok(b.svc.SetIncidentStatus(c, countyCmd, in.ID, dispatch.Cancelled, "误报")).get(t)
	if got := ok(b.svc.SupportRequest(c, countyCmd, r3.ID)).get(t); got.Status != dispatch.SupportClosed {
		t.Fatalf("got %s, want closed with the incident", got.Status)
	}
	_, err = b.svc.RequestSupport(c, countyCmd, ask)
	wantCode(t, err, dispatchd.ECONFLICT) // an ended incident needs no support
}

// testSupportEscalation checks that an unanswered request climbs one
// level exactly once, however many escalators run at once.
func testSupportEscalation(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.countyIncident(t)
	r := ok(b.svc.RequestSupport(c, countyCmd, dispatch.SupportAsk{Incident: in.ID, RespondWithinS: 60,
		Needs: plan.Needs{Teams: []plan.TeamNeed{{Capability: "water_rescue", Count: 1}}}})).get(t)
	if n := ok(b.svc.EscalateDueSupport(c)).get(t); n != 0 {
		t.Fatalf("escalated %d requests before their deadline", n)
	}
	later := time.Now().Add(61 * time.Second)
	escalateConcurrently(t, s, b.proj, later, func(svc *dispatch.Service) (int, error) { return svc.EscalateDueSupport(c) })
	got := ok(b.svc.SupportRequest(c, provinceCmd, r.ID)).get(t)
	if got.Status != dispatch.SupportEscalated || !got.Escalated || got.To != "330000" || got.EscalatedFrom != "330100" ||
		!got.RespondBy.After(later) {
		t.Fatalf("got %+v, want escalated from 330100 to 330000 with a new deadline", got)
	}
	// Once: past the new deadline it stays where it is.
	svc := dispatch.NewService(s, b.proj, dispatch.Config{})
	svc.SetClock(func() time.Time { return later.Add(2 * time.Hour) })
	if n := ok(svc.EscalateDueSupport(c)).get(t); n != 0 {
		t.Fatalf("escalated %d more times, want once only", n)
	}
	var esc []dispatchd.Event
	for _, ev := range events(t, s) {
		if ev.Type == "support_request.escalated" {
			esc = append(esc, ev)
		}
	}
	if len(esc) != 1 || esc[0].Actor != "system" || !esc[0].Visible(cityCmd.Scope()) || !esc[0].Visible(provinceCmd.Scope()) {
		t.Fatalf("got escalation events %+v", esc)
	}
	// The city no longer receives it; the province answers it.
	if rs, _ := ok2(b.svc.SupportRequests(c, cityCmd, dispatch.SupportFilter{Direction: dispatch.Incoming})).get(t); len(rs) != 0 {
		t.Fatalf("the city still receives %v", supportIDs(rs))
	}
	ok(b.svc.Dispatch(c, provinceCmd, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{
		{Team: "t2", Need: "water_rescue", SupportRequest: r.ID}}})).get(t)
	if got := ok(b.svc.SupportRequest(c, countyCmd, r.ID)).get(t); got.Status != dispatch.SupportAnswered {
		t.Fatalf("got %s, want answered by the province", got.Status)
	}
	// A request to a neighbouring province has no level above: at its
	// deadline it is marked escalated where it is, once.
	top := ok(b.svc.RequestSupport(c, provinceCmd, dispatch.SupportAsk{Incident: in.ID, To: "320000", RespondWithinS: 60,
		Needs: plan.Needs{Teams: []plan.TeamNeed{{Capability: "water_rescue", Count: 1}}}})).get(t)
	if n := ok(svc.EscalateDueSupport(c)).get(t); n != 1 {
		t.Fatalf("escalated %d, want the request to 320000", n)
	}
	if got := ok(b.svc.SupportRequest(c, provinceCmd, top.ID)).get(t); got.Status != dispatch.SupportEscalated || got.To != "320000" || got.EscalatedFrom != "" {
		t.Fatalf("got %+v, want escalated and still addressed to 320000", got)
	}
}
