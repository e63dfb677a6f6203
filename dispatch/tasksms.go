package dispatch

import (
	"context"
	"fmt"
	"sort"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/realtime"
)

// TaskNotifyConfig says how tasks reach the leads whose page is closed.
type TaskNotifyConfig struct {
	// Grace is how long after a task is created the lead's page has to be
	// connected before the task goes by SMS.
	Grace time.Duration
	// Channels are the outbox channels a task goes by (notify.SMS,
	// notify.Webhook); none: tasks are not sent.
	Channels []string
}

// DefaultTaskGrace is TaskNotifyConfig.Grace when none is given.
const DefaultTaskGrace = 15 * time.Second

// Queue is the outbox, as the notifier writes to it.
type Queue interface {
	// Enqueue inserts the messages and appends the event in one
	// transaction; conflict when a message id is taken.
	Enqueue(ctx context.Context, msgs []notify.Message, ev *dispatchd.Event) error
}

// TaskNotifier sends a new task to its team's lead by SMS (and the other
// channels configured) with a one-tap acknowledge link, when the task is
// still unacknowledged after a grace and no page of the team's lead is
// connected to this node. Every node runs one; the message's id is the
// task's, so that a task is queued once whichever nodes decide to.
type TaskNotifier struct {
	svc       *Service
	queue     Queue
	connected func(team string) bool
	phone     func(ctx context.Context, team string) (string, error)
	cfg       TaskNotifyConfig
	now       func() time.Time
}

// NewTaskNotifier returns a notifier. connected reports a lead page open
// on this node (realtime.Hub.LeadConnected); phone returns the number of
// a team's lead ("" when it has none).
func NewTaskNotifier(svc *Service, q Queue, connected func(team string) bool, phone func(ctx context.Context, team string) (string, error), cfg TaskNotifyConfig) *TaskNotifier {
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultTaskGrace
	}
	return &TaskNotifier{svc: svc, queue: q, connected: connected, phone: phone, cfg: cfg, now: func() time.Time { return time.Now().UTC() }}
}

// FeedBuffer is the event buffer Follow's subscription needs.
const FeedBuffer = 1024

type pendingTask struct {
	id  string
	due time.Time
}

// Follow watches the feed for new tasks and checks each once its grace has
// passed, until ctx ends. sub must be feed's; a subscription dropped for
// being slow is taken again (the tasks it missed are not sent by SMS: their
// leads still see them on the page and in the escalation).
func (n *TaskNotifier) Follow(ctx context.Context, feed *realtime.Feed, sub *realtime.Subscription, report func(error)) {
	if len(n.cfg.Channels) == 0 {
		return
	}
	var pending []pendingTask
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if len(pending) > 0 {
			timer.Reset(max(time.Until(pending[0].due), 0))
		}
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-sub.C:
			if !ok {
				if ctx.Err() != nil {
					return
				}
				sub = feed.Subscribe(FeedBuffer)
				continue
			}
			if ev.Type == "task.created" {
				pending = append(pending, pendingTask{id: ev.Subject, due: ev.TS.Add(n.cfg.Grace)})
				sort.SliceStable(pending, func(i, j int) bool { return pending[i].due.Before(pending[j].due) })
			}
		case <-timer.C:
			now := n.now()
			for len(pending) > 0 && !pending[0].due.After(now) {
				id := pending[0].id
				pending = pending[1:]
				if err := n.Check(ctx, id); err != nil && report != nil {
					report(fmt.Errorf("send task %s by sms: %w", id, err))
				}
			}
		}
	}
}

// Check queues the task's messages when it is still assigned and no page
// of its team's lead is connected here. A task already queued is not
// queued again.
func (n *TaskNotifier) Check(ctx context.Context, id string) error {
	t, err := n.svc.store.GetTask(ctx, id)
	if err != nil {
		return err
	}
	if t.Status != Assigned || n.connected(t.Team) {
		return nil
	}
	phone, err := n.phone(ctx, t.Team)
	if err != nil || phone == "" {
		return err
	}
	in, err := n.svc.store.GetIncident(ctx, t.Incident)
	if err != nil {
		return err
	}
	now := n.now()
	expires := now.Add(24 * time.Hour)
	if t.AckBy.After(now) {
		expires = t.AckBy.Add(24 * time.Hour)
	}
	body := TaskText(t, in)
	msgs := make([]notify.Message, 0, len(n.cfg.Channels))
	for _, ch := range n.cfg.Channels {
		m := notify.NewMessage(ch, phone, body, notify.KindTask, t.ID, expires, now)
		m.ID = "task-" + t.ID + "-" + ch
		msgs = append(msgs, m)
	}
	ev := dispatchd.NewEvent("task.notified", dispatchd.System, t.ID, map[string]any{"task": t.ID, "team": t.Team, "channels": n.cfg.Channels})
	ev.TS = now
	err = n.queue.Enqueue(ctx, msgs, ev.Scoped(in.Type, in.Region))
	if dispatchd.ErrorCode(err) == dispatchd.ECONFLICT {
		return nil // another node queued it
	}
	return err
}

// TaskText is the SMS of a task: the incident, the instructions cut short,
// and the acknowledge link.
func TaskText(t *Task, in *Incident) string {
	instr := []rune(t.Instructions)
	if len(instr) > 60 {
		instr = append(instr[:59], '…')
	}
	s := "【任务】" + in.Title
	if len(instr) > 0 {
		s += "：" + string(instr)
	}
	return s + " 请点击确认接收 " + notify.Link
}

// SetCodes sets where the one-tap links of tasks are looked up (the
// outbox store); until then ShowTaskCode and AckTaskCode answer
// unavailable.
func (s *Service) SetCodes(c notify.CodeBook) { s.codes = c }

// ShowTaskCode returns the task a one-tap code names, with its incident,
// changing nothing; not_found for an unknown or expired code or one that
// is not a task's.
func (s *Service) ShowTaskCode(ctx context.Context, code string) (*Task, *Incident, error) {
	id, err := notify.Subject(ctx, s.codes, code, s.now(), notify.KindTask)
	if err != nil {
		return nil, nil, err
	}
	t, err := s.store.GetTask(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	in, err := s.store.GetIncident(ctx, t.Incident)
	return t, in, err
}

// AckTaskCode acknowledges the task a one-tap code names, for the holder
// of the link, who acts as the lead of the task's team. Acknowledging
// again changes nothing; a task no longer active is a conflict.
func (s *Service) AckTaskCode(ctx context.Context, code string) (*Task, *Incident, error) {
	t, in, err := s.ShowTaskCode(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	t, err = s.Ack(ctx, LinkActor(t.Team), t.ID)
	return t, in, err
}

// LinkActor is who a one-tap link of a team's task acts as: that team's
// lead, known by the link only.
func LinkActor(team string) dispatchd.Actor {
	return dispatchd.Actor{Username: "link", Role: dispatchd.RoleTeamLead, Team: team}
}
