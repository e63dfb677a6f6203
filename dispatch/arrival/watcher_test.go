package arrival_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/dispatch/arrival"
	"dispatchd/geo"
	"dispatchd/geo/fence"
	"dispatchd/realtime"
)

var (
	loc = geo.Point{Lon: 120.2, Lat: 30.25}
	t0  = time.Date(2026, 7, 14, 3, 0, 0, 0, time.UTC)
)

// off returns the fix of team dx metres east of loc, i*5 seconds after t0.
func off(team string, i int, dx float64) realtime.Position {
	return realtime.Position{Team: team, Lon: loc.Lon + dx/(111195*math.Cos(loc.Lat*math.Pi/180)), Lat: loc.Lat,
		TS: t0.Add(time.Duration(i) * 5 * time.Second)}
}

// marks records what the watcher writes, and fails while fail is set.
type marks struct {
	mu   sync.Mutex
	got  []string
	fail bool
}

func (m *marks) mark(kind, id string, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return false, errors.New("the store is down")
	}
	m.got = append(m.got, fmt.Sprintf("%s %s %s", kind, id, at.Format("15:04:05")))
	return true, nil
}

func (m *marks) MarkArrived(_ context.Context, id string, at time.Time) (bool, error) {
	return m.mark("arrived", id, at)
}

func (m *marks) MarkLeftScene(_ context.Context, id string, at time.Time) (bool, error) {
	return m.mark("left", id, at)
}

func (m *marks) MarkOrderArrived(_ context.Context, id string, at time.Time) (bool, error) {
	return m.mark("order", id, at)
}

func (m *marks) MarkOrderDeparted(_ context.Context, id string, at time.Time) (bool, error) {
	return m.mark("departed", id, at)
}

func (m *marks) list() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.got...)
}

func event(typ string, v any) dispatchd.Event {
	return dispatchd.NewEvent(typ, dispatchd.System, "", v)
}

func incident(id string, scene *dispatch.Scene) dispatchd.Event {
	return event("incident.created", &dispatch.Incident{ID: id, Location: loc, Status: dispatch.Responding, Scene: scene})
}

func task(id, team, in string, st dispatch.TaskStatus) dispatchd.Event {
	return event("task."+string(st), dispatch.TaskEvent{Task: &dispatch.Task{ID: id, Team: team, Incident: in, Status: st}})
}

// drain runs the watcher's queue into m until want marks are written.
func drain(t *testing.T, w *arrival.Watcher, m *marks, want int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx, m, func(error) {}); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(m.list()) < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	return m.list()
}

func TestWatcherFollowsEvents(t *testing.T) {
	w := arrival.New(arrival.Config{})
	w.Apply(incident("in1", &dispatch.Scene{RadiusM: 200}))
	// A fix before the task: nothing to watch.
	w.Moved([]realtime.Position{off("t1", 0, 0)})
	w.Apply(task("k1", "t1", "in1", dispatch.Assigned))
	w.Apply(task("k2", "t2", "in1", dispatch.EnRoute))
	if w.Len() != 2 {
		t.Fatalf("got %d targets, want 2", w.Len())
	}
	// t1 stands 150 m out for a minute and more (inside the 200 m scene);
	// t2 at 230 m, in the band, for as long: it never arrives.
	for i := 1; i <= 14; i++ {
		w.Moved([]realtime.Position{off("t1", i, 150), off("t2", i, 230), off("t3", i, 0)})
	}
	m := &marks{}
	if got := drain(t, w, m, 1); len(got) != 1 || got[0] != "arrived k1 03:00:05" {
		t.Fatalf("got %v, want k1 arrived at its first fix inside", got)
	}
	// The incident's scene grows to 500 m: t2 is now well inside.
	w.Apply(event("incident.updated", &dispatch.Incident{ID: "in1", Location: loc, Status: dispatch.Responding,
		Scene: &dispatch.Scene{RadiusM: 500}}))
	for i := 15; i <= 28; i++ {
		w.Moved([]realtime.Position{off("t2", i, 230)})
	}
	// The task of t1 is cancelled: its leaving is not news.
	w.Apply(task("k1", "t1", "in1", dispatch.TaskCancelled))
	for i := 29; i <= 45; i++ {
		w.Moved([]realtime.Position{off("t1", i, 5000)})
	}
	if got := drain(t, w, m, 2); len(got) != 2 || got[1] != "arrived k2 03:01:15" {
		t.Fatalf("got %v", got)
	}
	if w.Len() != 1 {
		t.Fatalf("got %d targets, want 1", w.Len())
	}
	// An order t3 carries, shipped: t3 parks at the scene.
	w.Apply(event("order.shipped", dispatch.OrderEvent{Order: &dispatch.Order{ID: "o1", Incident: "in1", Status: dispatch.Shipped, Carrier: "t3"}}))
	// Fixes of poor accuracy (1 km) do not count, however long.
	bad := 1000.0
	for i := 46; i <= 60; i++ {
		p := off("t3", i, 0)
		p.Accuracy = &bad
		w.Moved([]realtime.Position{p})
	}
	for i := 61; i <= 73; i++ {
		w.Moved([]realtime.Position{off("t3", i, 20)})
	}
	if got := drain(t, w, m, 3); len(got) != 3 || got[2] != "order o1 03:05:05" {
		t.Fatalf("got %v", got)
	}
	// A depot 1 km west: the carrier of o3 stands there, then drives
	// east to the scene; it departs at its first fix beyond 250 m.
	depot := geo.Point{Lon: loc.Lon - 1000/(111195*math.Cos(loc.Lat*math.Pi/180)), Lat: loc.Lat}
	w3 := arrival.New(arrival.Config{DepotAt: func(id string) (geo.Point, bool) { return depot, id == "d1" }})
	w3.Apply(incident("in1", nil))
	w3.Apply(event("order.shipped", dispatch.OrderEvent{Order: &dispatch.Order{ID: "o3", Incident: "in1", Depot: "d1", Status: dispatch.Shipped, Carrier: "t5"}}))
	route := []float64{-1000, -1000, -990, -900, -700, -500, -250, -100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	for i, dx := range route {
		w3.Moved([]realtime.Position{off("t5", i, dx)})
	}
	m3 := &marks{}
	if got := drain(t, w3, m3, 2); len(got) != 2 || got[0] != "departed o3 03:00:20" || got[1] != "order o3 03:00:30" {
		t.Fatalf("got %v, want departed at fix 4 and arrived at fix 6", got)
	}
	// A staging area elsewhere: the order's own destination.
	staging := geo.Point{Lon: loc.Lon + 0.1, Lat: loc.Lat}
	w2 := arrival.New(arrival.Config{Destination: func(o *dispatch.Order) *fence.Shape {
		if o.ID == "o2" {
			return fence.Circle(staging, 100)
		}
		return nil
	}})
	w2.Apply(incident("in1", nil))
	w2.Apply(event("order.shipped", dispatch.OrderEvent{Order: &dispatch.Order{ID: "o2", Incident: "in1", Status: dispatch.Shipped, Carrier: "t4"}}))
	for i := range 13 {
		w2.Moved([]realtime.Position{off("t4", i, 0)}) // at the scene: not its destination
	}
	for i := 13; i < 26; i++ {
		w2.Moved([]realtime.Position{{Team: "t4", Lon: staging.Lon, Lat: staging.Lat, TS: t0.Add(time.Duration(i) * 5 * time.Second)}})
	}
	m2 := &marks{}
	if got := drain(t, w2, m2, 1); len(got) != 1 || got[0] != "order o2 03:01:05" {
		t.Fatalf("got %v, want o2 arrived at the staging area", got)
	}
	w.Apply(event("order.arrived", dispatch.OrderEvent{Order: &dispatch.Order{ID: "o1", Incident: "in1", Status: dispatch.Shipped, Carrier: "t3", ArrivedAt: &t0}}))
	if w.Len() != 1 {
		t.Fatalf("got %d targets, want 1 (the arrived order is done)", w.Len())
	}
}

func TestWatcherRetries(t *testing.T) {
	w := arrival.New(arrival.Config{Dwell: 10 * time.Second, Queue: 1})
	w.Apply(incident("in1", nil)) // the default scene: 300 m
	w.Apply(task("k1", "t1", "in1", dispatch.EnRoute))
	w.Apply(task("k2", "t2", "in1", dispatch.EnRoute))
	for i := range 3 {
		w.Moved([]realtime.Position{off("t1", i, 100), off("t2", i, 100)})
	}
	// The queue holds one: t2's arrival waits for the next fix.
	if w.Dropped() == 0 {
		t.Fatal("want a change dropped on a full queue")
	}
	m := &marks{fail: true}
	ctx, cancel := context.WithCancel(context.Background())
	reported := make(chan error, 10)
	done := make(chan struct{})
	go func() { w.Run(ctx, m, func(err error) { reported <- err }); close(done) }()
	<-reported
	m.mu.Lock()
	m.fail = false
	m.mu.Unlock()
	// The next fixes confirm both again, with the time of the first.
	deadline := time.Now().Add(5 * time.Second)
	for i := 3; len(m.list()) < 2 && time.Now().Before(deadline); i++ {
		w.Moved([]realtime.Position{off("t1", i, 100), off("t2", i, 100)})
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	got := m.list()
	if len(got) != 2 || got[0] != "arrived k1 03:00:00" || got[1] != "arrived k2 03:00:00" {
		t.Fatalf("got %v", got)
	}
}

// TestWatcherRace runs fixes, events and the writer at once, for the race
// detector, and checks that every team arrives exactly once.
func TestWatcherRace(t *testing.T) {
	w := arrival.New(arrival.Config{Dwell: 20 * time.Second})
	w.Apply(incident("in1", &dispatch.Scene{Polygon: &dispatch.ScenePolygon{Type: "Polygon", Coordinates: [][][2]float64{{
		{loc.Lon - 0.01, loc.Lat - 0.01}, {loc.Lon + 0.01, loc.Lat - 0.01}, {loc.Lon + 0.01, loc.Lat + 0.01},
		{loc.Lon - 0.01, loc.Lat + 0.01}, {loc.Lon - 0.01, loc.Lat - 0.01}}}}}))
	const teams = 40
	for i := range teams {
		w.Apply(task(fmt.Sprintf("k%d", i), fmt.Sprintf("t%d", i), "in1", dispatch.EnRoute))
	}
	m := &marks{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Run(ctx, m, func(err error) { t.Error(err) }) }()
	var feeders sync.WaitGroup
	for g := range 4 {
		feeders.Add(1)
		go func() {
			defer feeders.Done()
			for i := range 30 {
				var ps []realtime.Position
				for k := g; k < teams; k += 4 {
					ps = append(ps, off(fmt.Sprintf("t%d", k), i, float64(100*(k%5))))
				}
				w.Moved(ps)
			}
		}()
	}
	feeders.Add(1)
	go func() {
		defer feeders.Done()
		for i := range 200 {
			// Events about others, while the fixes flow.
			w.Apply(task(fmt.Sprintf("x%d", i), fmt.Sprintf("other%d", i), "in1", dispatch.Assigned))
			w.Apply(task(fmt.Sprintf("x%d", i), fmt.Sprintf("other%d", i), "in1", dispatch.TaskCancelled))
			_ = w.Len()
		}
	}()
	feeders.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for len(m.list()) < teams && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	wg.Wait()
	if got := m.list(); len(got) != teams {
		t.Fatalf("got %d arrivals, want %d: %v", len(got), teams, got)
	}
	if w.Dropped() != 0 || w.Len() != teams {
		t.Fatalf("dropped %d, %d targets", w.Dropped(), w.Len())
	}
}
