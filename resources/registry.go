package resources

import (
	"context"

	"dispatchd"
)

// CreateTeam registers a team within the actor's jurisdiction.
func (s *Service) CreateTeam(ctx context.Context, actor dispatchd.Actor, t Team) (*Team, error) {
	if t.ID == "" {
		t.ID = dispatchd.NewID()
	} else if err := checkID("id", t.ID); err != nil {
		return nil, err
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if msg := claimRegion(actor, &t.Region); msg != "" {
		return nil, regionError(msg)
	}
	if err := s.checkItemsExist(ctx, "equipment", t.Equipment); err != nil {
		return nil, err
	}
	t.PositionStale = false // the server's to set, once the team has reported
	t.CreatedAt, t.UpdatedAt = s.now(), s.now()
	if err := s.store.CreateTeam(ctx, &t, s.event("team.created", actor, t.ID, t).Scoped("", t.Region)); err != nil {
		return nil, err
	}
	return &t, nil
}

// UpdateTeam changes the fields of a team that the patch sets. A team
// outside the actor's jurisdiction is not found; it may not be moved out
// of it.
func (s *Service) UpdateTeam(ctx context.Context, actor dispatchd.Actor, id string, p TeamPatch) (*Team, error) {
	if p.Equipment != nil {
		if err := s.checkItemsExist(ctx, "equipment", *p.Equipment); err != nil {
			return nil, err
		}
	}
	return s.store.UpdateTeam(ctx, id, func(t *Team) (*dispatchd.Event, error) {
		if !actor.Covers(t.Region) {
			return nil, teamNotFound(id)
		}
		old := t.Region
		p.apply(t)
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if !actor.Covers(t.Region) {
			return nil, regionError(outsideJurisdiction)
		}
		t.UpdatedAt = s.now()
		return s.event("team.updated", actor, t.ID, t).Scoped("", old, t.Region), nil
	})
}

// DeleteTeam removes a team of the actor's jurisdiction from the registry.
func (s *Service) DeleteTeam(ctx context.Context, actor dispatchd.Actor, id string) error {
	return s.store.DeleteTeam(ctx, id, func(t *Team) (*dispatchd.Event, error) {
		if !actor.Covers(t.Region) {
			return nil, teamNotFound(id)
		}
		return s.event("team.deleted", actor, id, map[string]string{"id": id}).Scoped("", t.Region), nil
	})
}

// Team returns one team the actor may see.
func (s *Service) Team(ctx context.Context, actor dispatchd.Actor, id string) (*Team, error) {
	t, err := s.store.GetTeam(ctx, id)
	if err != nil {
		return nil, err
	}
	if !seesTeam(actor, t) {
		return nil, teamNotFound(id)
	}
	return t, nil
}

// TrackTeam returns the team whose track the actor may read: a team lead
// its own team only, anyone else a team it may see.
func (s *Service) TrackTeam(ctx context.Context, actor dispatchd.Actor, id string) (*Team, error) {
	if actor.Is(dispatchd.RoleTeamLead) && actor.Team != id {
		return nil, teamNotFound(id)
	}
	return s.Team(ctx, actor, id)
}

// Teams lists the teams of the actor's jurisdiction by id.
func (s *Service) Teams(ctx context.Context, actor dispatchd.Actor, f TeamFilter, max int) ([]Team, string, error) {
	f.Prefix = actor.Scope().Prefix
	f.Limit = ClampLimit(f.Limit, DefaultLimit, max)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListTeams(ctx, f)
	if err != nil {
		return nil, "", err
	}
	teams, next := Page(rows, limit, func(t Team) string { return t.ID })
	return teams, next, nil
}

// CreateDepot registers a depot within the actor's jurisdiction.
func (s *Service) CreateDepot(ctx context.Context, actor dispatchd.Actor, d Depot) (*Depot, error) {
	if d.ID == "" {
		d.ID = dispatchd.NewID()
	} else if err := checkID("id", d.ID); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if msg := claimRegion(actor, &d.Region); msg != "" {
		return nil, regionError(msg)
	}
	d.CreatedAt, d.UpdatedAt = s.now(), s.now()
	if err := s.store.CreateDepot(ctx, &d, s.event("depot.created", actor, d.ID, d).Scoped("", d.Region)); err != nil {
		return nil, err
	}
	return &d, nil
}

// UpdateDepot changes the fields of a depot that the patch sets. A depot
// outside the actor's jurisdiction is not found; it may not be moved out
// of it.
func (s *Service) UpdateDepot(ctx context.Context, actor dispatchd.Actor, id string, p DepotPatch) (*Depot, error) {
	return s.store.UpdateDepot(ctx, id, func(d *Depot) (*dispatchd.Event, error) {
		if !actor.Covers(d.Region) {
			return nil, depotNotFound(id)
		}
		old := d.Region
		p.apply(d)
		if err := d.Validate(); err != nil {
			return nil, err
		}
		if !actor.Covers(d.Region) {
			return nil, regionError(outsideJurisdiction)
		}
		d.UpdatedAt = s.now()
		return s.event("depot.updated", actor, d.ID, d).Scoped("", old, d.Region), nil
	})
}

// DeleteDepot removes a depot of the actor's jurisdiction that holds no
// stock.
func (s *Service) DeleteDepot(ctx context.Context, actor dispatchd.Actor, id string) error {
	return s.store.DeleteDepot(ctx, id, func(d *Depot) (*dispatchd.Event, error) {
		if !actor.Covers(d.Region) {
			return nil, depotNotFound(id)
		}
		return s.event("depot.deleted", actor, id, map[string]string{"id": id}).Scoped("", d.Region), nil
	})
}

// Depot returns one depot the actor may see.
func (s *Service) Depot(ctx context.Context, actor dispatchd.Actor, id string) (*Depot, error) {
	d, err := s.store.GetDepot(ctx, id)
	if err != nil {
		return nil, err
	}
	if !seesDepot(actor, d) {
		return nil, depotNotFound(id)
	}
	return d, nil
}

// Depots lists the depots of the actor's jurisdiction by id.
func (s *Service) Depots(ctx context.Context, actor dispatchd.Actor, f DepotFilter, max int) ([]Depot, string, error) {
	f.Prefix = actor.Scope().Prefix
	f.Limit = ClampLimit(f.Limit, DefaultLimit, max)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListDepots(ctx, f)
	if err != nil {
		return nil, "", err
	}
	depots, next := Page(rows, limit, func(d Depot) string { return d.ID })
	return depots, next, nil
}
