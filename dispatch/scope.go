package dispatch

import (
	"context"
	"strings"

	"dispatchd"
)

// Jurisdictions on the board (属地为主): an actor sees the incidents of its
// jurisdiction's subtree and its desk's types, and their tasks, orders,
// timeline, review and suggestions; anything else answers as an unknown id
// would (404, never 403), so that its existence does not leak. A commander
// commits only the teams and depots of its own subtree; anything else goes
// through a support request.

// sees reports whether the actor may see the incident, and so read it and
// (with its role's rights) act on it, its tasks and its orders. It is the
// one gate of the board: every read and write of an incident, task, order,
// timeline, review, suggestion or dispatch passes through it.
func (s *Service) sees(ctx context.Context, a dispatchd.Actor, in *Incident) (bool, error) {
	sc := a.Scope()
	if sc.Covers(in.Region) && sc.SeesType(in.Type) {
		return true, nil
	}
	// Support requests (跨区域支援): the jurisdiction an open request is
	// addressed to sees the requesting incident too (supportops.go).
	if ok, err := s.supportGrants(ctx, a, in); err != nil || ok {
		return ok, err
	}
	if a.Is(dispatchd.RoleTeamLead) && a.Team != "" {
		// A team sent across the border sees the incident it works on.
		return s.worksOn(ctx, a.Team, in.ID)
	}
	return false, nil
}

// worksOn reports whether the team has, or had, a task on the incident.
func (s *Service) worksOn(ctx context.Context, team, incident string) (bool, error) {
	ts, err := s.store.ListTasks(ctx, TaskFilter{Incident: incident, Team: team, Limit: 1})
	return len(ts) > 0, err
}

// seesTask reports whether the actor may see the task of incident in: a
// team lead its own team's, wherever they are; anyone else the tasks of
// incidents it sees.
func (s *Service) seesTask(ctx context.Context, a dispatchd.Actor, t *Task, in *Incident) (bool, error) {
	if a.Is(dispatchd.RoleTeamLead) {
		return t.Team == a.Team && a.Team != "", nil
	}
	return s.sees(ctx, a, in)
}

// seesOrder reports whether the actor may see the order of incident in: a
// depot manager its own depots', a team lead those of the incidents its
// team works on, anyone else the orders of incidents it sees.
func (s *Service) seesOrder(ctx context.Context, a dispatchd.Actor, o *Order, in *Incident) (bool, error) {
	switch {
	case a.Is(dispatchd.RoleDepotManager):
		return a.ManagesDepot(o.Depot), nil
	case a.Is(dispatchd.RoleTeamLead):
		if a.Team == "" {
			return false, nil
		}
		return s.worksOn(ctx, a.Team, o.Incident)
	}
	return s.sees(ctx, a, in)
}

func incidentNotFound(id string) error {
	return dispatchd.Errorf(dispatchd.ENOTFOUND, "incident %s not found", id)
}

// notPreposition answers ECONFLICT for a pre-positioning changed through
// an incident's routes: it has routes of its own (preposition.go), and its
// row must keep what they set (kind, zone, staging point, status).
func notPreposition(in *Incident) error {
	if in.Kind == KindPreposition {
		return dispatchd.Errorf(dispatchd.ECONFLICT,
			"%s is a pre-positioning, not an incident: change it through /api/v1/prepositions/%s", in.ID, in.ID)
	}
	return nil
}

func taskNotFound(id string) error {
	return dispatchd.Errorf(dispatchd.ENOTFOUND, "task %s not found", id)
}

func orderNotFound(id string) error {
	return dispatchd.Errorf(dispatchd.ENOTFOUND, "order %s not found", id)
}

// visibleIncident reads an incident the actor sees, or answers ENOTFOUND
// as for an unknown id.
func (s *Service) visibleIncident(ctx context.Context, a dispatchd.Actor, id string) (*Incident, error) {
	in, err := s.store.GetIncident(ctx, id)
	if err != nil {
		return nil, err
	}
	return in, s.check(ctx, a, in)
}

// check answers ENOTFOUND, as for an unknown id, for an incident the actor
// does not see.
func (s *Service) check(ctx context.Context, a dispatchd.Actor, in *Incident) error {
	ok, err := s.sees(ctx, a, in)
	if err != nil {
		return err
	}
	if !ok {
		return incidentNotFound(in.ID)
	}
	return nil
}

// visibleTask reads a task the actor sees and its incident, or answers
// ENOTFOUND.
func (s *Service) visibleTask(ctx context.Context, a dispatchd.Actor, id string) (*Task, *Incident, error) {
	t, err := s.store.GetTask(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	in, err := s.store.GetIncident(ctx, t.Incident)
	if err != nil {
		return nil, nil, err
	}
	ok, err := s.seesTask(ctx, a, t, in)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, taskNotFound(id)
	}
	return t, in, nil
}

// visibleOrder reads an order the actor sees and its incident, or answers
// ENOTFOUND.
func (s *Service) visibleOrder(ctx context.Context, a dispatchd.Actor, id string) (*Order, *Incident, error) {
	o, err := s.store.GetOrder(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	in, err := s.store.GetIncident(ctx, o.Incident)
	if err != nil {
		return nil, nil, err
	}
	ok, err := s.seesOrder(ctx, a, o, in)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, orderNotFound(id)
	}
	return o, in, nil
}

// commands reports whether the actor may commit a resource of region (a
// team to task, a depot to order from) directly: one of its own subtree.
// A support request answered with the resource is the exception, which
// its rule adds here (a task or order naming support_request).
func commands(a dispatchd.Actor, region string) bool { return a.Covers(region) }

// outside is the field message for a resource the actor may not commit.
func outside(a dispatchd.Actor, what, name, region string) string {
	if region == "" {
		region = "no region"
	}
	return what + " " + name + " belongs to " + region + ", outside your jurisdiction " + a.Jurisdiction + "; ask for support"
}

// checkPlace adds field errors for an incident placed outside what the
// actor may command: its region outside the jurisdiction, its type outside
// the desk's.
func checkPlace(f *dispatchd.Fields, a dispatchd.Actor, in *Incident) {
	sc := a.Scope()
	if !sc.Covers(in.Region) {
		if in.Region == "" {
			f.Add("region", "is required: your jurisdiction is %s", a.Jurisdiction)
		} else {
			f.Add("region", "%s is outside your jurisdiction %s", in.Region, a.Jurisdiction)
		}
	}
	if !sc.SeesType(in.Type) {
		f.Add("type", "your desk %s works %s, not %s", a.Desk, strings.Join(sc.Types, ", "), in.Type)
	}
}
