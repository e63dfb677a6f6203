package dispatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/geo/fence"
	"dispatchd/resources"
)

// CreatePrepositionRequest dispatches a pre-positioning: the zone, where
// to stage (else the zone's centroid), the deadline, and the tasks and
// orders, created together or not at all.
type CreatePrepositionRequest struct {
	Zone      ZoneInput  `json:"zone"`
	Staging   *geo.Point `json:"staging,omitempty"`
	DeadlineS int        `json:"deadline_s"`
	// StagingRadiusM is the radius of the staging area around the staging
	// point, where teams and carriers count as arrived (its scene); else
	// the deployment's scene radius.
	StagingRadiusM float64        `json:"staging_radius_m,omitempty"`
	Tasks          []TaskRequest  `json:"tasks"`
	Orders         []OrderRequest `json:"orders"`
}

// The statuses of a pre-positioning, derived from its row and its tasks
// and orders.
const (
	PrepositionActive    = "active"
	PrepositionCompleted = "completed"
	PrepositionCancelled = "cancelled"
)

// PrepositionStatuses lists every status of a pre-positioning.
var PrepositionStatuses = []string{PrepositionActive, PrepositionCompleted, PrepositionCancelled}

// Progress is how far a pre-positioning is: its orders delivered, its
// quantities delivered against those planned, its teams arrived, and the
// share of its orders delivered by the deadline.
type Progress struct {
	Orders          int     `json:"orders"`
	OrdersDelivered int     `json:"orders_delivered"`
	Planned         int64   `json:"planned_qty"`
	Delivered       int64   `json:"delivered_qty"`
	Tasks           int     `json:"tasks"`
	TasksArrived    int     `json:"tasks_arrived"`
	DeliveredInTime float64 `json:"delivered_in_time"`
}

// Preposition is a pre-positioning as its API shows it.
type Preposition struct {
	ID      string       `json:"id"`
	Status  string       `json:"status"`
	Zone    ForecastZone `json:"zone"`
	Title   string       `json:"title"`
	Staging geo.Point    `json:"staging"`
	// StagingRadiusM is the radius of the staging area, its scene.
	StagingRadiusM float64   `json:"staging_radius_m,omitempty"`
	Region         string    `json:"region"`
	DeadlineS      int       `json:"deadline_s"`
	Deadline       time.Time `json:"deadline"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	Progress       Progress  `json:"progress"`
	// Tasks and Orders are listed by GET of one pre-positioning.
	Tasks  []Task  `json:"tasks,omitempty"`
	Orders []Order `json:"orders,omitempty"`
}

// CreatePreposition creates the pre-positioning and all its tasks and
// orders, reserving their stock, in one transaction, or nothing: the same
// rules as a dispatch to an incident (dispatchInto).
func (s *Service) CreatePreposition(ctx context.Context, actor dispatchd.Actor, r CreatePrepositionRequest) (*Preposition, error) {
	if !isCommand(actor) {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "only a commander or administrator pre-positions")
	}
	var f dispatchd.Fields
	checkPrepositionDeadline(&f, &r.DeadlineS)
	if err := f.Err(); err != nil {
		return nil, err
	}
	z, err := s.zoneOf(ctx, "zone", r.Zone)
	if err != nil {
		return nil, err
	}
	field := "zone.geometry"
	if r.Staging != nil {
		field = "staging"
	}
	p := stagingOf(&f, field, z, r.Staging)
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	in, err := s.prepositionIncident(ctx, actor, z, p, r.DeadlineS, now)
	if err != nil {
		return nil, err
	}
	in.Scene = &Scene{RadiusM: s.cfg.SceneRadius}
	if r.StagingRadiusM != 0 {
		in.Scene.RadiusM = r.StagingRadiusM
	}
	if msg := fence.CheckRadius(in.Scene.RadiusM); msg != "" {
		f.Add("staging_radius_m", "%s", msg)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	in.ID, in.CreatedBy, in.CreatedAt, in.UpdatedAt = dispatchd.NewID(), actor.Name(), now, now
	d := DispatchRequest{Tasks: r.Tasks, Orders: r.Orders}
	for i := range d.Tasks {
		if d.Tasks[i].Instructions == "" {
			d.Tasks[i].Instructions = fmt.Sprintf("预置到 %s (%.5f, %.5f)，%s 前到位", orID(z.Name, z.ID), p.Lon, p.Lat,
				in.Deadline().Format(time.RFC3339))
		}
	}
	if err := s.validateDispatch(&d); err != nil {
		return nil, err
	}
	var out *DispatchResult
	err = s.apply(ctx, dispatchLock("", &d, nil), func(snap *Snapshot) (*Change, error) {
		snap.Incident = in
		ch := &Change{Incident: in}
		c := newChanger(s, actor, snap, ch, now)
		res, err := s.dispatchInto(c, in, d, nil)
		if err != nil {
			return nil, err
		}
		// After the tasks: the hub then knows the teams work on it, and
		// their leads receive it.
		c.emit("preposition.created", in.ID, in)
		out = res
		return ch, nil
	})
	if err != nil {
		return nil, err
	}
	tasks, orders := make([]Task, len(out.Tasks)), make([]Order, len(out.Orders))
	for i, t := range out.Tasks {
		tasks[i] = *t
	}
	for i, o := range out.Orders {
		orders[i] = *o
	}
	pp := prepositionOf(in, tasks, orders)
	return &pp, nil
}

// prepositionOf shows the row and its tasks and orders as a
// pre-positioning. It is completed when every order that was not
// cancelled or rejected is delivered and every team that was not stood
// down is on the scene (the staging point) or done: it closes itself, in
// what its API shows, with no status change written.
func prepositionOf(in *Incident, tasks []Task, orders []Order) Preposition {
	p := Preposition{ID: in.ID, Title: in.Title, Staging: in.Location, Region: in.Region, DeadlineS: in.DeadlineS,
		Deadline: in.Deadline(), CreatedBy: in.CreatedBy, CreatedAt: in.CreatedAt, Tasks: tasks, Orders: orders}
	if in.Preposition != nil {
		p.Zone = *in.Preposition
	}
	if in.Scene != nil {
		p.StagingRadiusM = in.Scene.RadiusM
	}
	pr := &p.Progress
	inTime := 0
	for _, o := range orders {
		if !o.Status.Live() {
			continue
		}
		pr.Orders++
		for _, l := range o.Lines {
			pr.Planned += l.Committed
			if o.Status == Delivered {
				pr.Delivered += l.Committed
			}
		}
		if o.Status == Delivered {
			pr.OrdersDelivered++
			if o.DeliveredAt != nil && !o.DeliveredAt.After(p.Deadline) {
				inTime++
			}
		}
	}
	if pr.Orders > 0 {
		pr.DeliveredInTime = float64(inTime) / float64(pr.Orders)
	}
	for _, t := range tasks {
		if !t.Status.Active() && t.Status != Completed {
			continue
		}
		pr.Tasks++
		if t.Status == OnScene || t.Status == Completed {
			pr.TasksArrived++
		}
	}
	switch {
	case in.Status == Cancelled:
		p.Status = PrepositionCancelled
	case in.Status == Closed || pr.Orders+pr.Tasks > 0 && pr.OrdersDelivered == pr.Orders && pr.TasksArrived == pr.Tasks:
		p.Status = PrepositionCompleted
	default:
		p.Status = PrepositionActive
	}
	return p
}

// visiblePreposition returns the row of a pre-positioning the actor
// sees, or ENOTFOUND.
func (s *Service) visiblePreposition(ctx context.Context, actor dispatchd.Actor, id string) (*Incident, error) {
	in, err := s.visibleIncident(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if in.Kind != KindPreposition {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "pre-positioning %s not found", id)
	}
	return in, nil
}

// PrepositionByID returns one pre-positioning with its tasks and orders.
func (s *Service) PrepositionByID(ctx context.Context, actor dispatchd.Actor, id string) (*Preposition, error) {
	in, err := s.visiblePreposition(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	_, tasks, orders, err := s.covered(ctx, id)
	if err != nil {
		return nil, err
	}
	p := prepositionOf(in, orEmptySlice(tasks), orEmptySlice(orders))
	return &p, nil
}

func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

func orEmptySlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// maxPrepositions bounds a list.
const maxPrepositions = 500

// Prepositions lists the pre-positionings the actor sees, newest first,
// of the status given ("" every one), without their tasks and orders.
func (s *Service) Prepositions(ctx context.Context, actor dispatchd.Actor, status string) ([]Preposition, error) {
	if status != "" && !slices.Contains(PrepositionStatuses, status) {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "status", Message: "must be one of " + resources.JoinEnum(PrepositionStatuses)})
	}
	ins, err := s.store.ListIncidents(ctx, IncidentFilter{Kind: KindPreposition, Scope: actor.Scope(), Limit: maxPrepositions})
	if err != nil {
		return nil, err
	}
	out := []Preposition{}
	for i := range ins {
		_, tasks, orders, err := s.covered(ctx, ins[i].ID)
		if err != nil {
			return nil, err
		}
		p := prepositionOf(&ins[i], tasks, orders)
		p.Tasks, p.Orders = nil, nil
		if status == "" || p.Status == status {
			out = append(out, p)
		}
	}
	return out, nil
}

// CancelPreposition cancels a pre-positioning: its active tasks and open
// orders are cancelled and their stock released, as an incident's are.
func (s *Service) CancelPreposition(ctx context.Context, actor dispatchd.Actor, id, reason string) (*Preposition, error) {
	if _, err := s.visiblePreposition(ctx, actor, id); err != nil {
		return nil, err
	}
	if _, err := s.setStatus(ctx, actor, id, KindPreposition, Cancelled, reason); err != nil {
		return nil, err
	}
	return s.PrepositionByID(ctx, actor, id)
}
