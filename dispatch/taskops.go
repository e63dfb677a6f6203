package dispatch

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
)

// mayMoveTask reports whether the actor may move the task: the command
// center, or the lead of the task's own team.
func mayMoveTask(a dispatchd.Actor, t *Task) error {
	if isCommand(a) || a.Is(dispatchd.RoleTeamLead) && a.Team == t.Team {
		return nil
	}
	if a.Is(dispatchd.RoleTeamLead) {
		return dispatchd.Errorf(dispatchd.EFORBIDDEN, "task %s belongs to another team", t.ID)
	}
	return dispatchd.Errorf(dispatchd.EFORBIDDEN, "only the team's lead or a commander may move task %s", t.ID)
}

// onTask locks one task the actor sees and its team and lets fn change
// it.
func (s *Service) onTask(ctx context.Context, actor dispatchd.Actor, id string, fn func(c *changer, t *Task) error) (*Task, error) {
	_, in, err := s.visibleTask(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	var out *Task
	err = s.apply(ctx, Lock{Tasks: []string{id}}, func(snap *Snapshot) (*Change, error) {
		t, ok := snap.Tasks[id]
		if !ok || actor.Is(dispatchd.RoleTeamLead) && actor.Team != t.Team {
			return nil, taskNotFound(id)
		}
		if err := mayMoveTask(actor, t); err != nil {
			return nil, err
		}
		ch := &Change{}
		c := newChanger(s, actor, snap, ch, s.now())
		c.in = in
		if err := fn(c, t); err != nil {
			return nil, err
		}
		out = t
		if len(ch.Events) == 0 {
			return nil, nil
		}
		return ch, nil
	})
	return out, err
}

// Ack acknowledges a task. Acknowledging again changes nothing, so a
// retry from a phone on a bad network is harmless.
func (s *Service) Ack(ctx context.Context, actor dispatchd.Actor, id string) (*Task, error) {
	return s.Report(ctx, actor, id, Acknowledged)
}

// Report moves a task forward: acknowledged, en_route, on_scene,
// completed. Reporting a step already passed changes nothing.
func (s *Service) Report(ctx context.Context, actor dispatchd.Actor, id string, st TaskStatus) (*Task, error) {
	if !validReport(st) {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "status", Message: "must be one of " + resources.JoinEnum(TeamReportable)})
	}
	return s.onTask(ctx, actor, id, func(c *changer, t *Task) error {
		if !t.Status.Active() {
			return dispatchd.Errorf(dispatchd.ECONFLICT, "task %s is %s and can no longer move", id, t.Status)
		}
		if !t.canReport(st) {
			return nil // already there or past it
		}
		t.setStatus(st, c.now)
		c.putTask(t, "task."+string(st), nil)
		return nil
	})
}

// Decline refuses a task with a reason; the team is free again and the
// next-best teams for the same need are offered.
func (s *Service) Decline(ctx context.Context, actor dispatchd.Actor, id, reason string) (*Task, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, "reason", &reason, true, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	t, in, err := s.visibleTask(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	offer := s.offerFor(t, in)
	return s.onTask(ctx, actor, id, func(c *changer, t *Task) error {
		if t.Status != Assigned && t.Status != Acknowledged {
			return dispatchd.Errorf(dispatchd.ECONFLICT, "task %s is %s: only an assigned or acknowledged task may be declined", id, t.Status)
		}
		t.setStatus(Declined, c.now)
		t.Reason = reason
		c.putTask(t, "task.declined", offer)
		return nil
	})
}

// CancelTask withdraws an active task; the team is free again.
func (s *Service) CancelTask(ctx context.Context, actor dispatchd.Actor, id, reason string) (*Task, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, "reason", &reason, false, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if !isCommand(actor) {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "only a commander may cancel a task")
	}
	return s.onTask(ctx, actor, id, func(c *changer, t *Task) error {
		if !t.Status.Active() {
			return dispatchd.Errorf(dispatchd.ECONFLICT, "task %s is %s and cannot be cancelled", id, t.Status)
		}
		c.endTask(t, TaskCancelled, reason, "task.cancelled")
		return nil
	})
}

// offerFor ranks the available teams that could replace task t of
// incident in: the same need, from the projection as it is now.
func (s *Service) offerFor(t *Task, in *Incident) []plan.Pick {
	if t.Need == "" {
		return nil
	}
	return s.proj.Offer(in.Request(), t.Need, t.Team, s.cfg.Plan, s.now())
}

// ReplaceRequest names the team to take over a task; an empty Team means
// the best one offered.
type ReplaceRequest struct {
	Team         string `json:"team"`
	Instructions string `json:"instructions"`
	AckWithinS   int    `json:"ack_within_s"`
}

// Replacement is the task replaced and the one that took over.
type Replacement struct {
	Replaced *Task `json:"replaced"`
	Task     *Task `json:"task"`
}

// Replace hands a declined, escalated or unanswered task to another team in
// one step: the old task is cancelled if still assigned, and a new one is
// created for the same need.
func (s *Service) Replace(ctx context.Context, actor dispatchd.Actor, id string, r ReplaceRequest) (*Replacement, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, "team", &r.Team, false, 64)
	resources.CheckText(&f, "instructions", &r.Instructions, false, 2000)
	if r.AckWithinS != 0 && (r.AckWithinS < minAckWithin || r.AckWithinS > maxAckWithin) {
		f.Add("ack_within_s", "must be between %d and %d seconds", minAckWithin, maxAckWithin)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	old, oldIn, err := s.visibleTask(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if r.Team == "" {
		// The best offered team the commander may send itself: one of
		// another jurisdiction is asked for through a support request.
		for _, p := range s.offerFor(old, oldIn) {
			if region, _ := s.proj.TeamRegion(p.Team.ID); commands(actor, region) {
				r.Team = p.Team.ID
				break
			}
		}
		if r.Team == "" {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "no available team of your jurisdiction with %q can replace task %s; name a team, or ask for support", old.Need, id)
		}
	}
	var out *Replacement
	err = s.apply(ctx, Lock{Incident: old.Incident, Tasks: []string{id}, Teams: []string{r.Team}}, func(snap *Snapshot) (*Change, error) {
		in, t := snap.Incident, snap.Tasks[id]
		if err := s.check(ctx, actor, in); err != nil {
			return nil, err
		}
		if team, ok := snap.Teams[r.Team]; ok && !commands(actor, team.Region) {
			return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "team", Message: outside(actor, "team", team.Name, team.Region)})
		}
		switch {
		case !in.Status.Open():
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "incident %s is %s", in.ID, in.Status)
		case t.ReplacedBy != "":
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "task %s was already replaced by task %s", id, t.ReplacedBy)
		case t.Status != Assigned && t.Status != Declined && t.Status != TaskCancelled:
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "task %s is %s: only an unanswered, declined or cancelled task may be replaced", id, t.Status)
		case r.Team == t.Team && t.Status == Assigned:
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "team %s already holds task %s", t.TeamName, id)
		}
		now := s.now()
		ch := &Change{}
		c := newChanger(s, actor, snap, ch, now)
		ins := r.Instructions
		if ins == "" {
			ins = t.Instructions
		}
		if t.Status == Assigned {
			t.setStatus(TaskCancelled, now)
			t.Reason = "replaced: no answer in time"
			if !t.Escalated {
				t.Reason = "replaced by the commander"
			}
			c.setTeam(t.Team, resources.TeamAvailable, t.ID)
			delete(snap.Busy, t.Team)
		}
		nt, err := c.newTask(in, TaskRequest{Team: r.Team, Need: t.Need, Instructions: ins, AckWithinS: r.AckWithinS}, t.ID)
		if err != nil {
			return nil, err
		}
		t.ReplacedBy, t.UpdatedAt = nt.ID, now
		// The old task's row must be written before the new one: a team
		// replaced by itself may hold one active task only.
		ch.Tasks = append([]*Task{t}, ch.Tasks...)
		c.emit("task.replaced", t.ID, TaskEvent{Task: t}, c.teamRegion(t.Team))
		out = &Replacement{Replaced: t, Task: nt}
		return ch, nil
	})
	return out, err
}

// EscalateDue escalates every task whose acknowledgement deadline passed
// unanswered, once each, and returns how many it escalated. Several nodes
// may run it at once: the row lock lets one of them escalate each task.
func (s *Service) EscalateDue(ctx context.Context) (int, error) {
	ids, err := s.store.DueTasks(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		done, err := s.escalate(ctx, id)
		if err != nil {
			return n, fmt.Errorf("escalate task %s: %w", id, err)
		}
		if done {
			n++
		}
	}
	return n, nil
}

func (s *Service) escalate(ctx context.Context, id string) (bool, error) {
	t, in, err := s.visibleTask(ctx, dispatchd.System, id)
	if err != nil {
		return false, err
	}
	offer := s.offerFor(t, in)
	done := false
	err = s.apply(ctx, Lock{Tasks: []string{id}}, func(snap *Snapshot) (*Change, error) {
		t, ok := snap.Tasks[id]
		now := s.now()
		if !ok || t.Status != Assigned || t.Escalated || t.AckBy.After(now) {
			return nil, nil // answered, or another node escalated it
		}
		t.Escalated, t.EscalatedAt, t.UpdatedAt = true, &now, now
		ch := &Change{Tasks: []*Task{t}}
		c := newChanger(s, dispatchd.System, snap, ch, now)
		c.in = in
		c.emit("task.escalated", id, TaskEvent{Task: t, Offer: offer}, c.teamRegion(t.Team))
		done = true
		return ch, nil
	})
	return done, err
}

// RoundTimeout bounds one round of RunEscalator or RunStaleWatch. A round
// that has begun runs to its end even when the loop's ctx ends meanwhile
// (the server stopping): the loops stop between rounds, so that an
// escalation is never cut half way.
const RoundTimeout = 30 * time.Second

// roundContext returns the context of one round of a loop under ctx.
func roundContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), RoundTimeout)
}

// RunEscalator escalates due tasks and support requests every interval until ctx ends, between
// two rounds. Errors (a store outage) are passed to report and retried at
// the next tick.
func (s *Service) RunEscalator(ctx context.Context, every time.Duration, report func(n int, err error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rctx, cancel := roundContext(ctx)
		n, err := s.EscalateDue(rctx)
		if err == nil { // and unanswered support requests: supportops.go
			var m int
			m, err = s.EscalateDueSupport(rctx)
			n += m
		}
		cancel()
		if (n > 0 || err != nil) && ctx.Err() == nil {
			report(n, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
