package dispatch

import (
	"context"
	"fmt"

	"dispatchd"
	"dispatchd/resources"
)

// onOrder locks one order the actor sees and its stock and lets fn change
// it.
func (s *Service) onOrder(ctx context.Context, actor dispatchd.Actor, id string, may func(*Order) error, fn func(c *changer, o *Order) error) (*Order, error) {
	_, in, err := s.visibleOrder(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	var out *Order
	err = s.apply(ctx, Lock{Orders: []string{id}}, func(snap *Snapshot) (*Change, error) {
		o, ok := snap.Orders[id]
		if !ok || actor.Is(dispatchd.RoleDepotManager) && !actor.ManagesDepot(o.Depot) {
			return nil, orderNotFound(id)
		}
		if err := may(o); err != nil {
			return nil, err
		}
		ch := &Change{}
		c := newChanger(s, actor, snap, ch, s.now())
		c.in = in
		if err := fn(c, o); err != nil {
			return nil, err
		}
		out = o
		if len(ch.Events) == 0 {
			return nil, nil
		}
		return ch, nil
	})
	return out, err
}

// depotOnly lets through the manager of the order's depot.
func depotOnly(actor dispatchd.Actor) func(*Order) error {
	return func(o *Order) error {
		if actor.Is(dispatchd.RoleDepotManager) && actor.ManagesDepot(o.Depot) {
			return nil
		}
		return dispatchd.Errorf(dispatchd.EFORBIDDEN, "only a manager of depot %s may confirm, reject or ship its orders", o.DepotName)
	}
}

func wrongState(o *Order, verb string, want ...OrderStatus) error {
	return dispatchd.Errorf(dispatchd.ECONFLICT, "order %s is %s: only a %s order may be %s", o.ID, o.Status, resources.JoinEnum(want), verb)
}

// Confirm accepts an order. A line may commit less than asked, with a
// reason; the rest of its reservation is released and shows as short on
// the incident.
func (s *Service) Confirm(ctx context.Context, actor dispatchd.Actor, id string, lines []ConfirmLine) (*Order, error) {
	var f dispatchd.Fields
	for i := range lines {
		p := resources.Indexed("lines", i)
		if lines[i].Qty < 0 {
			f.Add(p+".qty", "must not be negative")
		}
		resources.CheckText(&f, p+".reason", &lines[i].Reason, false, 500)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.onOrder(ctx, actor, id, depotOnly(actor), func(c *changer, o *Order) error {
		if o.Status == OrderConfirmed && len(lines) == 0 {
			return nil // a retried confirmation
		}
		if o.Status != Requested {
			return wrongState(o, "confirmed", Requested)
		}
		ds := make([]delta, len(o.Lines))
		var f dispatchd.Fields
		seen := map[string]bool{}
		for i, cl := range lines {
			p := resources.Indexed("lines", i)
			j := lineOf(o, cl.Item)
			switch {
			case j < 0:
				f.Add(p+".item", "item %s is not on order %s", cl.Item, o.ID)
				continue
			case seen[cl.Item]:
				f.Add(p+".item", "item %s is listed twice", cl.Item)
				continue
			case cl.Qty > o.Lines[j].Qty:
				f.Add(p+".qty", "must be at most the %d asked", o.Lines[j].Qty)
				continue
			case cl.Qty < o.Lines[j].Qty && cl.Reason == "":
				f.Add(p+".reason", "is required when committing less than asked")
				continue
			}
			seen[cl.Item] = true
			l := &o.Lines[j]
			ds[j] = delta{reserved: cl.Qty - l.Committed}
			l.Committed, l.Reason = cl.Qty, cl.Reason
		}
		if err := f.Err(); err != nil {
			return err
		}
		o.Status, o.UpdatedAt, o.ConfirmedAt = OrderConfirmed, c.now, &c.now
		return c.putOrder(o, "order.confirmed", ds, "released (confirmed less than asked)")
	})
}

func lineOf(o *Order, item string) int {
	for i, l := range o.Lines {
		if l.Item == item {
			return i
		}
	}
	return -1
}

// Reject refuses an order with a reason, releasing its stock.
func (s *Service) Reject(ctx context.Context, actor dispatchd.Actor, id, reason string) (*Order, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, "reason", &reason, true, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.onOrder(ctx, actor, id, depotOnly(actor), func(c *changer, o *Order) error {
		if !o.Status.Holds() {
			return wrongState(o, "rejected", Requested, OrderConfirmed)
		}
		return c.endOrder(o, Rejected, reason, "order.rejected")
	})
}

// Ship records that a confirmed order left the depot: its committed
// quantities are taken from on hand.
func (s *Service) Ship(ctx context.Context, actor dispatchd.Actor, id string) (*Order, error) {
	return s.ShipWith(ctx, actor, id, "")
}

// ShipWith is Ship that names the carrier, the team whose tracker rides
// with the shipment (arrival.go), unless it is "": the depot's manager
// knows the truck that loads.
func (s *Service) ShipWith(ctx context.Context, actor dispatchd.Actor, id, carrier string) (*Order, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, "carrier", &carrier, false, 64)
	if carrier != "" && !s.proj.HasTeam(carrier) {
		f.Add("carrier", "unknown team %s", carrier)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.onOrder(ctx, actor, id, depotOnly(actor), func(c *changer, o *Order) error {
		if o.Status == Shipped {
			return nil
		}
		if o.Status != OrderConfirmed {
			return wrongState(o, "shipped", OrderConfirmed)
		}
		if carrier != "" {
			o.Carrier = carrier
		}
		ds := make([]delta, len(o.Lines))
		for i, l := range o.Lines {
			ds[i] = delta{onHand: -l.Committed, reserved: -l.Committed}
		}
		o.Status, o.UpdatedAt, o.ShippedAt = Shipped, c.now, &c.now
		return c.putOrder(o, "order.shipped", ds, "shipped")
	})
}

// Deliver records that a shipped order arrived. The command center or the
// lead of a team working on the incident may mark it: one with an active
// task there (assigned, acknowledged, en route or on scene), not one whose
// task was cancelled, declined or completed.
func (s *Service) Deliver(ctx context.Context, actor dispatchd.Actor, id string) (*Order, error) {
	o, _, err := s.visibleOrder(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !isCommand(actor) {
		if !actor.Is(dispatchd.RoleTeamLead) {
			return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "only a commander or a team lead at the incident may mark a delivery")
		}
		ts, err := s.store.ListTasks(ctx, TaskFilter{Incident: o.Incident, Team: actor.Team,
			Status: []TaskStatus{Assigned, Acknowledged, EnRoute, OnScene}, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(ts) == 0 {
			return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "your team has no active task on the incident of order %s", id)
		}
	}
	return s.onOrder(ctx, actor, id, func(*Order) error { return nil }, func(c *changer, o *Order) error {
		if o.Status == Delivered {
			return nil
		}
		if o.Status != Shipped {
			return wrongState(o, "delivered", Shipped)
		}
		o.Status, o.UpdatedAt, o.DeliveredAt = Delivered, c.now, &c.now
		return c.putOrder(o, "order.delivered", make([]delta, len(o.Lines)), "delivered")
	})
}

// CancelOrder withdraws an order that has not shipped, releasing its stock.
func (s *Service) CancelOrder(ctx context.Context, actor dispatchd.Actor, id, reason string) (*Order, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, "reason", &reason, false, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	command := func(*Order) error {
		if isCommand(actor) {
			return nil
		}
		return dispatchd.Errorf(dispatchd.EFORBIDDEN, "only a commander may cancel an order")
	}
	return s.onOrder(ctx, actor, id, command, func(c *changer, o *Order) error {
		if !o.Status.Holds() {
			return wrongState(o, "cancelled", Requested, OrderConfirmed)
		}
		if reason == "" {
			reason = fmt.Sprintf("cancelled by %s", actor.Name())
		}
		return c.endOrder(o, OrderCancelled, reason, "order.cancelled")
	})
}
