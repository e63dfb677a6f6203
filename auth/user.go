// Package auth holds users, their roles and bindings, password hashing and
// bearer-token sessions.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"time"

	"dispatchd"
)

// User is someone who logs in. A team lead is bound to one team, a depot
// manager to one or more depots.
type User struct {
	ID           string         `json:"id"`
	Username     string         `json:"username"`
	Role         dispatchd.Role `json:"role"`
	Team         string         `json:"team,omitempty"`
	Depots       []string       `json:"depots,omitempty"`
	Jurisdiction string         `json:"jurisdiction"`
	Desk         string         `json:"desk,omitempty"`
	Disabled     bool           `json:"disabled"`
	PasswordHash string         `json:"-"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// Actor returns the user as the actor of a request, its desk's incident
// types resolved from desks.
func (u *User) Actor(desks dispatchd.Desks) dispatchd.Actor {
	return dispatchd.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Team: u.Team, Depots: u.Depots,
		Jurisdiction: u.Jurisdiction, Desk: u.Desk, Types: desks.Types(u.Desk)}
}

// NewUser is the input that creates a user.
type NewUser struct {
	Username string         `json:"username"`
	Password string         `json:"password"`
	Role     dispatchd.Role `json:"role"`
	Team     string         `json:"team,omitempty"`
	Depots   []string       `json:"depots,omitempty"`
	// Jurisdiction is a region code; "" is the whole deployment.
	Jurisdiction string `json:"jurisdiction,omitempty"`
	// Desk is a commander's or viewer's headquarters; "" is general.
	Desk string `json:"desk,omitempty"`
}

// UserPatch changes a user; nil fields are left alone. Changing the role
// replaces the bindings with the ones given.
type UserPatch struct {
	Role         *dispatchd.Role `json:"role"`
	Team         *string         `json:"team"`
	Depots       *[]string       `json:"depots"`
	Jurisdiction *string         `json:"jurisdiction"`
	Desk         *string         `json:"desk"`
	Disabled     *bool           `json:"disabled"`
	Password     *string         `json:"password"`
}

// UserFilter selects users by username order.
type UserFilter struct {
	Role dispatchd.Role
	// Jurisdiction, when set, keeps the users whose jurisdiction lies
	// within its subtree.
	Jurisdiction string
	After        string
	Limit        int
}

// Session is a bearer token's record. Only the token's SHA-256 is kept.
type Session struct {
	TokenHash []byte
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionRef names the session of a token hash in events (auth.logout,
// auth.refresh) and on websockets: a digest of the hash, which is itself
// kept secret from everyone but the store.
func SessionRef(tokenHash []byte) string {
	h := sha256.Sum256(append([]byte("dispatchd session ref\x00"), tokenHash...))
	return hex.EncodeToString(h[:12])
}

// Ref returns the session's reference: see SessionRef.
func (s *Session) Ref() string { return SessionRef(s.TokenHash) }

// SessionEvent is the data of the events that end sessions: auth.logout
// and auth.refresh name the one session (its reference) and where the
// request came from; user.sessions_revoked, an admin's change that ends
// every session of its subject, says why (disabled, role_changed,
// password_changed).
type SessionEvent struct {
	Session string `json:"session,omitempty"`
	Address string `json:"address,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Store keeps users and sessions. Errors: ENOTFOUND for a missing user or
// session, ECONFLICT for a taken username.
type Store interface {
	CreateUser(ctx context.Context, u *User, ev *dispatchd.Event) error
	// UpdateUser locks the user, lets decide change it, then writes it with
	// the event decide returns.
	UpdateUser(ctx context.Context, id string, decide func(*User) (*dispatchd.Event, error)) (*User, error)
	GetUser(ctx context.Context, id string) (*User, error)
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)
	// ImportUsers inserts users that do not exist yet, by username, and
	// skips the others; one event per user inserted.
	ImportUsers(ctx context.Context, users []User, evs []dispatchd.Event) (int, error)

	// CreateSession writes a session and its events in one transaction.
	CreateSession(ctx context.Context, s *Session, evs ...*dispatchd.Event) error
	// AppendEvent writes an event that changes nothing else: a failed
	// login, for the audit.
	AppendEvent(ctx context.Context, ev *dispatchd.Event) error
	// GetSession returns a session that is neither revoked nor expired at
	// now, with its user; ENOTFOUND otherwise.
	GetSession(ctx context.Context, tokenHash []byte, now time.Time) (*Session, *User, error)
	// RevokeSession ends a session and writes its events in one
	// transaction; ENOTFOUND when it is unknown or revoked already.
	RevokeSession(ctx context.Context, tokenHash []byte, now time.Time, evs ...*dispatchd.Event) error
	// RevokeUserSessions ends every session of a user and writes the
	// events in one transaction.
	RevokeUserSessions(ctx context.Context, userID string, now time.Time, evs ...*dispatchd.Event) error
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

func validateBindings(f *dispatchd.Fields, role dispatchd.Role, team string, depots []string) {
	switch {
	case !role.Valid():
		f.Add("role", "must be one of admin, commander, viewer, team_lead, depot_manager, tracker")
	case role == dispatchd.RoleTeamLead || role == dispatchd.RoleTracker:
		if team == "" {
			f.Add("team", "is required for the %s role", role)
		}
		if len(depots) > 0 {
			f.Add("depots", "only a depot manager is bound to depots")
		}
	case role == dispatchd.RoleDepotManager:
		if len(depots) == 0 {
			f.Add("depots", "a depot manager must be bound to at least one depot")
		}
		if team != "" {
			f.Add("team", "only a team lead or a tracker is bound to a team")
		}
	default:
		if team != "" {
			f.Add("team", "only a team lead or a tracker is bound to a team")
		}
		if len(depots) > 0 {
			f.Add("depots", "only a depot manager is bound to depots")
		}
	}
}

// validateScope checks a jurisdiction and a desk; only commanders and
// viewers have a desk, and general is written as "".
func validateScope(f *dispatchd.Fields, role dispatchd.Role, jurisdiction, desk *string) {
	*jurisdiction = strings.TrimSpace(*jurisdiction)
	if *jurisdiction != "" && !dispatchd.ValidRegion(*jurisdiction) {
		f.Add("jurisdiction", "must be a 6-digit GB/T 2260 region code (9 digits for a township), or empty for the whole deployment")
	}
	*desk = strings.TrimSpace(*desk)
	if *desk == dispatchd.DeskGeneral {
		*desk = ""
	}
	if *desk != "" && role != dispatchd.RoleCommander && role != dispatchd.RoleViewer {
		f.Add("desk", "only a commander or a viewer works at a desk")
	}
}

// Validate checks the new user's fields, the password against the policy
// of checkPassword.
func (n *NewUser) Validate() error { return n.validate(true) }

// validate checks the fields; policy false skips the password policy, for
// the users a seed makes with a password given in code (the demo's).
func (n *NewUser) validate(policy bool) error {
	var f dispatchd.Fields
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	if !usernameRE.MatchString(n.Username) {
		f.Add("username", "must be 2 to 64 lowercase letters, digits, '.', '_' or '-'")
	}
	if policy {
		checkPassword(&f, n.Password, n.Username)
	} else if n.Password == "" || len(n.Password) > MaxPassword {
		f.Add("password", "must be 1 to %d bytes", MaxPassword)
	}
	n.Depots = dedupe(n.Depots)
	validateBindings(&f, n.Role, n.Team, n.Depots)
	validateScope(&f, n.Role, &n.Jurisdiction, &n.Desk)
	return f.Err()
}

func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
