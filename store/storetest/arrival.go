package storetest

import (
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/resources"
)

// testArrivalOnce marks arrivals and leavings as several nodes that see
// the same fixes do, at once: each change is written once, the first
// arrival time is kept, a task already on scene keeps its status and
// time, and nothing is written for an ended task.
func testArrivalOnce(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	in := b.incident(t, false)
	res := ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{
		{Team: "t1", Need: "water_rescue"}, {Team: "t2", Need: "water_rescue"}}})).get(t)
	k1, k2 := res.Tasks[0].ID, res.Tasks[1].ID
	at := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
	concurrently := func(mark func() (bool, error)) int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		n := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wrote, err := mark()
				if err != nil {
					t.Error(err)
				}
				if wrote {
					mu.Lock()
					n++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return n
	}
	if n := concurrently(func() (bool, error) { return b.svc.MarkArrived(c, k1, at) }); n != 1 {
		t.Fatalf("arrival written %d times, want once", n)
	}
	got := ok(s.GetTask(c, k1)).get(t)
	if got.Status != dispatch.OnScene || !got.ArrivedAt.Equal(at) || !got.OnSceneAt.Equal(at) || got.Fence != dispatch.FenceInside {
		t.Fatalf("got %+v, want on scene, arrived at %v", got, at)
	}
	if tm := ok(s.GetTeam(c, "t1")).get(t); tm.Status != resources.TeamOnScene {
		t.Fatalf("got team status %s, want on_scene", tm.Status)
	}
	left := at.Add(20 * time.Minute)
	if n := concurrently(func() (bool, error) { return b.svc.MarkLeftScene(c, k1, left) }); n != 1 {
		t.Fatalf("leaving written %d times, want once", n)
	}
	// Back again: a new task.arrived, the first arrival time kept. A stale
	// leaving (older than the fence's state) changes nothing.
	back := left.Add(5 * time.Minute)
	ok(b.svc.MarkArrived(c, k1, back)).get(t)
	if wrote := ok(b.svc.MarkLeftScene(c, k1, left.Add(time.Minute))).get(t); wrote {
		t.Fatal("a leaving older than the return was written")
	}
	got = ok(s.GetTask(c, k1)).get(t)
	if !got.ArrivedAt.Equal(at) || !got.FenceAt.Equal(back) || !got.LeftSceneAt.Equal(left) || got.Fence != dispatch.FenceInside {
		t.Fatalf("got %+v", got)
	}
	// t2's lead reported on scene first: the arrival is recorded, the
	// status and its time stay.
	lead2 := dispatchd.Actor{Username: "lead2", Role: dispatchd.RoleTeamLead, Team: "t2"}
	reported := ok(b.svc.Report(c, lead2, k2, dispatch.OnScene)).get(t)
	ok(b.svc.MarkArrived(c, k2, time.Now().UTC())).get(t)
	got = ok(s.GetTask(c, k2)).get(t)
	if got.ArrivedAt == nil || !got.OnSceneAt.Equal(*reported.OnSceneAt) {
		t.Fatalf("got %+v, want the reported on_scene_at kept", got)
	}
	ok(b.svc.Report(c, lead2, k2, dispatch.Completed)).get(t)
	if wrote := ok(b.svc.MarkLeftScene(c, k2, time.Now().UTC())).get(t); wrote {
		t.Fatal("a completed task's leaving was written")
	}
	evs := ok(s.IncidentEvents(c, in.ID)).get(t)
	count := map[string]int{}
	for _, ev := range evs {
		count[ev.Type]++
	}
	if count["task.arrived"] != 3 || count["task.left_scene"] != 1 || count["task.on_scene"] != 2 {
		t.Fatalf("got events %v", count)
	}
	// An order's carrier: arrival recorded once, the order still shipped.
	mgr := dispatchd.Actor{Username: "mgr", Role: dispatchd.RoleDepotManager, Depots: []string{"d1"}}
	o := ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{Orders: []dispatch.OrderRequest{
		{Depot: "d1", Lines: []resources.ItemQty{{Item: "1010101", Qty: 5}}}}})).get(t).Orders[0]
	if wrote := ok(b.svc.MarkOrderArrived(c, o.ID, at)).get(t); wrote {
		t.Fatal("an order not shipped arrived")
	}
	ok(b.svc.Confirm(c, mgr, o.ID, nil)).get(t)
	ok(b.svc.ShipWith(c, mgr, o.ID, "t4")).get(t)
	if n := concurrently(func() (bool, error) { return b.svc.MarkOrderDeparted(c, o.ID, at.Add(-time.Hour)) }); n != 1 {
		t.Fatalf("order departure written %d times, want once", n)
	}
	if n := concurrently(func() (bool, error) { return b.svc.MarkOrderArrived(c, o.ID, at) }); n != 1 {
		t.Fatalf("order arrival written %d times, want once", n)
	}
	got2 := ok(s.GetOrder(c, o.ID)).get(t)
	if got2.Status != dispatch.Shipped || got2.Carrier != "t4" || !got2.ArrivedAt.Equal(at) || !got2.DepartedAt.Equal(at.Add(-time.Hour)) {
		t.Fatalf("got %+v", got2)
	}
}
