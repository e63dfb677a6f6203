package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/resources"
)

var commander = dispatchd.Actor{UserID: "u2", Username: "duty", Role: dispatchd.RoleCommander}

// board is a registry with two items, three depots and four teams around
// Hangzhou, and a dispatch service over it.
type board struct {
	reg  *resources.Service
	svc  *dispatch.Service
	proj *plan.Projection
	s    Store
}

func newBoard(t *testing.T, s Store) *board {
	t.Helper()
	c := ctx(t)
	reg := resources.NewService(s)
	ok(reg.CreateItem(c, actor, newItem("1010101", "帐篷"))).get(t)
	ok(reg.CreateItem(c, actor, newItem("3010101", "编织袋"))).get(t)
	ok(reg.CreateDepot(c, actor, newDepot("d1", "杭州市储备库", resources.Municipal, "330100", 120.15, 30.28))).get(t)
	ok(reg.CreateDepot(c, actor, newDepot("d2", "萧山区储备库", resources.County, "330109", 120.26, 30.18))).get(t)
	ok(reg.CreateDepot(c, actor, newDepot("d3", "富阳区储备库", resources.County, "330111", 119.96, 30.05))).get(t)
	for _, d := range []string{"d1", "d2", "d3"} {
		ok(reg.AdjustStock(c, actor, d, resources.AdjustRequest{Reason: "采购入库", Lines: []resources.Adjustment{
			{Item: "1010101", Delta: 100}, {Item: "3010101", Delta: 1000}}})).get(t)
	}
	ok(reg.CreateTeam(c, actor, newTeam("t1", "西湖水上救援队", resources.Social, "330106", 120.13, 30.25, "water_rescue"))).get(t)
	ok(reg.CreateTeam(c, actor, newTeam("t2", "滨江消防救援站", resources.FireRescue, "330108", 120.21, 30.21, "water_rescue", "collapse_search"))).get(t)
	ok(reg.CreateTeam(c, actor, newTeam("t3", "余杭水上救援队", resources.Social, "330110", 119.99, 30.42, "water_rescue"))).get(t)
	ok(reg.CreateTeam(c, actor, newTeam("t4", "省人民医院医疗队", resources.Medical, "330103", 120.17, 30.26, "medical"))).get(t)
	proj := plan.NewProjection(plan.ProjectionConfig{})
	ok(proj.Load(c, s)).get(t)
	return &board{reg: reg, svc: dispatch.NewService(s, proj, dispatch.Config{}), proj: proj, s: s}
}

// sync applies the events the projection has not seen, as the event feed
// would.
func (b *board) sync(t *testing.T) {
	t.Helper()
	for _, ev := range ok(b.s.ListEvents(ctx(t), b.proj.Last(), 10000)).get(t) {
		b.proj.Apply(ev)
	}
}

func (b *board) incident(t *testing.T, exercise bool) *dispatch.Incident {
	t.Helper()
	in := ok(b.svc.CreateIncident(ctx(t), commander, dispatch.Incident{Type: "flood", Level: 2, Title: "钱塘江堤坝管涌",
		Location: geo.Point{Lon: 120.2, Lat: 30.22}, Exercise: exercise,
		Needs: plan.Needs{Teams: []plan.TeamNeed{{Capability: "water_rescue", Count: 2}},
			Items: []resources.ItemQty{{Item: "1010101", Qty: 150}, {Item: "3010101", Qty: 500}}}})).get(t)
	b.sync(t)
	return in
}

func testDispatchAllOrNothing(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, false)
	before := len(events(t, s))
	// d1 has 100 tents; 150 asked: the whole dispatch must fail.
	_, err := b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{
		Tasks:  []dispatch.TaskRequest{{Team: "t1", Need: "water_rescue"}},
		Orders: []dispatch.OrderRequest{{Depot: "d1", Lines: []resources.ItemQty{{Item: "1010101", Qty: 150}}}}})
	wantCode(t, err, dispatchd.ECONFLICT)
	if f := dispatchd.ErrorFields(err); len(f) != 1 || f[0].Field != "orders[0].lines[0].qty" {
		t.Fatalf("got fields %+v, want one for orders[0].lines[0].qty", f)
	}
	if n := len(events(t, s)); n != before {
		t.Fatalf("a failed dispatch wrote %d events", n-before)
	}
	if ts := ok2(b.svc.Tasks(c, commander, dispatch.TaskFilter{Incident: in.ID})).a; len(ts) != 0 {
		t.Fatalf("a failed dispatch left tasks %+v", ts)
	}
	if st := level(t, s, "d1", "1010101"); st.Reserved != 0 {
		t.Fatalf("a failed dispatch reserved %d", st.Reserved)
	}
	if got := ok(s.GetTeam(c, "t1")).get(t); got.Status != resources.TeamAvailable {
		t.Fatalf("a failed dispatch moved team t1 to %s", got.Status)
	}

	res := ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{
		Tasks: []dispatch.TaskRequest{{Team: "t1", Need: "water_rescue"}, {Team: "t2", Need: "water_rescue", AckWithinS: 60}},
		Orders: []dispatch.OrderRequest{{Depot: "d1", Lines: []resources.ItemQty{{Item: "1010101", Qty: 100}, {Item: "3010101", Qty: 500}}},
			{Depot: "d2", Lines: []resources.ItemQty{{Item: "1010101", Qty: 50}}}}})).get(t)
	if len(res.Tasks) != 2 || len(res.Orders) != 2 {
		t.Fatalf("got %d tasks and %d orders, want 2 and 2", len(res.Tasks), len(res.Orders))
	}
	if tk := res.Tasks[1]; tk.Status != dispatch.Assigned || tk.AckBy.Sub(tk.CreatedAt) != time.Minute || tk.TeamName != "滨江消防救援站" {
		t.Fatalf("got task %+v", tk)
	}
	if st := level(t, s, "d1", "1010101"); st.OnHand != 100 || st.Reserved != 100 || st.Available != 0 {
		t.Fatalf("got d1 tents %+v, want 100 reserved of 100", st)
	}
	if got := ok(s.GetTeam(c, "t2")).get(t); got.Status != resources.TeamAssigned {
		t.Fatalf("got team t2 %s, want assigned", got.Status)
	}
	if got := ok(b.svc.Incident(c, actor, in.ID)).get(t); got.Status != dispatch.Responding {
		t.Fatalf("got incident %s, want responding after a dispatch", got.Status)
	}
	// A busy team cannot be tasked again.
	in2 := b.incident(t, false)
	_, err = b.svc.Dispatch(c, commander, in2.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{{Team: "t1"}}})
	wantCode(t, err, dispatchd.ECONFLICT)
	_, err = b.svc.Dispatch(c, commander, in2.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{{Team: "nope"}}})
	wantCode(t, err, dispatchd.EINVALID)

	// Every change is on the incident's timeline, in order.
	tl := ok(b.svc.Timeline(c, actor, in.ID)).get(t)
	var types []string
	for _, ev := range tl {
		types = append(types, ev.Type)
	}
	want := []string{"incident.created", "incident.status", "task.created", "task.created", "order.created", "order.created"}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Fatalf("got timeline %v, want %v", types, want)
	}
	ledger, _ := ok2(b.reg.Ledger(c, actor, resources.LedgerFilter{Depot: "d1", Item: "1010101"})).get(t)
	if ledger[0].Delta != 0 || ledger[0].Reserved != 100 || ledger[0].EventID != tl[4].ID {
		t.Fatalf("got ledger line %+v, want the reservation tied to event %d", ledger[0], tl[4].ID)
	}
}

func testOrderLifecycle(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, false)
	res := ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{Orders: []dispatch.OrderRequest{
		{Depot: "d1", Lines: []resources.ItemQty{{Item: "1010101", Qty: 80}, {Item: "3010101", Qty: 500}}},
		{Depot: "d2", Lines: []resources.ItemQty{{Item: "1010101", Qty: 30}}}}})).get(t)
	o1, o2 := res.Orders[0], res.Orders[1]
	mgr := dispatchd.Actor{Username: "mgr1", Role: dispatchd.RoleDepotManager, Depots: []string{"d1"}}
	other := dispatchd.Actor{Username: "mgr2", Role: dispatchd.RoleDepotManager, Depots: []string{"d3"}}

	_, err := b.svc.Confirm(c, other, o1.ID, nil)
	wantCode(t, err, dispatchd.ENOTFOUND)
	_, err = b.svc.Confirm(c, commander, o1.ID, nil)
	wantCode(t, err, dispatchd.EFORBIDDEN)
	_, err = b.svc.Confirm(c, mgr, o1.ID, []dispatch.ConfirmLine{{Item: "1010101", Qty: 60}})
	wantCode(t, err, dispatchd.EINVALID) // less without a reason
	_, err = b.svc.Ship(c, mgr, o1.ID)
	wantCode(t, err, dispatchd.ECONFLICT) // not confirmed yet

	got := ok(b.svc.Confirm(c, mgr, o1.ID, []dispatch.ConfirmLine{{Item: "1010101", Qty: 60, Reason: "20 顶受潮"}})).get(t)
	if got.Status != dispatch.OrderConfirmed || got.Lines[0].Committed != 60 || got.Lines[1].Committed != 500 {
		t.Fatalf("got %+v", got)
	}
	if st := level(t, s, "d1", "1010101"); st.Reserved != 60 || st.OnHand != 100 {
		t.Fatalf("after confirming 60 of 80 got %+v, want 60 reserved", st)
	}
	ok(b.svc.Ship(c, mgr, o1.ID)).get(t)
	if st := level(t, s, "d1", "1010101"); st.Reserved != 0 || st.OnHand != 40 {
		t.Fatalf("after shipping got %+v, want 40 on hand, none reserved", st)
	}
	if st := level(t, s, "d1", "3010101"); st.Reserved != 0 || st.OnHand != 500 {
		t.Fatalf("after shipping got %+v, want 500 on hand", st)
	}
	_, err = b.svc.CancelOrder(c, commander, o1.ID, "")
	wantCode(t, err, dispatchd.ECONFLICT) // shipped orders cannot be cancelled
	lead := dispatchd.Actor{Username: "lead", Role: dispatchd.RoleTeamLead, Team: "t4"}
	_, err = b.svc.Deliver(c, lead, o1.ID)
	wantCode(t, err, dispatchd.ENOTFOUND) // t4 never had a task on the incident: its orders are not the lead's to see
	if got := ok(b.svc.Deliver(c, commander, o1.ID)).get(t); got.Status != dispatch.Delivered || got.DeliveredAt == nil {
		t.Fatalf("got %+v, want delivered", got)
	}

	mgr2 := dispatchd.Actor{Username: "mgr2", Role: dispatchd.RoleDepotManager, Depots: []string{"d2"}}
	_, err = b.svc.Reject(c, mgr2, o2.ID, "")
	wantCode(t, err, dispatchd.EINVALID) // a reason is required
	ok(b.svc.Reject(c, mgr2, o2.ID, "道路中断")).get(t)
	if st := level(t, s, "d2", "1010101"); st.Reserved != 0 || st.OnHand != 100 {
		t.Fatalf("after rejecting got %+v, want the reservation released", st)
	}
	r := ok(b.svc.Review(c, actor, in.ID)).get(t)
	if it := r.Needs.Items[0]; it.Item != "1010101" || it.Asked != 150 || it.Ordered != 60 || it.Delivered != 60 || it.Short != 90 {
		t.Fatalf("got review of tents %+v, want 60 ordered and delivered, 90 short", it)
	}
	if o := r.Orders[0]; o.ToConfirmS == nil || o.ToDeliverS == nil || o.Order != o1.ID {
		t.Fatalf("got order review %+v", o)
	}
}

func testExerciseNeverTouchesStock(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, true)
	// A drill may order more than there is: nothing real is reserved.
	res := ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{
		Tasks:  []dispatch.TaskRequest{{Team: "t1", Need: "water_rescue"}},
		Orders: []dispatch.OrderRequest{{Depot: "d1", Lines: []resources.ItemQty{{Item: "1010101", Qty: 5000}}}}})).get(t)
	if !res.Orders[0].Exercise || !res.Tasks[0].Exercise {
		t.Fatalf("drill orders and tasks must be marked: %+v %+v", res.Orders[0], res.Tasks[0])
	}
	mgr := dispatchd.Actor{Username: "mgr1", Role: dispatchd.RoleDepotManager, Depots: []string{"d1"}}
	ok(b.svc.Confirm(c, mgr, res.Orders[0].ID, nil)).get(t)
	ok(b.svc.Ship(c, mgr, res.Orders[0].ID)).get(t)
	if st := level(t, s, "d1", "1010101"); st.OnHand != 100 || st.Reserved != 0 {
		t.Fatalf("a drill changed real stock: %+v", st)
	}
	ledger, _ := ok2(b.reg.Ledger(c, actor, resources.LedgerFilter{Depot: "d1", Item: "1010101"})).get(t)
	if len(ledger) != 1 {
		t.Fatalf("a drill wrote ledger lines: %+v", ledger)
	}
}

func testTaskLifecycle(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, false)
	res := ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{
		{Team: "t1", Need: "water_rescue"}, {Team: "t2", Need: "water_rescue"}}})).get(t)
	t1, t2 := res.Tasks[0], res.Tasks[1]
	lead1 := dispatchd.Actor{Username: "lead1", Role: dispatchd.RoleTeamLead, Team: "t1"}
	_, err := b.svc.Ack(c, lead1, t2.ID)
	wantCode(t, err, dispatchd.ENOTFOUND) // another team's task is invisible
	viewer := dispatchd.Actor{Username: "v", Role: dispatchd.RoleViewer}
	_, err = b.svc.Ack(c, viewer, t1.ID)
	wantCode(t, err, dispatchd.EFORBIDDEN)

	got := ok(b.svc.Ack(c, lead1, t1.ID)).get(t)
	if got.Status != dispatch.Acknowledged || got.AckedAt == nil {
		t.Fatalf("got %+v", got)
	}
	again := ok(b.svc.Ack(c, lead1, t1.ID)).get(t) // a retry changes nothing
	if !again.AckedAt.Equal(*got.AckedAt) {
		t.Fatalf("a second ack moved acked_at")
	}
	ok(b.svc.Report(c, lead1, t1.ID, dispatch.OnScene)).get(t)
	if tm := ok(s.GetTeam(c, "t1")).get(t); tm.Status != resources.TeamOnScene {
		t.Fatalf("got team status %s, want on_scene", tm.Status)
	}
	_, err = b.svc.Report(c, lead1, t1.ID, "flying")
	wantCode(t, err, dispatchd.EINVALID)
	done := ok(b.svc.Report(c, lead1, t1.ID, dispatch.Completed)).get(t)
	if done.EnRouteAt == nil || done.CompletedAt == nil {
		t.Fatalf("skipped steps must be stamped: %+v", done)
	}
	if tm := ok(s.GetTeam(c, "t1")).get(t); tm.Status != resources.TeamAvailable {
		t.Fatalf("got team status %s after completion, want available", tm.Status)
	}
	_, err = b.svc.Decline(c, lead1, t1.ID, "too late")
	wantCode(t, err, dispatchd.ECONFLICT)

	// t2 declines; another team with the capability (t1, free again, or
	// t3), never t2 itself, is offered and takes over in one call.
	b.sync(t)
	lead2 := dispatchd.Actor{Username: "lead2", Role: dispatchd.RoleTeamLead, Team: "t2"}
	ok(b.svc.Decline(c, lead2, t2.ID, "车辆故障")).get(t)
	b.sync(t)
	rep := ok(b.svc.Replace(c, commander, t2.ID, dispatch.ReplaceRequest{})).get(t)
	if rep.Task.Team != "t1" && rep.Task.Team != "t3" || rep.Task.Replaces != t2.ID || rep.Replaced.ReplacedBy != rep.Task.ID {
		t.Fatalf("got replacement %+v", rep)
	}
	_, err = b.svc.Replace(c, commander, t2.ID, dispatch.ReplaceRequest{Team: "t1"})
	wantCode(t, err, dispatchd.ECONFLICT) // already replaced
}

// testEscalation checks that an unanswered task is escalated exactly once,
// however many escalators run at once.
func testEscalation(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, false)
	res := ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{
		{Team: "t1", Need: "water_rescue", AckWithinS: 10}, {Team: "t2", Need: "water_rescue", AckWithinS: 10}}})).get(t)
	lead2 := dispatchd.Actor{Username: "lead2", Role: dispatchd.RoleTeamLead, Team: "t2"}
	ok(b.svc.Ack(c, lead2, res.Tasks[1].ID)).get(t)
	b.sync(t)
	if n := ok(b.svc.EscalateDue(c)).get(t); n != 0 {
		t.Fatalf("escalated %d tasks before their deadline", n)
	}
	later := time.Now().Add(11 * time.Second)
	escalateConcurrently(t, s, b.proj, later, func(svc *dispatch.Service) (int, error) { return svc.EscalateDue(c) })
	got := ok(b.svc.Task(c, commander, res.Tasks[0].ID)).get(t)
	if !got.Escalated || got.EscalatedAt == nil || got.Status != dispatch.Assigned {
		t.Fatalf("got %+v, want escalated and still assigned", got)
	}
	var esc []dispatchd.Event
	for _, ev := range events(t, s) {
		if ev.Type == "task.escalated" {
			esc = append(esc, ev)
		}
	}
	if len(esc) != 1 || esc[0].Subject != got.ID || esc[0].Actor != "system" {
		t.Fatalf("got escalation events %+v", esc)
	}
	if r := ok(b.svc.Review(c, actor, in.ID)).get(t); r.Escalations != 1 || r.ToFirstTaskS == nil {
		t.Fatalf("got review %+v", r)
	}
}

// testConcurrentOrders fires 64 orders at once at a depot holding less
// than they ask: exactly the stock is reserved, never more.
func testConcurrentOrders(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, false)
	const n, each = 64, 7 // 448 tents asked of the 100 held: 14 orders fit
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, short := 0, 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{Orders: []dispatch.OrderRequest{
				{Depot: "d3", Lines: []resources.ItemQty{{Item: "1010101", Qty: each}}}}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case dispatchd.ErrorCode(err) == dispatchd.ECONFLICT:
				short++
			default:
				t.Errorf("order failed: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 100/each || short != n-won {
		t.Fatalf("got %d orders placed and %d refused, want %d and %d", won, short, 100/each, n-100/each)
	}
	st := level(t, s, "d3", "1010101")
	if st.Reserved != int64(won*each) || st.Available != 100-int64(won*each) || st.Available < 0 {
		t.Fatalf("got %+v, want %d reserved", st, won*each)
	}
}

func testCancelIncidentReleases(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, false)
	ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{
		Tasks:  []dispatch.TaskRequest{{Team: "t1", Need: "water_rescue"}},
		Orders: []dispatch.OrderRequest{{Depot: "d1", Lines: []resources.ItemQty{{Item: "1010101", Qty: 40}}}}})).get(t)
	_, err := b.svc.SetIncidentStatus(c, commander, in.ID, dispatch.Closed, "")
	wantCode(t, err, dispatchd.ECONFLICT) // responding cannot close directly
	ok(b.svc.SetIncidentStatus(c, commander, in.ID, dispatch.Stabilized, "")).get(t)
	_, err = b.svc.SetIncidentStatus(c, commander, in.ID, dispatch.Closed, "")
	wantCode(t, err, dispatchd.ECONFLICT) // a task and an order are open
	got := ok(b.svc.SetIncidentStatus(c, commander, in.ID, dispatch.Cancelled, "误报")).get(t)
	if got.Status != dispatch.Cancelled || got.ClosedAt == nil {
		t.Fatalf("got %+v", got)
	}
	if st := level(t, s, "d1", "1010101"); st.Reserved != 0 {
		t.Fatalf("cancelling the incident left %d reserved", st.Reserved)
	}
	if tm := ok(s.GetTeam(c, "t1")).get(t); tm.Status != resources.TeamAvailable {
		t.Fatalf("cancelling the incident left team t1 %s", tm.Status)
	}
	ts, _ := ok2(b.svc.Tasks(c, commander, dispatch.TaskFilter{Incident: in.ID})).get(t)
	if ts[0].Status != dispatch.TaskCancelled {
		t.Fatalf("got task %s, want cancelled", ts[0].Status)
	}
	_, err = b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{{Team: "t2"}}})
	wantCode(t, err, dispatchd.ECONFLICT)
	_, err = b.svc.UpdateIncident(c, commander, in.ID, dispatch.IncidentPatch{})
	wantCode(t, err, dispatchd.ECONFLICT)
}

func testIncidentFilters(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	real := b.incident(t, false)
	drill := b.incident(t, true)
	yes, no := true, false
	for _, tt := range []struct {
		name string
		f    dispatch.IncidentFilter
		want []string
	}{
		{"all newest first", dispatch.IncidentFilter{}, []string{drill.ID, real.ID}},
		{"exercise", dispatch.IncidentFilter{Exercise: &yes}, []string{drill.ID}},
		{"real", dispatch.IncidentFilter{Exercise: &no}, []string{real.ID}},
		{"status", dispatch.IncidentFilter{Status: []dispatch.IncidentStatus{dispatch.Closed}}, nil},
		{"level", dispatch.IncidentFilter{Level: 2}, []string{drill.ID, real.ID}},
		{"bbox out", dispatch.IncidentFilter{BBox: bbox(100, 20, 110, 25)}, nil},
		{"from future", dispatch.IncidentFilter{From: time.Now().Add(time.Hour)}, nil},
		{"page", dispatch.IncidentFilter{Limit: 1, After: drill.ID}, []string{real.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := ok2(b.svc.Incidents(c, actor, tt.f)).get(t)
			var ids []string
			for _, in := range got {
				ids = append(ids, in.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
		})
	}
	_, err := b.svc.Incident(c, actor, "nope")
	wantCode(t, err, dispatchd.ENOTFOUND)
	var e *dispatchd.Error
	_, err = b.svc.CreateIncident(c, commander, dispatch.Incident{Type: "Flood!", Level: 7})
	if !errors.As(err, &e) || len(e.Fields) < 3 {
		t.Fatalf("got %v, want field errors for type, level, title and location", err)
	}
}

// escalateConcurrently runs escalate on four services over s at once, each
// with its clock at later, and checks that together they escalated
// exactly once.
func escalateConcurrently(t *testing.T, s Store, proj *plan.Projection, later time.Time, escalate func(*dispatch.Service) (int, error)) {
	t.Helper()
	var wg sync.WaitGroup
	counts := make([]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		svc := dispatch.NewService(s, proj, dispatch.Config{})
		svc.SetClock(func() time.Time { return later })
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = escalate(svc)
		}()
	}
	wg.Wait()
	total := 0
	for i := range counts {
		noErr(t, errs[i])
		total += counts[i]
	}
	if total != 1 {
		t.Fatalf("escalated %d times, want exactly once", total)
	}
}
