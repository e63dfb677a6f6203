package sqldb

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/auth"
)

var _ auth.Store = (*Store)(nil)

var users = &table[auth.User]{
	name: "users", what: "user",
	cols: []string{"id", "username", "password_hash", "role", "team_id", "depots", "jurisdiction", "desk", "disabled", "created_at", "updated_at"},
	values: func(u *auth.User) []any {
		depots := u.Depots
		if depots == nil {
			depots = []string{}
		}
		return []any{u.ID, u.Username, u.PasswordHash, string(u.Role), u.Team, jsonText(depots), u.Jurisdiction, u.Desk, u.Disabled, u.CreatedAt, u.UpdatedAt}
	},
	scan: func(sc scanner) (auth.User, error) {
		var u auth.User
		var depots []byte
		err := sc.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.Role, &u.Team, &depots, &u.Jurisdiction, &u.Desk, &u.Disabled, &u.CreatedAt, &u.UpdatedAt)
		if err != nil {
			return u, err
		}
		return u, scanJSON(depots, &u.Depots)
	},
	key: func(u *auth.User) string { return u.Username },
}

// CreateUser implements auth.Store.
func (s *Store) CreateUser(ctx context.Context, u *auth.User, ev *dispatchd.Event) error {
	return users.create(ctx, s, u, ev)
}

// UpdateUser implements auth.Store.
func (s *Store) UpdateUser(ctx context.Context, id string, decide func(*auth.User) (*dispatchd.Event, error)) (*auth.User, error) {
	return users.update(ctx, s, id, decide)
}

// GetUser implements auth.Store.
func (s *Store) GetUser(ctx context.Context, id string) (*auth.User, error) {
	return users.get(ctx, s, s.db, id, false)
}

// GetUserByUsername implements auth.Store.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*auth.User, error) {
	var w where
	w.add("username = ?", username)
	list, err := users.list(ctx, s.db, &w, "username", 1)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "user %s not found", username)
	}
	return &list[0], nil
}

// ListUsers implements auth.Store.
func (s *Store) ListUsers(ctx context.Context, f auth.UserFilter) ([]auth.User, error) {
	var w where
	if f.Role != "" {
		w.add("role = ?", string(f.Role))
	}
	if f.Jurisdiction != "" {
		w.add(`jurisdiction LIKE ? ESCAPE '\'`, likeEscape(dispatchd.RegionPrefix(f.Jurisdiction))+"%")
	}
	if f.After != "" {
		w.add("username > ?", f.After)
	}
	return users.list(ctx, s.db, &w, "username", f.Limit)
}

// ImportUsers implements auth.Store.
func (s *Store) ImportUsers(ctx context.Context, list []auth.User, evs []dispatchd.Event) (int, error) {
	var created int
	err := s.tx(ctx, func(q Querier) error {
		var add []*dispatchd.Event
		prefix, suffix := users.upsertSQL(false)
		for i := range list {
			n, err := q.Exec(ctx, prefix+" ("+users.placeholders()+") "+suffix, users.values(&list[i])...)
			if err != nil {
				return fmt.Errorf("insert user %s: %w", list[i].Username, err)
			}
			if n > 0 {
				add = append(add, &evs[i])
			}
		}
		created = len(add)
		return s.appendEvents(ctx, q, add...)
	})
	return created, err
}

// CreateSession implements auth.Store.
func (s *Store) CreateSession(ctx context.Context, sess *auth.Session, evs ...*dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error {
		if _, err := q.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			sess.TokenHash, sess.UserID, sess.CreatedAt, sess.ExpiresAt); err != nil {
			return err
		}
		return s.appendEvents(ctx, q, evs...)
	})
}

// AppendEvent implements auth.Store.
func (s *Store) AppendEvent(ctx context.Context, ev *dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error { return s.appendEvents(ctx, q, ev) })
}

// GetSession implements auth.Store.
func (s *Store) GetSession(ctx context.Context, hash []byte, now time.Time) (*auth.Session, *auth.User, error) {
	var sess auth.Session
	err := s.db.QueryRow(ctx, `SELECT token_hash, user_id, created_at, expires_at FROM sessions
		WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2`, hash, now).
		Scan(&sess.TokenHash, &sess.UserID, &sess.CreatedAt, &sess.ExpiresAt)
	if err != nil {
		return nil, nil, notFound(err, "session not found")
	}
	u, err := s.GetUser(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	return &sess, u, nil
}

// RevokeSession implements auth.Store.
func (s *Store) RevokeSession(ctx context.Context, hash []byte, now time.Time, evs ...*dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error {
		n, err := q.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL`, hash, now)
		if err != nil {
			return err
		}
		if n == 0 {
			return dispatchd.Errorf(dispatchd.ENOTFOUND, "session not found")
		}
		return s.appendEvents(ctx, q, evs...)
	})
}

// RevokeUserSessions implements auth.Store.
func (s *Store) RevokeUserSessions(ctx context.Context, userID string, now time.Time, evs ...*dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error {
		if _, err := q.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, now); err != nil {
			return err
		}
		return s.appendEvents(ctx, q, evs...)
	})
}
