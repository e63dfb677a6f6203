package dispatch

import (
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
)

// changer builds one Change from a Snapshot: rows, stock levels, ledger
// lines and events, kept in step.
type changer struct {
	s     *Service
	actor dispatchd.Actor
	snap  *Snapshot
	ch    *Change
	now   time.Time
	// in is the incident the change concerns: its events are scoped to
	// its type and region.
	in *Incident
	// stock holds the levels as this change leaves them; stockAt indexes
	// ch.Stock, so that a level changed twice is written once.
	stock   map[StockKey]resources.Stock
	stockAt map[StockKey]int
}

func newChanger(s *Service, actor dispatchd.Actor, snap *Snapshot, ch *Change, now time.Time) *changer {
	c := &changer{s: s, actor: actor, snap: snap, ch: ch, now: now, in: snap.Incident,
		stock: map[StockKey]resources.Stock{}, stockAt: map[StockKey]int{}}
	for k, v := range snap.Stock {
		c.stock[k] = v
	}
	return c
}

// emit appends an event about the change's incident, seen by whom sees
// the incident (its type and region) and by the regions given (a team's
// or depot's own).
func (c *changer) emit(typ, subject string, v any, regions ...string) int {
	return c.emitAs(c.in.Type, typ, subject, v, regions...)
}

// emitAs appends an event of the hazard given.
func (c *changer) emitAs(hazard, typ, subject string, v any, regions ...string) int {
	ev := c.s.event(typ, c.actor, subject, v, c.now)
	ev.Scoped(hazard, append([]string{placed(c.in.Region)}, regions...)...)
	c.ch.Events = append(c.ch.Events, ev)
	return len(c.ch.Events) - 1
}

// unplaced stands for the region of an incident that has none: no
// jurisdiction's subtree holds it, so only the whole deployment sees its
// events, as only the whole deployment sees it.
const unplaced = "000000"

func placed(region string) string {
	if region == "" {
		return unplaced
	}
	return region
}

// teamRegion and depotRegion are the regions of a team or depot of the
// snapshot ("" when it is not there).
func (c *changer) teamRegion(id string) string {
	if t, ok := c.snap.Teams[id]; ok {
		return t.Region
	}
	return ""
}

func (c *changer) depotRegion(id string) string {
	if d, ok := c.snap.Depots[id]; ok {
		return d.Region
	}
	return ""
}

// setTeam moves a team to the status its task implies.
func (c *changer) setTeam(team string, st resources.TeamStatus, task string) {
	t, ok := c.snap.Teams[team]
	if !ok || t.Status == st {
		return
	}
	t.Status = st
	if c.ch.TeamStatus == nil {
		c.ch.TeamStatus = map[string]resources.TeamStatus{}
	}
	c.ch.TeamStatus[team] = st
	// Team data is not a desk's: no hazard.
	c.emitAs("", "team.status", team, TeamStatusEvent{Team: team, Status: st, Task: task}, t.Region)
}

// putTask records a task's new state with an event, and moves its team.
func (c *changer) putTask(t *Task, typ string, offer []plan.Pick) {
	c.ch.Tasks = append(c.ch.Tasks, t)
	c.emit(typ, t.ID, TaskEvent{Task: t, Offer: offer}, c.teamRegion(t.Team))
	c.setTeam(t.Team, t.Status.teamStatus(), t.ID)
}

// endTask declines or cancels an active task, freeing its team.
func (c *changer) endTask(t *Task, st TaskStatus, reason, typ string) {
	t.setStatus(st, c.now)
	t.Reason = reason
	c.putTask(t, typ, nil)
}

// delta is a change to the on-hand and reserved levels of one order line.
type delta struct{ onHand, reserved int64 }

// putOrder records an order's new state with an event; unless the order is
// an exercise, it applies the deltas (one per line) to stock and writes a
// ledger line for each non-zero one.
func (c *changer) putOrder(o *Order, typ string, ds []delta, reason string) error {
	var levels []resources.Stock
	var ledger []resources.LedgerLine
	if !o.Exercise {
		for i, l := range o.Lines {
			d := ds[i]
			if d == (delta{}) {
				continue
			}
			k := StockKey{o.Depot, l.Item}
			st := c.stock[k]
			st.Depot, st.Item, st.Name, st.Unit = o.Depot, l.Item, l.Name, l.Unit
			st.OnHand += d.onHand
			st.Reserved += d.reserved
			if st.OnHand < 0 || st.Reserved < 0 || st.Reserved > st.OnHand {
				// The locks make this impossible; refuse rather than write it.
				return dispatchd.Errorf(dispatchd.ECONFLICT, "stock of %s at depot %s would be %d on hand with %d reserved",
					l.Item, o.DepotName, st.OnHand, st.Reserved)
			}
			st.Available = st.OnHand - st.Reserved
			st.UpdatedAt = c.now
			c.stock[k] = st
			if i, ok := c.stockAt[k]; ok {
				c.ch.Stock[i] = st
			} else {
				c.stockAt[k] = len(c.ch.Stock)
				c.ch.Stock = append(c.ch.Stock, st)
			}
			levels = append(levels, st)
			ledger = append(ledger, resources.LedgerLine{Depot: o.Depot, Item: l.Item, Delta: d.onHand, OnHand: st.OnHand,
				Reserved: st.Reserved, Reason: fmt.Sprintf("%s: order %s", reason, o.ID), Actor: c.actor.Name(), TS: c.now})
		}
	}
	c.ch.Orders = append(c.ch.Orders, o)
	ev := c.emit(typ, o.ID, OrderEvent{Order: o, Stock: levels}, c.depotRegion(o.Depot))
	for _, l := range ledger {
		c.ch.Ledger = append(c.ch.Ledger, LedgerEntry{Line: l, Event: ev})
	}
	return nil
}

// endOrder rejects or cancels an order that holds stock, releasing it.
func (c *changer) endOrder(o *Order, st OrderStatus, reason, typ string) error {
	ds := make([]delta, len(o.Lines))
	for i, l := range o.Lines {
		ds[i] = delta{reserved: -l.Committed}
	}
	o.Status, o.Reason, o.UpdatedAt, o.EndedAt = st, reason, c.now, &c.now
	return c.putOrder(o, typ, ds, "released ("+string(st)+")")
}
