// Package arrival watches the position path for teams arriving at and
// leaving the scenes of their tasks, and for the carriers of shipped
// orders arriving at their destination. Its Watcher holds, in memory, the
// active tasks by team with their incident's scene and the shipped orders
// by carrier, loaded from the store and kept current from the event feed;
// every live fix goes through Moved, which never blocks: the changes the
// fixes confirm (geo/fence decides, with hysteresis and a dwell) go on a
// bounded queue that Run writes through the dispatch service.
package arrival

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/geo"
	"dispatchd/geo/fence"
	"dispatchd/realtime"
)

// FeedBuffer is the event buffer of the watcher's subscription: as deep
// as the dispatch view's, which bulk imports do not overrun.
const FeedBuffer = 4096

// DefaultQueue is how many confirmed changes wait for Run.
const DefaultQueue = 1024

// Kind is what a target of the watcher is.
type Kind int8

// The kinds of targets.
const (
	// Task: a team's active task; its scene is its incident's.
	Task Kind = iota
	// Order: a shipped order; its carrier arrives at its destination.
	Order
	// Depart: a shipped order; its carrier leaves the depot.
	Depart
)

// DefaultDepotRadius is the fence of a depot, in metres.
const DefaultDepotRadius = 200.0

// Config tunes the watcher.
type Config struct {
	// Dwell is how long fixes must stay on one side (fence.DefaultDwell).
	Dwell time.Duration
	// SceneRadius is the scene of an incident recorded without one
	// (dispatch.DefaultSceneRadius).
	SceneRadius float64
	// Queue bounds the changes waiting for Run (DefaultQueue).
	Queue int
	// Destination, when set, gives the fence a shipped order arrives at
	// (a staging area); nil, or an answer of nil, means its incident's
	// scene.
	Destination func(o *dispatch.Order) *fence.Shape
	// DepotAt gives a depot's location: the carrier of a shipped order
	// departs when its fixes stay beyond DepotRadius of it; nil watches
	// no departures.
	DepotAt     func(id string) (geo.Point, bool)
	DepotRadius float64
}

// Transition is a change a team's fixes confirmed.
type Transition struct {
	Kind   Kind
	ID     string // the task's or order's
	Change fence.Change
	// At is when it happened: the first fix of the run that lasted.
	At time.Time
}

// Marker writes the changes (dispatch.Service); each method is
// idempotent and reports whether it wrote.
type Marker interface {
	MarkArrived(ctx context.Context, task string, at time.Time) (bool, error)
	MarkLeftScene(ctx context.Context, task string, at time.Time) (bool, error)
	MarkOrderArrived(ctx context.Context, order string, at time.Time) (bool, error)
	MarkOrderDeparted(ctx context.Context, order string, at time.Time) (bool, error)
}

// Source is what the watcher loads from (a dispatch.Store).
type Source interface {
	ListIncidents(ctx context.Context, f dispatch.IncidentFilter) ([]dispatch.Incident, error)
	ListTasks(ctx context.Context, f dispatch.TaskFilter) ([]dispatch.Task, error)
	ListOrders(ctx context.Context, f dispatch.OrderFilter) ([]dispatch.Order, error)
}

// scene is an incident's fence, shared by its targets; shape is replaced
// when the incident's scene or location changes, nil until known.
type scene struct{ shape *fence.Shape }

// target is one task or order the watcher follows.
type target struct {
	kind     Kind
	id, team string
	sc       *scene
	st       fence.State
}

// Watcher is the in-memory model of what may arrive where. Its methods
// are safe for concurrent use; the lock is held for map lookups and
// arithmetic only.
type Watcher struct {
	cfg Config
	mu  sync.Mutex
	// scenes holds the open incidents' scenes, by incident id.
	scenes map[string]*scene
	// byTeam holds each team's targets (one task; the orders it carries).
	byTeam  map[string][]*target
	targets map[key]*target
	q       chan Transition
	dropped atomic.Uint64
}

type key struct {
	kind Kind
	id   string
}

// New returns an empty watcher.
func New(cfg Config) *Watcher {
	if cfg.Dwell <= 0 {
		cfg.Dwell = fence.DefaultDwell
	}
	if cfg.SceneRadius <= 0 {
		cfg.SceneRadius = dispatch.DefaultSceneRadius
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.DepotRadius <= 0 {
		cfg.DepotRadius = DefaultDepotRadius
	}
	return &Watcher{cfg: cfg, scenes: map[string]*scene{}, byTeam: map[string][]*target{},
		targets: map[key]*target{}, q: make(chan Transition, cfg.Queue)}
}

// Moved takes live fixes, each its team's newest (the pipeline's moved
// callback). It never blocks: a change that finds the queue full is not
// taken, and the next fix confirms it again.
func (w *Watcher) Moved(ps []realtime.Position) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range ps {
		p := &ps[i]
		ts := w.byTeam[p.Team]
		if len(ts) == 0 {
			continue
		}
		acc := 0.0
		if p.Accuracy != nil {
			acc = *p.Accuracy
		}
		for _, t := range ts {
			w.observe(t, geo.Point{Lon: p.Lon, Lat: p.Lat}, p.TS, acc)
		}
	}
}

// observe steps one target with one fix; w.mu is held.
func (w *Watcher) observe(t *target, pt geo.Point, ts time.Time, acc float64) {
	sh := t.sc.shape
	if sh == nil || !sh.Trusts(acc) {
		return
	}
	next, ch, at := t.st.Step(sh.Classify(pt), ts, w.cfg.Dwell)
	if ch == fence.NoChange || t.kind == Order && ch == fence.Left || t.kind == Depart && ch == fence.Arrived {
		t.st = next
		return
	}
	select {
	case w.q <- Transition{Kind: t.kind, ID: t.id, Change: ch, At: at}:
		t.st = next
	default:
		w.dropped.Add(1)
	}
}

// Dropped is how many times a change found the queue full.
func (w *Watcher) Dropped() uint64 { return w.dropped.Load() }

// Len returns how many targets the watcher follows: each active task,
// and each shipped order's arrival and, until it happened, departure.
func (w *Watcher) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.targets)
}

// Run writes the changes through m until ctx ends. A change m fails to
// write (a store outage) goes to report, and its target is set back so
// that the next fix confirms it again, with the same time.
func (w *Watcher) Run(ctx context.Context, m Marker, report func(error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case tr := <-w.q:
			if err := w.write(ctx, m, tr); err != nil && ctx.Err() == nil {
				w.retry(tr)
				report(err)
			}
		}
	}
}

func (w *Watcher) write(ctx context.Context, m Marker, tr Transition) error {
	var err error
	switch {
	case tr.Kind == Order:
		_, err = m.MarkOrderArrived(ctx, tr.ID, tr.At)
	case tr.Kind == Depart:
		_, err = m.MarkOrderDeparted(ctx, tr.ID, tr.At)
	case tr.Change == fence.Arrived:
		_, err = m.MarkArrived(ctx, tr.ID, tr.At)
	default:
		_, err = m.MarkLeftScene(ctx, tr.ID, tr.At)
	}
	if err != nil && dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		return fmt.Errorf("mark %s %s at %s: %w", tr.Change, tr.ID, tr.At.Format(time.RFC3339), err)
	}
	return nil
}

// retry sets a target back to before the change, its run still standing.
func (w *Watcher) retry(tr Transition) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.targets[key{tr.Kind, tr.ID}]; ok {
		t.st.In, t.st.Since = tr.Change == fence.Left, tr.At
	}
}

// Load replaces the model with the open incidents, active tasks and
// shipped orders of src.
func (w *Watcher) Load(ctx context.Context, src Source) error {
	var ins []dispatch.Incident
	// A pre-positioning's scene is its staging area (dispatch/preposition.go).
	for _, kind := range []string{"", dispatch.KindPreposition} {
		err := pages(func(after string) (string, error) {
			page, err := src.ListIncidents(ctx, dispatch.IncidentFilter{Status: []dispatch.IncidentStatus{dispatch.Reported,
				dispatch.Confirmed, dispatch.Responding, dispatch.Stabilized}, Kind: kind, After: after, Limit: dispatch.MaxLimit})
			ins = append(ins, page...)
			return lastID(page, func(in dispatch.Incident) string { return in.ID }), err
		})
		if err != nil {
			return fmt.Errorf("load the incidents' scenes: %w", err)
		}
	}
	var tasks []dispatch.Task
	err := pages(func(after string) (string, error) {
		page, err := src.ListTasks(ctx, dispatch.TaskFilter{Status: []dispatch.TaskStatus{dispatch.Assigned,
			dispatch.Acknowledged, dispatch.EnRoute, dispatch.OnScene}, After: after, Limit: dispatch.MaxLimit})
		tasks = append(tasks, page...)
		return lastID(page, func(t dispatch.Task) string { return t.ID }), err
	})
	if err != nil {
		return fmt.Errorf("load the active tasks: %w", err)
	}
	var orders []dispatch.Order
	err = pages(func(after string) (string, error) {
		page, err := src.ListOrders(ctx, dispatch.OrderFilter{Status: []dispatch.OrderStatus{dispatch.Shipped}, After: after, Limit: dispatch.MaxLimit})
		orders = append(orders, page...)
		return lastID(page, func(o dispatch.Order) string { return o.ID }), err
	})
	if err != nil {
		return fmt.Errorf("load the shipped orders: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	old := w.targets
	w.scenes, w.byTeam, w.targets = map[string]*scene{}, map[string][]*target{}, map[key]*target{}
	for i := range ins {
		w.putIncident(&ins[i])
	}
	for i := range tasks {
		w.putTask(&tasks[i])
	}
	for i := range orders {
		w.putOrder(&orders[i])
	}
	// What the fixes showed before a reload stands.
	for k, t := range w.targets {
		if o, ok := old[k]; ok {
			t.st = o.st
		}
	}
	return nil
}

func pages(read func(after string) (string, error)) error {
	after := ""
	for {
		next, err := read(after)
		if err != nil || next == "" {
			return err
		}
		after = next
	}
}

// lastID is the id to read the next page after, "" when the page was the
// last.
func lastID[T any](page []T, id func(T) string) string {
	if len(page) < dispatch.MaxLimit {
		return ""
	}
	return id(page[len(page)-1])
}

// Apply brings the model up to date with one event.
func (w *Watcher) Apply(ev dispatchd.Event) {
	switch ev.Type {
	case "incident.created", "incident.updated", "preposition.created":
		var in dispatch.Incident
		if json.Unmarshal(ev.Data, &in) == nil && in.ID != "" {
			w.mu.Lock()
			w.putIncident(&in)
			w.mu.Unlock()
		}
	case "incident.status":
		var d dispatch.StatusEvent
		if json.Unmarshal(ev.Data, &d) == nil && !d.To.Open() {
			w.mu.Lock()
			delete(w.scenes, d.ID)
			w.mu.Unlock()
		}
	case "task.notified":
	default:
		switch {
		case strings.HasPrefix(ev.Type, "task."):
			var d dispatch.TaskEvent
			if json.Unmarshal(ev.Data, &d) == nil && d.Task != nil && d.Task.ID != "" {
				w.mu.Lock()
				w.putTask(d.Task)
				w.mu.Unlock()
			}
		case strings.HasPrefix(ev.Type, "order."):
			var d dispatch.OrderEvent
			if json.Unmarshal(ev.Data, &d) == nil && d.Order != nil && d.Order.ID != "" {
				w.mu.Lock()
				w.putOrder(d.Order)
				w.mu.Unlock()
			}
		}
	}
}

// sceneOf returns the incident's scene, made empty when unknown yet; w.mu
// is held.
func (w *Watcher) sceneOf(incident string) *scene {
	sc, ok := w.scenes[incident]
	if !ok {
		sc = &scene{}
		w.scenes[incident] = sc
	}
	return sc
}

func (w *Watcher) putIncident(in *dispatch.Incident) {
	if !in.Status.Open() {
		delete(w.scenes, in.ID)
		return
	}
	w.sceneOf(in.ID).shape = dispatch.SceneFence(in, w.cfg.SceneRadius)
}

func (w *Watcher) putTask(t *dispatch.Task) {
	if !t.Status.Active() {
		w.remove(key{Task, t.ID})
		return
	}
	w.put(key{Task, t.ID}, t.Team, w.sceneOf(t.Incident), t.Fence == dispatch.FenceInside)
}

func (w *Watcher) putOrder(o *dispatch.Order) {
	live := o.Status == dispatch.Shipped && o.Carrier != "" && o.ArrivedAt == nil
	k, d := key{Order, o.ID}, key{Depart, o.ID}
	if !live {
		w.remove(k)
		w.remove(d)
		return
	}
	sc := w.sceneOf(o.Incident)
	if w.cfg.Destination != nil {
		if sh := w.cfg.Destination(o); sh != nil {
			sc = &scene{shape: sh}
		}
	}
	w.put(k, o.Carrier, sc, false)
	if o.DepartedAt != nil || w.cfg.DepotAt == nil {
		w.remove(d)
		return
	}
	if at, ok := w.cfg.DepotAt(o.Depot); ok {
		// Shipped, the truck stands at the depot: it departs by leaving.
		w.put(d, o.Carrier, &scene{shape: fence.Circle(at, w.cfg.DepotRadius)}, true)
	}
}

// put adds a target, or keeps the one there (what its fixes showed
// stands) with the fence sc; w.mu is held.
func (w *Watcher) put(k key, team string, sc *scene, in bool) {
	if t, ok := w.targets[k]; ok && t.team == team {
		t.sc = sc
		return
	}
	w.remove(k)
	t := &target{kind: k.kind, id: k.id, team: team, sc: sc, st: fence.State{In: in}}
	w.targets[k] = t
	w.byTeam[team] = append(w.byTeam[team], t)
}

// remove drops a target; w.mu is held.
func (w *Watcher) remove(k key) {
	t, ok := w.targets[k]
	if !ok {
		return
	}
	delete(w.targets, k)
	ts := w.byTeam[t.team]
	for i, x := range ts {
		if x == t {
			ts[i] = ts[len(ts)-1]
			ts = ts[:len(ts)-1]
			break
		}
	}
	if len(ts) == 0 {
		delete(w.byTeam, t.team)
	} else {
		w.byTeam[t.team] = ts
	}
}

// Follow applies the feed's events until ctx ends (realtime.Follow),
// reloading from src when the subscription falls behind.
func (w *Watcher) Follow(ctx context.Context, feed *realtime.Feed, sub *realtime.Subscription, src Source, report func(error)) {
	realtime.Follow(ctx, feed, sub, FeedBuffer, w.Apply, func(ctx context.Context) error { return w.Load(ctx, src) }, report)
}
