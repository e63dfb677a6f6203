package auth

import (
	"context"
	"fmt"
	"strings"

	"dispatchd"
	"dispatchd/resources"
)

// Users and jurisdictions: an admin whose own jurisdiction is set manages
// only the users whose jurisdiction lies within its subtree (any other is
// not found, as an unknown id), gives none a wider one, and binds them
// only to the teams and depots of its jurisdiction. A user of the whole
// deployment (jurisdiction "") lies within no region's subtree.

func userNotFound(id string) error {
	return dispatchd.Errorf(dispatchd.ENOTFOUND, "user %s not found", id)
}

// manages reports whether the actor may see and change a user of the
// jurisdiction.
func manages(actor dispatchd.Actor, jurisdiction string) bool {
	return actor.Jurisdiction == "" || jurisdiction != "" && actor.Covers(jurisdiction)
}

// checkJurisdiction checks that the actor may give a user the
// jurisdiction: one within its own.
func checkJurisdiction(actor dispatchd.Actor, jurisdiction string) error {
	if manages(actor, jurisdiction) {
		return nil
	}
	return dispatchd.Invalid(dispatchd.FieldError{Field: "jurisdiction",
		Message: fmt.Sprintf("outside your jurisdiction: must lie within %s", actor.Jurisdiction)})
}

// checkBindings checks that the team and depots exist and lie within the
// actor's jurisdiction: one outside it is unknown to the actor.
func (s *Service) checkBindings(ctx context.Context, actor dispatchd.Actor, team string, depots []string) error {
	var f dispatchd.Fields
	if team != "" {
		if t, err := s.registry.GetTeam(ctx, team); dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND || err == nil && !actor.Covers(t.Region) {
			f.Add("team", "unknown team %s", team)
		} else if err != nil {
			return err
		}
	}
	for i, d := range depots {
		if dp, err := s.registry.GetDepot(ctx, d); dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND || err == nil && !actor.Covers(dp.Region) {
			f.Add(fmt.Sprintf("depots[%d]", i), "unknown depot %s", d)
		} else if err != nil {
			return err
		}
	}
	return f.Err()
}

// CreateUser adds a user. A scoped admin's user without a jurisdiction
// gets the admin's.
func (s *Service) CreateUser(ctx context.Context, actor dispatchd.Actor, n NewUser) (*User, error) {
	return s.createUser(ctx, actor, n, true)
}

// createUser adds a user; known false skips the check of the
// jurisdiction against the region tree (a tracker takes its team's
// region, whatever the tree holds).
func (s *Service) createUser(ctx context.Context, actor dispatchd.Actor, n NewUser, known bool) (*User, error) {
	if strings.TrimSpace(n.Jurisdiction) == "" {
		n.Jurisdiction = actor.Jurisdiction
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if err := checkJurisdiction(actor, n.Jurisdiction); err != nil {
		return nil, err
	}
	if err := s.checkBindings(ctx, actor, n.Team, n.Depots); err != nil {
		return nil, err
	}
	j := n.Jurisdiction
	if !known {
		j = ""
	}
	if err := s.checkScope(ctx, j, n.Desk); err != nil {
		return nil, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &User{ID: dispatchd.NewID(), Username: n.Username, Role: n.Role, Team: n.Team, Depots: n.Depots,
		Jurisdiction: n.Jurisdiction, Desk: n.Desk, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(ctx, u, s.event("user.created", actor, u)); err != nil {
		return nil, err
	}
	return u, nil
}

// event is an event about a user, seen within the user's jurisdiction
// (and the old one's, when it changed).
func (s *Service) event(typ string, actor dispatchd.Actor, u *User, old ...string) *dispatchd.Event {
	ev := dispatchd.NewEvent(typ, actor, u.ID, u)
	ev.TS = s.now()
	return ev.Scoped("", append(old, u.Jurisdiction)...)
}

// UpdateUser changes a user's role, bindings, jurisdiction, desk, password
// or disabled flag. Disabling a user or changing the role, the scope or
// the password ends their sessions. A user the actor does not manage is
// not found.
func (s *Service) UpdateUser(ctx context.Context, actor dispatchd.Actor, id string, p UserPatch) (*User, error) {
	return s.updateUser(ctx, actor, id, p, func(u *User) bool { return manages(actor, u.Jurisdiction) })
}

// updateUser is UpdateUser for the users visible reports true of.
func (s *Service) updateUser(ctx context.Context, actor dispatchd.Actor, id string, p UserPatch, visible func(*User) bool) (*User, error) {
	if p.Password != nil {
		// The policy refuses a password made of the username.
		old, err := s.store.GetUser(ctx, id)
		if err != nil {
			return nil, err
		}
		if !visible(old) {
			return nil, userNotFound(id)
		}
		var f dispatchd.Fields
		checkPassword(&f, *p.Password, old.Username)
		if err := f.Err(); err != nil {
			return nil, err
		}
	}
	var hash string
	if p.Password != nil {
		var err error
		if hash, err = HashPassword(*p.Password); err != nil {
			return nil, err
		}
	}
	if p.Team != nil || p.Depots != nil {
		team, depots := "", []string(nil)
		if p.Team != nil {
			team = *p.Team
		}
		if p.Depots != nil {
			depots = dedupe(*p.Depots)
		}
		if err := s.checkBindings(ctx, actor, team, depots); err != nil {
			return nil, err
		}
	}
	if p.Jurisdiction != nil || p.Desk != nil {
		j, d := "", ""
		if p.Jurisdiction != nil {
			j = strings.TrimSpace(*p.Jurisdiction)
			if err := checkJurisdiction(actor, j); err != nil {
				return nil, err
			}
		}
		if p.Desk != nil {
			d = *p.Desk
		}
		if err := s.checkScope(ctx, j, strings.TrimSpace(d)); err != nil {
			return nil, err
		}
	}
	revoke := "" // why the user's sessions end, if they do
	u, err := s.store.UpdateUser(ctx, id, func(u *User) (*dispatchd.Event, error) {
		if !visible(u) {
			return nil, userNotFound(id)
		}
		old := u.Jurisdiction
		if hash != "" {
			u.PasswordHash = hash
			revoke = "password_changed"
		}
		if p.Role != nil && *p.Role != u.Role {
			u.Role, u.Team, u.Depots = *p.Role, "", nil
			revoke = "role_changed"
		}
		setIf(&u.Team, p.Team)
		if p.Depots != nil {
			u.Depots = dedupe(*p.Depots)
		}
		if p.Jurisdiction != nil && strings.TrimSpace(*p.Jurisdiction) != u.Jurisdiction {
			u.Jurisdiction = *p.Jurisdiction
			revoke = "scope_changed"
		}
		if p.Desk != nil && *p.Desk != u.Desk {
			u.Desk = *p.Desk
			revoke = "scope_changed"
		}
		if p.Disabled != nil && *p.Disabled != u.Disabled {
			u.Disabled = *p.Disabled
			if u.Disabled {
				revoke = "disabled"
			}
		}
		var f dispatchd.Fields
		validateBindings(&f, u.Role, u.Team, u.Depots)
		validateScope(&f, u.Role, &u.Jurisdiction, &u.Desk)
		if err := f.Err(); err != nil {
			return nil, err
		}
		if u.ID == actor.UserID && (u.Disabled || u.Role != dispatchd.RoleAdmin) {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "you cannot disable yourself or give up your own admin role")
		}
		u.UpdatedAt = s.now()
		return s.event("user.updated", actor, u, old), nil
	})
	if err != nil {
		return nil, err
	}
	if revoke != "" {
		ev := dispatchd.NewEvent("user.sessions_revoked", actor, u.ID, SessionEvent{Reason: revoke})
		ev.TS = s.now()
		ev.Scoped("", u.Jurisdiction)
		if err := s.store.RevokeUserSessions(ctx, u.ID, ev.TS, &ev); err != nil {
			return nil, fmt.Errorf("revoke sessions of user %s: %w", u.ID, err)
		}
	}
	return u, nil
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// User returns one user the actor manages, or the actor itself.
func (s *Service) User(ctx context.Context, actor dispatchd.Actor, id string) (*User, error) {
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.ID != actor.UserID && !manages(actor, u.Jurisdiction) {
		return nil, userNotFound(id)
	}
	return u, nil
}

// Users lists the users the actor manages by username; f.Jurisdiction
// narrows them to a subtree.
func (s *Service) Users(ctx context.Context, actor dispatchd.Actor, f UserFilter) ([]User, string, error) {
	switch {
	case actor.Jurisdiction == "":
	case f.Jurisdiction == "" || dispatchd.InRegion(f.Jurisdiction, actor.Jurisdiction):
		f.Jurisdiction = actor.Jurisdiction // the narrower of the two
	case !actor.Covers(f.Jurisdiction):
		return []User{}, "", nil // disjoint: nobody
	}
	f.Limit = resources.ClampLimit(f.Limit, resources.DefaultLimit, resources.MaxLimit)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListUsers(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if len(rows) > limit {
		return rows[:limit], rows[limit-1].Username, nil
	}
	return rows, "", nil
}
