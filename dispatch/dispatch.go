package dispatch

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
)

// DispatchRequest is a plan to carry out: tasks for teams and orders to
// depots, created together or not at all.
type DispatchRequest struct {
	Tasks  []TaskRequest  `json:"tasks"`
	Orders []OrderRequest `json:"orders"`
	// Suggestion names the suggestion the dispatch carries out, if any,
	// and Skipped says why some of its picks or lines were passed over.
	Suggestion string `json:"suggestion,omitempty"`
	Skipped    []Skip `json:"skipped,omitempty"`
}

// PlanRequest is the dispatch that carries out the suggestion as it
// stands, naming it: a task for each own pick, for the need it was picked for, and an
// order to each own depot of the item plans, with that depot's lines in
// plan order. What needs support is left to the support request
// (PlanSupport). It is built for the answer, not with the plan: a plan is
// computed far more often than it is read.
func PlanRequest(s *plan.Suggestion) DispatchRequest {
	r := DispatchRequest{Tasks: []TaskRequest{}, Orders: []OrderRequest{}, Suggestion: s.ID}
	for _, tp := range s.Teams {
		for _, pk := range tp.Picks {
			if !pk.NeedsSupport {
				r.Tasks = append(r.Tasks, TaskRequest{Team: pk.Team.ID, Need: tp.Need})
			}
		}
	}
	at := map[string]int{} // depot -> its order in r.Orders
	for _, ip := range s.Items {
		for _, l := range ip.Plan {
			if l.Qty <= 0 || l.NeedsSupport {
				continue
			}
			i, ok := at[l.Depot.ID]
			if !ok {
				i = len(r.Orders)
				at[l.Depot.ID] = i
				r.Orders = append(r.Orders, OrderRequest{Depot: l.Depot.ID})
			}
			r.Orders[i].Lines = append(r.Orders[i].Lines, resources.ItemQty{Item: ip.Item, Qty: l.Qty})
		}
	}
	return r
}

// DispatchResult is what a dispatch created.
type DispatchResult struct {
	Tasks  []*Task  `json:"tasks"`
	Orders []*Order `json:"orders"`
}

// Limits of one dispatch.
const (
	maxDispatchTasks  = 200
	maxDispatchOrders = 500
	maxOrderLines     = 200
	maxAckWithin      = 24 * 3600
	minAckWithin      = 10
)

func (s *Service) validateDispatch(r *DispatchRequest) error {
	var f dispatchd.Fields
	if len(r.Tasks)+len(r.Orders) == 0 {
		f.Add("tasks", "a dispatch needs at least one task or order")
	}
	if len(r.Tasks) > maxDispatchTasks {
		f.Add("tasks", "must list at most %d tasks", maxDispatchTasks)
	}
	if len(r.Orders) > maxDispatchOrders {
		f.Add("orders", "must list at most %d orders", maxDispatchOrders)
	}
	teams := map[string]int{}
	for i := range r.Tasks {
		t := &r.Tasks[i]
		p := resources.Indexed("tasks", i)
		resources.CheckText(&f, p+".team", &t.Team, true, 64)
		if j, ok := teams[t.Team]; ok && t.Team != "" {
			f.Add(p+".team", "team %s is already tasked in tasks[%d]", t.Team, j)
		}
		teams[t.Team] = i
		if t.Need != "" && !typeRE.MatchString(t.Need) {
			f.Add(p+".need", "must be a capability such as water_rescue")
		}
		resources.CheckText(&f, p+".instructions", &t.Instructions, false, 2000)
		resources.CheckText(&f, p+".support_request", &t.SupportRequest, false, 64)
		if t.AckWithinS == 0 {
			t.AckWithinS = int(s.cfg.AckWithin / time.Second)
		}
		if t.AckWithinS < minAckWithin || t.AckWithinS > maxAckWithin {
			f.Add(p+".ack_within_s", "must be between %d and %d seconds", minAckWithin, maxAckWithin)
		}
	}
	for i := range r.Orders {
		o := &r.Orders[i]
		p := resources.Indexed("orders", i)
		resources.CheckText(&f, p+".depot", &o.Depot, true, 64)
		resources.CheckText(&f, p+".support_request", &o.SupportRequest, false, 64)
		resources.CheckText(&f, p+".carrier", &o.Carrier, false, 64)
		if o.Carrier != "" && !s.proj.HasTeam(o.Carrier) {
			f.Add(p+".carrier", "unknown team %s", o.Carrier)
		}
		if len(o.Lines) == 0 || len(o.Lines) > maxOrderLines {
			f.Add(p+".lines", "must list between 1 and %d lines", maxOrderLines)
		}
		resources.CheckItemQtys(&f, p+".lines", o.Lines)
		s.checkItems(&f, p+".lines", o.Lines)
	}
	return f.Err()
}

// Dispatch creates every task and order of the request and reserves their
// stock in one transaction, or nothing: a team that is busy or
// unavailable, or a depot short of stock, fails the whole dispatch with a
// conflict that lists each problem.
func (s *Service) Dispatch(ctx context.Context, actor dispatchd.Actor, incident string, r DispatchRequest) (*DispatchResult, error) {
	if err := s.validateDispatch(&r); err != nil {
		return nil, err
	}
	prop, err := s.proposalFor(ctx, incident, &r)
	if err != nil {
		return nil, err
	}
	var out *DispatchResult
	err = s.apply(ctx, dispatchLock(incident, &r, prop), func(snap *Snapshot) (*Change, error) {
		in := snap.Incident
		if err := s.check(ctx, actor, in); err != nil {
			return nil, err
		}
		if err := notPreposition(in); err != nil {
			return nil, err
		}
		if !in.Status.Open() {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "incident %s is %s: nothing more can be dispatched to it", in.ID, in.Status)
		}
		ch := &Change{}
		res, err := s.dispatchInto(newChanger(s, actor, snap, ch, s.now()), in, r, prop)
		if err != nil {
			return nil, err
		}
		out = res
		return ch, nil
	})
	return out, err
}

// dispatchLock names the rows a dispatch of r to the incident locks; it
// marks r's tasks and orders with the suggestion they carry out.
func dispatchLock(incident string, r *DispatchRequest, prop *Proposal) Lock {
	lock := Lock{Incident: incident}
	for i, t := range r.Tasks {
		if prop != nil {
			r.Tasks[i].suggestion = prop.ID
		}
		lock.Teams = append(lock.Teams, t.Team)
		lock.Support = appendNonEmpty(lock.Support, t.SupportRequest)
	}
	for i, o := range r.Orders {
		if prop != nil {
			r.Orders[i].suggestion = prop.ID
		}
		lock.Support = appendNonEmpty(lock.Support, o.SupportRequest)
		lock.Depots = append(lock.Depots, o.Depot)
		for _, l := range o.Lines {
			lock.Stock = append(lock.Stock, StockKey{o.Depot, l.Item})
		}
	}
	return lock
}

// dispatchInto creates every task and order of r for the open incident
// in, within the change c: all of them, or an error that lists each
// problem. Both the dispatch to an incident and a pre-positioning
// (preposition.go) carry out their plans through it.
func (s *Service) dispatchInto(c *changer, in *Incident, r DispatchRequest, prop *Proposal) (*DispatchResult, error) {
	if in.Status == Reported || in.Status == Confirmed {
		from := in.Status
		in.Status, in.UpdatedAt = Responding, c.now
		c.ch.Incident = in
		c.emit("incident.status", in.ID, StatusEvent{ID: in.ID, From: from, To: Responding, Reason: "dispatched"})
	}
	res := &DispatchResult{Tasks: []*Task{}, Orders: []*Order{}}
	var bad, short dispatchd.Fields
	sup := c.supportLinks(in) // support requests: supportops.go
	for i, tr := range r.Tasks {
		if !sup.checkTask(&bad, &short, i, tr) {
			continue
		}
		t, err := c.newTask(in, tr, "")
		if err != nil {
			addErr(&bad, &short, resources.Indexed("tasks", i)+".team", err)
			continue
		}
		res.Tasks = append(res.Tasks, t)
	}
	for i, or := range r.Orders {
		if !sup.checkOrder(&bad, &short, i, or) {
			continue
		}
		o, err := c.newOrder(in, or, resources.Indexed("orders", i), &short)
		if err != nil {
			addErr(&bad, &short, resources.Indexed("orders", i)+".depot", err)
			continue
		}
		if o != nil {
			res.Orders = append(res.Orders, o)
		}
	}
	if len(bad) > 0 {
		return nil, bad.Err()
	}
	if len(short) > 0 {
		e := dispatchd.Invalid(short...)
		e.Code = dispatchd.ECONFLICT
		e.Message = fmt.Sprintf("nothing was dispatched: %s", summarize(short))
		return nil, e
	}
	sup.record(res)
	if prop != nil {
		c.choose(prop, r.Skipped, res)
	}
	return res, nil
}

func summarize(f dispatchd.Fields) string {
	if len(f) == 1 {
		return f[0].Field + ": " + f[0].Message
	}
	return fmt.Sprintf("%d problems, the first %s: %s", len(f), f[0].Field, f[0].Message)
}

// addErr files an error under the field: not-found and invalid errors
// (a team or depot outside the jurisdiction) as invalid input, conflicts as
// what is short.
func addErr(bad, short *dispatchd.Fields, field string, err error) {
	if code := dispatchd.ErrorCode(err); code == dispatchd.ENOTFOUND || code == dispatchd.EINVALID {
		bad.Add(field, "%s", dispatchd.ErrorMessage(err))
		return
	}
	short.Add(field, "%s", dispatchd.ErrorMessage(err))
}

// newTask assigns a team to the incident; the team must be locked in the
// snapshot.
func (c *changer) newTask(in *Incident, tr TaskRequest, replaces string) (*Task, error) {
	team, ok := c.snap.Teams[tr.Team]
	switch {
	case !ok:
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "team %s not found", tr.Team)
	case !commands(c.actor, team.Region):
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "%s", outside(c.actor, "team", team.Name, team.Region))
	case c.snap.Busy[tr.Team] != "":
		return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "%s is already on task %s; cancel or complete it first", team.Name, c.snap.Busy[tr.Team])
	case team.Status == resources.TeamUnavailable:
		return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "%s is marked unavailable", team.Name)
	}
	if tr.AckWithinS == 0 {
		tr.AckWithinS = int(c.s.cfg.AckWithin / time.Second)
	}
	t := &Task{ID: dispatchd.NewID(), Incident: in.ID, Team: team.ID, TeamName: team.Name, Need: tr.Need,
		Instructions: tr.Instructions, Status: Assigned, AckWithinS: tr.AckWithinS, SupportRequest: tr.SupportRequest,
		AckBy: c.now.Add(time.Duration(tr.AckWithinS) * time.Second), Exercise: in.Exercise, Replaces: replaces,
		Suggestion: tr.suggestion, CreatedBy: c.actor.Name(), CreatedAt: c.now, UpdatedAt: c.now}
	c.snap.Busy[team.ID] = t.ID
	c.putTask(t, "task.created", nil)
	return t, nil
}

// newOrder asks a depot for the lines and, unless the incident is an
// exercise, reserves them; lines the depot cannot cover are added to short.
func (c *changer) newOrder(in *Incident, or OrderRequest, field string, short *dispatchd.Fields) (*Order, error) {
	d, ok := c.snap.Depots[or.Depot]
	if !ok {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "depot %s not found", or.Depot)
	}
	if !commands(c.actor, d.Region) {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "%s", outside(c.actor, "depot", d.Name, d.Region))
	}
	o := &Order{ID: dispatchd.NewID(), Incident: in.ID, Depot: d.ID, DepotName: d.Name, Status: Requested, SupportRequest: or.SupportRequest,
		Suggestion: or.suggestion, Carrier: or.Carrier, Exercise: in.Exercise, CreatedBy: c.actor.Name(), CreatedAt: c.now, UpdatedAt: c.now}
	ds := make([]delta, len(or.Lines))
	ok = true
	for i, l := range or.Lines {
		it, _ := c.s.proj.Item(l.Item)
		o.Lines = append(o.Lines, OrderLine{Item: l.Item, Name: it.Name, Unit: it.Unit, Qty: l.Qty, Committed: l.Qty})
		ds[i] = delta{reserved: l.Qty}
		if in.Exercise {
			continue
		}
		st := c.stock[StockKey{d.ID, l.Item}]
		if avail := st.OnHand - st.Reserved; l.Qty > avail {
			short.Add(fmt.Sprintf("%s.lines[%d].qty", field, i), "%s has %d %s of %s (%s) available, %d asked",
				d.Name, max(avail, 0), it.Unit, it.Name, l.Item, l.Qty)
			ok = false
		}
	}
	if !ok {
		return nil, nil
	}
	if err := c.putOrder(o, "order.created", ds, "reserved"); err != nil {
		return nil, err
	}
	return o, nil
}
