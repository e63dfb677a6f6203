package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

// DefaultTokenTTL is how long a login lasts: a full shift and then some.
const DefaultTokenTTL = 24 * time.Hour

// Registry is what the service needs to check a user's bindings.
type Registry interface {
	GetTeam(ctx context.Context, id string) (*resources.Team, error)
	GetDepot(ctx context.Context, id string) (*resources.Depot, error)
}

// Service logs users in and out and manages them.
type Service struct {
	store    Store
	registry Registry
	ttl      time.Duration
	now      func() time.Time

	dummyOnce sync.Once
	dummy     string
	throttle  *throttle
	desks     dispatchd.Desks
	// region reports whether a region code is known; nil accepts every
	// well-formed code.
	region func(ctx context.Context, code string) (bool, error)
}

// NewService returns an auth service. ttl 0 means DefaultTokenTTL.
func NewService(store Store, registry Registry, ttl time.Duration) *Service {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	return &Service{store: store, registry: registry, ttl: ttl, throttle: newThrottle(ThrottleConfig{}), desks: dispatchd.DefaultDesks(),
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// SetThrottle sets how many failed logins are tolerated; call it before
// the service is used.
func (s *Service) SetThrottle(cfg ThrottleConfig) { s.throttle = newThrottle(cfg) }

// SetDesks sets the deployment's desks; call it before the service is used.
func (s *Service) SetDesks(d dispatchd.Desks) { s.desks = d }

// Desks returns the deployment's desks.
func (s *Service) Desks() dispatchd.Desks { return s.desks }

// SetRegions sets how a user's jurisdiction is checked against the region
// tree; call it before the service is used.
func (s *Service) SetRegions(known func(ctx context.Context, code string) (bool, error)) {
	s.region = known
}

// checkScope checks that a jurisdiction is a known region and a desk one
// of the deployment's.
func (s *Service) checkScope(ctx context.Context, jurisdiction, desk string) error {
	var f dispatchd.Fields
	if !s.desks.Valid(desk) {
		f.Add("desk", "must be one of %s", strings.Join(s.desks.Names(), ", "))
	}
	if jurisdiction != "" && s.region != nil {
		ok, err := s.region(ctx, jurisdiction)
		if err != nil {
			return err
		}
		if !ok {
			f.Add("jurisdiction", "unknown region %s", jurisdiction)
		}
	}
	return f.Err()
}

// Login is the answer to a successful login.
type Login struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      *User     `json:"user"`
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Login checks a username and password from an address and opens a
// session. A wrong username and a wrong password fail alike, in about the
// same time. After too many failures it returns rate_limited without
// looking at the password, as ThrottleConfig describes; the right password
// from a clean address always gets in.
func (s *Service) Login(ctx context.Context, username, password, addr string) (*Login, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	now := s.now()
	// failed records why a login failed, for the audit, and returns err.
	failed := func(reason string, err error) error {
		ev := dispatchd.NewEvent("auth.login_failed", dispatchd.Actor{Username: truncateName(name)}, truncateName(name),
			LoginEvent{Address: addr, Reason: reason})
		ev.TS = now
		if aerr := s.store.AppendEvent(ctx, &ev); aerr != nil {
			return fmt.Errorf("record a failed login: %w", aerr)
		}
		return err
	}
	if wait := s.throttle.attempt(name, addr, now); wait > 0 {
		// Not recorded: the failures that caused the lockout are, and an
		// attacker hammering a locked name must not fill the audit.
		return nil, &dispatchd.Error{Code: dispatchd.ERATELIMITED, Err: LockedOut{wait},
			Message: fmt.Sprintf("too many failed logins for this user or from this address: try again in %s", wait.Round(time.Second))}
	}
	wrong := dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "wrong username or password")
	u, err := s.store.GetUserByUsername(ctx, name)
	if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
		s.dummyOnce.Do(func() { s.dummy, _ = HashPassword("dummy password") })
		CheckPassword(s.dummy, password)
		return nil, failed("unknown_user", wrong)
	} else if err != nil {
		s.throttle.undo(name, addr)
		return nil, err
	}
	if !CheckPassword(u.PasswordHash, password) {
		return nil, failed("wrong_password", wrong)
	}
	if u.Disabled {
		return nil, failed("disabled", dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "this account is disabled"))
	}
	s.throttle.succeed(name, addr)
	ev := dispatchd.NewEvent("auth.login", u.Actor(s.desks), u.ID, LoginEvent{Address: addr})
	ev.TS = now
	token, sess, err := s.openSession(ctx, u, s.ttl, &ev)
	if err != nil {
		return nil, err
	}
	return &Login{Token: token, ExpiresAt: sess.ExpiresAt, User: u}, nil
}

// LoginEvent is the data of auth.login and auth.login_failed: where from,
// and why it failed (unknown_user, wrong_password, disabled).
type LoginEvent struct {
	Address string `json:"address"`
	Reason  string `json:"reason,omitempty"`
}

// truncateName keeps what a failed login names to the length of a
// username: whatever was typed goes into the audit, but not a page of it.
func truncateName(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

// openSession gives the user a new token that lasts ttl.
func (s *Service) openSession(ctx context.Context, u *User, ttl time.Duration, evs ...*dispatchd.Event) (string, *Session, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("read token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	sess := &Session{TokenHash: hashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.store.CreateSession(ctx, sess, evs...); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// Authenticate returns the actor behind a bearer token.
func (s *Service) Authenticate(ctx context.Context, token string) (dispatchd.Actor, error) {
	a, _, err := s.AuthenticateSession(ctx, token)
	return a, err
}

// AuthenticateSession returns the actor behind a bearer token and the
// token's session, whose reference and expiry bound what the token opens
// (a websocket lives no longer than its session).
func (s *Service) AuthenticateSession(ctx context.Context, token string) (dispatchd.Actor, *Session, error) {
	if token == "" || len(token) > 256 {
		return dispatchd.Actor{}, nil, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "a bearer token is required")
	}
	return s.CheckSession(ctx, hashToken(token))
}

// CheckSession returns the actor of the session whose token has the hash,
// and the session, as the store holds them now: EUNAUTHORIZED when it is
// revoked or expired, or its user disabled.
func (s *Service) CheckSession(ctx context.Context, tokenHash []byte) (dispatchd.Actor, *Session, error) {
	sess, u, err := s.store.GetSession(ctx, tokenHash, s.now())
	if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
		return dispatchd.Actor{}, nil, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "the token is invalid, expired or revoked; log in again")
	} else if err != nil {
		return dispatchd.Actor{}, nil, err
	}
	if u.Disabled {
		return dispatchd.Actor{}, nil, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "this account is disabled")
	}
	return u.Actor(s.desks), sess, nil
}

// Refresh exchanges a valid token for a new one with a full lifetime and
// revokes the old one, so that a screen left running for days stays
// logged in while it runs. It returns unauthorized for a token that is
// invalid, expired or revoked, or whose user is disabled. addr is where
// the request came from, for the audit.
func (s *Service) Refresh(ctx context.Context, token, addr string) (*Login, error) {
	_, u, err := s.store.GetSession(ctx, hashToken(token), s.now())
	if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
		return nil, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "the token is invalid, expired or revoked; log in again")
	} else if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "this account is disabled")
	}
	fresh, sess, err := s.openSession(ctx, u, s.ttl)
	if err != nil {
		return nil, err
	}
	if err := s.revokeSession(ctx, u, hashToken(token), "auth.refresh", addr); err != nil {
		return nil, err
	}
	return &Login{Token: fresh, ExpiresAt: sess.ExpiresAt, User: u}, nil
}

// Logout revokes the token; addr is where the request came from, for the
// audit.
func (s *Service) Logout(ctx context.Context, token, addr string) error {
	_, u, err := s.store.GetSession(ctx, hashToken(token), s.now())
	if err != nil {
		return err
	}
	return s.revokeSession(ctx, u, hashToken(token), "auth.logout", addr)
}

// revokeSession ends one session of u with an event of typ (auth.logout,
// auth.refresh) that names the session by its reference: every node's hub
// closes the websockets the token opened.
func (s *Service) revokeSession(ctx context.Context, u *User, hash []byte, typ, addr string) error {
	ev := dispatchd.NewEvent(typ, u.Actor(s.desks), u.ID, SessionEvent{Session: SessionRef(hash), Address: addr})
	ev.TS = s.now()
	return s.store.RevokeSession(ctx, hash, ev.TS, &ev)
}

// SeedUser is a user for ImportUsers, with a password hash made once.
type SeedUser struct {
	Username     string
	Role         dispatchd.Role
	Team         string
	Depots       []string
	Jurisdiction string
	Desk         string
}

// EnsureUsers creates the users that do not exist yet, all with the same
// password, hashed once: seeding hundreds of demo users must not take
// minutes. It returns how many it created. It does not apply the password
// policy: it is for the demo's users, whose password is "demo".
func (s *Service) EnsureUsers(ctx context.Context, actor dispatchd.Actor, password string, seeds []SeedUser) (int, error) {
	hash, err := HashPassword(password)
	if err != nil {
		return 0, err
	}
	now := s.now()
	users := make([]User, len(seeds))
	evs := make([]dispatchd.Event, len(seeds))
	for i, sd := range seeds {
		n := NewUser{Username: sd.Username, Password: password, Role: sd.Role, Team: sd.Team, Depots: sd.Depots,
			Jurisdiction: sd.Jurisdiction, Desk: sd.Desk}
		// Seeding bypasses the password policy: the password is the
		// demo's (or a test's), given in code, not chosen by a person.
		if err := n.validate(false); err != nil {
			return 0, fmt.Errorf("user %s: %w", sd.Username, err)
		}
		users[i] = User{ID: dispatchd.NewID(), Username: n.Username, Role: n.Role, Team: n.Team, Depots: n.Depots,
			Jurisdiction: n.Jurisdiction, Desk: n.Desk, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		evs[i] = *s.event("user.created", actor, &users[i])
	}
	return s.store.ImportUsers(ctx, users, evs)
}
