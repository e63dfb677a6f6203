package dispatch

import (
	"context"
	"time"

	"dispatchd"
)

// The fence states of a task (Task.Fence).
const (
	FenceInside  = "inside"
	FenceOutside = "outside"
)

// How a task's arrival was known (TaskReview.ArrivedBy).
const (
	ArrivedByGeofence = "geofence"
	ArrivedByStatus   = "status"
)

// Arrival returns when the task's team arrived and how that is known: by
// geofence (its tracker) when it is, else by the on_scene its lead
// reported; nil when neither.
func (t *Task) Arrival() (*time.Time, string) {
	switch {
	case t.ArrivedAt != nil:
		return t.ArrivedAt, ArrivedByGeofence
	case t.OnSceneAt != nil:
		return t.OnSceneAt, ArrivedByStatus
	}
	return nil, ""
}

// ArrivalEvent is the data of task.arrived and task.left_scene: the task
// as it now is and the time of the first fix of the run that confirmed
// the change (At), which the task's arrived_at keeps only for the first
// arrival.
type ArrivalEvent struct {
	*Task
	At time.Time `json:"at"`
}

// OrderArrivalEvent is the data of order.arrived.
type OrderArrivalEvent struct {
	*Order
	At time.Time `json:"at"`
}

// MarkArrived records that the team of an active task arrived at its
// incident's scene at at, as its tracker's fixes showed (package
// dispatch/arrival decides when). The task keeps its first arrival time,
// stands "inside", and gets a task.arrived event; unless the team already
// reported on_scene (or more), the task moves to on_scene as of at, with
// the task.on_scene event and team status a lead's report makes. It is
// idempotent: a task already inside, or whose fence changed after at, is
// left alone, so that several nodes observing the same fixes write once.
// It reports whether it wrote.
func (s *Service) MarkArrived(ctx context.Context, task string, at time.Time) (bool, error) {
	at = at.UTC().Truncate(time.Microsecond)
	return s.onFence(ctx, task, func(c *changer, t *Task) {
		if t.Fence == FenceInside || t.FenceAt != nil && t.FenceAt.After(at) {
			return
		}
		if t.ArrivedAt == nil {
			t.ArrivedAt = &at
		}
		t.Fence, t.FenceAt, t.UpdatedAt = FenceInside, &at, c.now
		c.emit("task.arrived", t.ID, ArrivalEvent{Task: t, At: at}, c.teamRegion(t.Team))
		if !t.canReport(OnScene) {
			c.ch.Tasks = append(c.ch.Tasks, t)
			return
		}
		// The step a lead's report makes, dated by the arrival.
		t.setStatus(OnScene, at)
		t.UpdatedAt = c.now
		c.putTask(t, "task.on_scene", nil)
	})
}

// MarkLeftScene records that the team of an active task that had arrived
// left the scene at at, with a task.left_scene event; the task's status
// stays as it is (a commander decides what it means). Idempotent as
// MarkArrived; it reports whether it wrote.
func (s *Service) MarkLeftScene(ctx context.Context, task string, at time.Time) (bool, error) {
	at = at.UTC().Truncate(time.Microsecond)
	return s.onFence(ctx, task, func(c *changer, t *Task) {
		if t.Fence != FenceInside || t.FenceAt != nil && t.FenceAt.After(at) {
			return
		}
		t.Fence, t.FenceAt, t.LeftSceneAt, t.UpdatedAt = FenceOutside, &at, &at, c.now
		c.ch.Tasks = append(c.ch.Tasks, t)
		c.emit("task.left_scene", t.ID, ArrivalEvent{Task: t, At: at}, c.teamRegion(t.Team))
	})
}

// onFence locks an active task for a change its tracker's fixes made, as
// the system.
func (s *Service) onFence(ctx context.Context, id string, fn func(c *changer, t *Task)) (bool, error) {
	_, in, err := s.visibleTask(ctx, dispatchd.System, id)
	if err != nil {
		return false, err
	}
	wrote := false
	err = s.apply(ctx, Lock{Tasks: []string{id}}, func(snap *Snapshot) (*Change, error) {
		t, ok := snap.Tasks[id]
		if !ok || !t.Status.Active() {
			return nil, nil // ended meanwhile
		}
		ch := &Change{}
		c := newChanger(s, dispatchd.System, snap, ch, s.now())
		c.in = in
		fn(c, t)
		if len(ch.Events) == 0 {
			return nil, nil
		}
		wrote = true
		return ch, nil
	})
	return wrote, err
}

// MarkOrderArrived records that the carrier of a shipped order arrived at
// its destination at at, with an order.arrived event; the order stays
// shipped until a person confirms the delivery. Idempotent: an order that
// arrived already, or is no longer shipped, is left alone. It reports
// whether it wrote.
func (s *Service) MarkOrderArrived(ctx context.Context, order string, at time.Time) (bool, error) {
	return s.onCarrier(ctx, order, "order.arrived", at, func(o *Order) **time.Time { return &o.ArrivedAt })
}

// MarkOrderDeparted records that the carrier of a shipped order left its
// depot at at, with an order.departed event; idempotent as
// MarkOrderArrived.
func (s *Service) MarkOrderDeparted(ctx context.Context, order string, at time.Time) (bool, error) {
	return s.onCarrier(ctx, order, "order.departed", at, func(o *Order) **time.Time { return &o.DepartedAt })
}

// onCarrier stamps the time field of a shipped order that is not stamped
// yet, with an event of type typ, as the system.
func (s *Service) onCarrier(ctx context.Context, order, typ string, at time.Time, field func(*Order) **time.Time) (bool, error) {
	at = at.UTC().Truncate(time.Microsecond)
	_, in, err := s.visibleOrder(ctx, dispatchd.System, order)
	if err != nil {
		return false, err
	}
	wrote := false
	err = s.apply(ctx, Lock{Orders: []string{order}}, func(snap *Snapshot) (*Change, error) {
		o, ok := snap.Orders[order]
		if !ok || o.Status != Shipped || *field(o) != nil {
			return nil, nil
		}
		ch := &Change{}
		c := newChanger(s, dispatchd.System, snap, ch, s.now())
		c.in = in
		*field(o) = &at
		o.UpdatedAt = c.now
		ch.Orders = append(ch.Orders, o)
		c.emit(typ, o.ID, OrderArrivalEvent{Order: o, At: at}, c.depotRegion(o.Depot))
		wrote = true
		return ch, nil
	})
	return wrote, err
}
