package dispatch

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/notify"
	"dispatchd/resources"
)

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Config tunes the service.
type Config struct {
	Plan plan.Config
	// AckWithin is the default time a team has to answer a task.
	AckWithin time.Duration
	// ProjectionWait bounds how long a suggestion waits for the projection
	// to catch up with this node's own writes.
	ProjectionWait time.Duration
	// SceneRadius is the radius, in metres, of the scene of an incident
	// recorded without one.
	SceneRadius float64
	// Regions places incidents in the region tree (region.go); nil checks
	// regions for form only and derives none but the jurisdiction.
	Regions Regions
}

// Service applies the rules of the incident board.
type Service struct {
	store Store
	proj  *plan.Projection
	cfg   Config
	now   func() time.Time
	// wrote is the highest event id this node has written: a suggestion
	// waits for the projection to reach it, so that a commander always sees
	// the effect of their own last change.
	wrote atomic.Int64
	// regionName names a region code for suggestions; nil when the
	// deployment has no region names.
	regionName atomic.Pointer[func(code string) string]
	// codes looks up the one-tap links of tasks; nil until SetCodes.
	codes notify.CodeBook
	// proposals holds the suggestions served (proposal.go).
	proposals *proposalLog
	// zones finds forecast zones for pre-positioning; nil until SetZones.
	zones atomic.Pointer[ZoneSource]
}

// NewService returns the service over store, deciding from proj.
func NewService(store Store, proj *plan.Projection, cfg Config) *Service {
	if cfg.AckWithin <= 0 {
		cfg.AckWithin = DefaultAckWithin
	}
	if cfg.SceneRadius <= 0 {
		cfg.SceneRadius = DefaultSceneRadius
	}
	if cfg.ProjectionWait <= 0 {
		cfg.ProjectionWait = 5 * time.Second
	}
	cfg.Plan = cfg.Plan.WithDefaults()
	return &Service{store: store, proj: proj, cfg: cfg, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		proposals: newProposalLog(DefaultProposalQueue, DefaultProposalsKept)}
}

// SetClock replaces the service's clock, for tests of deadlines.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// apply runs a change and remembers the events it wrote.
func (s *Service) apply(ctx context.Context, lock Lock, decide func(*Snapshot) (*Change, error)) error {
	var evs []*dispatchd.Event
	err := s.store.Apply(ctx, lock, func(snap *Snapshot) (*Change, error) {
		ch, err := decide(snap)
		if ch != nil {
			evs = ch.Events
		}
		return ch, err
	})
	if err != nil {
		return err
	}
	s.noteWritten(evs...)
	return nil
}

// noteWritten remembers events this node wrote.
func (s *Service) noteWritten(evs ...*dispatchd.Event) {
	for _, ev := range evs {
		for {
			cur := s.wrote.Load()
			if ev.ID <= cur || s.wrote.CompareAndSwap(cur, ev.ID) {
				break
			}
		}
	}
}

func (s *Service) event(typ string, actor dispatchd.Actor, subject string, v any, now time.Time) *dispatchd.Event {
	ev := dispatchd.NewEvent(typ, actor, subject, v)
	ev.TS = now
	return &ev
}

func isCommand(a dispatchd.Actor) bool {
	return a.Is(dispatchd.RoleAdmin, dispatchd.RoleCommander)
}

// checkItems reports item codes not in the catalog.
func (s *Service) checkItems(f *dispatchd.Fields, field string, lines []resources.ItemQty) {
	for i, l := range lines {
		if _, ok := s.proj.Item(l.Item); !ok && resources.ValidItemCode(l.Item) {
			f.Add(resources.Indexed(field, i)+".item", "unknown item code %s", l.Item)
		}
	}
}

// CreateIncident records a new incident.
func (s *Service) CreateIncident(ctx context.Context, actor dispatchd.Actor, in Incident) (*Incident, error) {
	now := s.now()
	in.ID, in.Status, in.ClosedAt = dispatchd.NewID(), Reported, nil
	if in.ReportedAt.IsZero() || in.ReportedAt.After(now) {
		in.ReportedAt = now
	}
	in.ReportedAt = in.ReportedAt.UTC().Truncate(time.Microsecond)
	if in.Scene == nil {
		in.Scene = &Scene{RadiusM: s.cfg.SceneRadius}
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	// The region given, located or the commander's own (region.go); then
	// the place and type must be the commander's to command.
	if err := s.placeIncident(ctx, actor, &in); err != nil {
		return nil, err
	}
	var f dispatchd.Fields
	checkPlace(&f, actor, &in)
	s.checkItems(&f, "needs.items", in.Needs.Items)
	if err := f.Err(); err != nil {
		return nil, err
	}
	in.CreatedBy, in.CreatedAt, in.UpdatedAt = actor.Name(), now, now
	err := s.apply(ctx, Lock{}, func(*Snapshot) (*Change, error) {
		ev := s.event("incident.created", actor, in.ID, in, now).Scoped(in.Type, placed(in.Region))
		return &Change{Incident: &in, Events: []*dispatchd.Event{ev}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// UpdateIncident changes what the patch sets on an open incident.
func (s *Service) UpdateIncident(ctx context.Context, actor dispatchd.Actor, id string, p IncidentPatch) (*Incident, error) {
	place, err := s.placePatch(ctx, actor, p)
	if err != nil {
		return nil, err
	}
	var out *Incident
	err = s.apply(ctx, Lock{Incident: id}, func(snap *Snapshot) (*Change, error) {
		in := snap.Incident
		if err := s.check(ctx, actor, in); err != nil {
			return nil, err
		}
		if err := notPreposition(in); err != nil {
			return nil, err
		}
		if !in.Status.Open() {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "incident %s is %s and can no longer change", id, in.Status)
		}
		was := in.Region
		p.apply(in)
		if err := in.Validate(); err != nil {
			return nil, err
		}
		if err := place(in); err != nil {
			return nil, err
		}
		var f dispatchd.Fields
		checkPlace(&f, actor, in)
		s.checkItems(&f, "needs.items", in.Needs.Items)
		if err := f.Err(); err != nil {
			return nil, err
		}
		now := s.now()
		in.UpdatedAt = now
		out = in
		// Moved to another region, it is news to both.
		ev := s.event("incident.updated", actor, id, in, now).Scoped(in.Type, placed(in.Region), was)
		return &Change{Incident: in, Events: []*dispatchd.Event{ev}}, nil
	})
	return out, err
}

// SetIncidentStatus moves an incident along its life. Cancelling it also
// cancels its active tasks and open orders, releasing their stock; closing
// it needs every task and order to have ended.
func (s *Service) SetIncidentStatus(ctx context.Context, actor dispatchd.Actor, id string, to IncidentStatus, reason string) (*Incident, error) {
	return s.setStatus(ctx, actor, id, "", to, reason)
}

// setStatus moves a row of the kind given along its life; a row of
// another kind answers as notPreposition says.
func (s *Service) setStatus(ctx context.Context, actor dispatchd.Actor, id, kind string, to IncidentStatus, reason string) (*Incident, error) {
	if !slices.Contains(IncidentStatuses, to) {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "status", Message: "must be one of " + resources.JoinEnum(IncidentStatuses)})
	}
	var f dispatchd.Fields
	resources.CheckText(&f, "reason", &reason, false, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *Incident
	err := s.apply(ctx, Lock{Incident: id, Children: to == Cancelled || to == Closed}, func(snap *Snapshot) (*Change, error) {
		in := snap.Incident
		if err := s.check(ctx, actor, in); err != nil {
			return nil, err
		}
		if in.Kind != kind {
			if err := notPreposition(in); err != nil {
				return nil, err
			}
			return nil, incidentNotFound(id)
		}
		from := in.Status
		if from == to {
			out = in
			return nil, nil
		}
		if !canMove(from, to) {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "incident %s is %s: it may move to %s, not %s", id, from, orNothing(incidentNext[from]), to)
		}
		now := s.now()
		ch := &Change{}
		c := newChanger(s, actor, snap, ch, now)
		if to == Closed {
			if err := checkEnded(snap); err != nil {
				return nil, err
			}
		}
		in.Status, in.UpdatedAt = to, now
		if to == Closed || to == Cancelled {
			in.ClosedAt = &now
		}
		ch.Incident = in
		c.emit("incident.status", id, StatusEvent{ID: id, From: from, To: to, Reason: reason})
		if to == Closed || to == Cancelled {
			c.endSupport("the incident was " + string(to)) // support requests: supportops.go
		}
		if to == Cancelled {
			why := "the incident was cancelled"
			if reason != "" {
				why += ": " + reason
			}
			for _, tid := range sortedKeys(snap.Tasks) {
				if t := snap.Tasks[tid]; t.Status.Active() {
					c.endTask(t, TaskCancelled, why, "task.cancelled")
				}
			}
			for _, oid := range sortedKeys(snap.Orders) {
				if o := snap.Orders[oid]; o.Status.Holds() {
					if err := c.endOrder(o, OrderCancelled, why, "order.cancelled"); err != nil {
						return nil, err
					}
				}
			}
		}
		out = in
		return ch, nil
	})
	return out, err
}

func checkEnded(snap *Snapshot) error {
	var open []string
	for _, id := range sortedKeys(snap.Tasks) {
		if t := snap.Tasks[id]; t.Status.Active() {
			open = append(open, fmt.Sprintf("task %s (%s, %s)", id, t.TeamName, t.Status))
		}
	}
	for _, id := range sortedKeys(snap.Orders) {
		if o := snap.Orders[id]; o.Status.Holds() {
			open = append(open, fmt.Sprintf("order %s (%s, %s)", id, o.DepotName, o.Status))
		}
	}
	if len(open) > 0 {
		return dispatchd.Errorf(dispatchd.ECONFLICT, "%d tasks and orders are still open; complete or cancel them first: %v", len(open), open)
	}
	return nil
}

func orNothing[T ~string](vs []T) string {
	if len(vs) == 0 {
		return "nothing"
	}
	return resources.JoinEnum(vs)
}

// Incident returns one incident the actor sees.
func (s *Service) Incident(ctx context.Context, actor dispatchd.Actor, id string) (*Incident, error) {
	return s.visibleIncident(ctx, actor, id)
}

// Incidents lists the incidents the actor sees, newest first.
func (s *Service) Incidents(ctx context.Context, actor dispatchd.Actor, f IncidentFilter) ([]Incident, string, error) {
	f.Scope = actor.Scope()
	if actor.Is(dispatchd.RoleTeamLead) {
		f.Team = actor.Team
	}
	return fetch(f.Limit, func(limit int) ([]Incident, error) {
		f.Limit = limit
		return s.store.ListIncidents(ctx, f)
	}, func(in Incident) string { return in.ID })
}

// Task returns one task; a team lead sees only its own team's, anyone
// else those of the incidents it sees.
func (s *Service) Task(ctx context.Context, actor dispatchd.Actor, id string) (*Task, error) {
	t, _, err := s.visibleTask(ctx, actor, id)
	return t, err
}

// Tasks lists tasks, newest first; a team lead sees only its own team's,
// anyone else those of the incidents it sees.
func (s *Service) Tasks(ctx context.Context, actor dispatchd.Actor, f TaskFilter) ([]Task, string, error) {
	if actor.Is(dispatchd.RoleTeamLead) {
		f.Team = actor.Team
		if f.Team == "" {
			return []Task{}, "", nil
		}
	} else {
		f.Scope = actor.Scope()
	}
	return fetch(f.Limit, func(limit int) ([]Task, error) {
		f.Limit = limit
		return s.store.ListTasks(ctx, f)
	}, func(t Task) string { return t.ID })
}

// Order returns one order; a depot manager sees only its own depots', a
// team lead those of the incidents its team works on, anyone else those of
// the incidents it sees.
func (s *Service) Order(ctx context.Context, actor dispatchd.Actor, id string) (*Order, error) {
	o, _, err := s.visibleOrder(ctx, actor, id)
	return o, err
}

// Orders lists orders, newest first, as Order sees them.
func (s *Service) Orders(ctx context.Context, actor dispatchd.Actor, f OrderFilter) ([]Order, string, error) {
	switch {
	case actor.Is(dispatchd.RoleDepotManager):
		own := []string{}
		for _, d := range actor.Depots {
			if f.Depots == nil || slices.Contains(f.Depots, d) {
				own = append(own, d)
			}
		}
		f.Depots = own
	case actor.Is(dispatchd.RoleTeamLead):
		f.WorkedBy = actor.Team
		if f.WorkedBy == "" {
			return []Order{}, "", nil
		}
	default:
		f.Scope = actor.Scope()
	}
	return fetch(f.Limit, func(limit int) ([]Order, error) {
		f.Limit = limit
		return s.store.ListOrders(ctx, f)
	}, func(o Order) string { return o.ID })
}

// Timeline returns every event of the incident, its tasks and its orders,
// in order.
func (s *Service) Timeline(ctx context.Context, actor dispatchd.Actor, id string) ([]dispatchd.Event, error) {
	if _, err := s.visibleIncident(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.IncidentEvents(ctx, id)
}

// covered reads what the incident's tasks and orders already cover.
func (s *Service) covered(ctx context.Context, id string) (plan.Open, []Task, []Order, error) {
	tasks, err := s.store.ListTasks(ctx, TaskFilter{Incident: id})
	if err != nil {
		return plan.Open{}, nil, nil, err
	}
	orders, err := s.store.ListOrders(ctx, OrderFilter{Incident: id})
	if err != nil {
		return plan.Open{}, nil, nil, err
	}
	o := plan.Open{Teams: map[string]int{}, Items: map[string]int64{}}
	for _, t := range tasks {
		if t.Need != "" && (t.Status.Active() || t.Status == Completed) {
			o.Teams[t.Need]++
		}
	}
	for _, ord := range orders {
		if ord.Status.Live() {
			for _, l := range ord.Lines {
				o.Items[l.Item] += l.Committed
			}
		}
	}
	return o, tasks, orders, nil
}

// Availability returns what each depot can still promise of an item, as
// dispatch sees it: on hand less what open orders hold. It returns
// not_found for an unknown item.
func (s *Service) Availability(item string) (map[string]int64, error) {
	_, ok := s.proj.Item(item)
	if !ok {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "no item %q", item)
	}
	return s.proj.AvailableByDepot(item), nil
}

// fetch reads one page of a list: it asks for one row more than the limit
// to learn whether another page follows, and returns the key to continue
// after.
func fetch[T any](limit int, read func(limit int) ([]T, error), key func(T) string) ([]T, string, error) {
	limit = resources.ClampLimit(limit, DefaultLimit, MaxLimit)
	rows, err := read(limit + 1)
	if err != nil {
		return nil, "", err
	}
	out, next := resources.Page(rows, limit, key)
	return out, next, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
