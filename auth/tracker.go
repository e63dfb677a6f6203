package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"

	"dispatchd"
)

// A tracker is a device (a phone app such as Traccar Client, a vehicle GPS
// unit) that reports one team's positions. It is kept as a user with the
// tracker role, named trackerPrefix + its device id, so that its token is
// checked, revoked and audited like every other.
const trackerPrefix = "tracker-"

// TrackerTokenTTL is how long a tracker's token lasts: devices are set up
// once and left alone.
const TrackerTokenTTL = 10 * 365 * 24 * time.Hour

var deviceRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,54}$`)

// Tracker is a registered device and the team it reports for. Token is
// its secret, shown once, when the tracker is registered: the device
// proves itself with it, as the key of the OsmAnd URL or as the bearer
// token of POST /api/v1/positions. Only its SHA-256 is kept.
type Tracker struct {
	ID        string    `json:"id"`
	Team      string    `json:"team"`
	Token     string    `json:"token,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NewTracker registers a device id for a team; with no id, the service
// makes an unguessable one.
type NewTracker struct {
	ID   string `json:"id"`
	Team string `json:"team"`
}

func deviceID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// newDeviceID returns 128 random bits in lowercase base32: a device id
// nobody guesses, which the tracker app takes as it is.
func newDeviceID() (string, error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("read device id: %w", err)
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)), nil
}

// CreateTracker registers a device for a team and returns its secret.
func (s *Service) CreateTracker(ctx context.Context, actor dispatchd.Actor, n NewTracker) (*Tracker, error) {
	id := deviceID(n.ID)
	if id == "" {
		var err error
		if id, err = newDeviceID(); err != nil {
			return nil, err
		}
	}
	var f dispatchd.Fields
	if !deviceRE.MatchString(id) {
		f.Add("id", "must be 1 to 55 letters, digits, '.', '_' or '-', as the tracker app shows it")
	}
	if strings.TrimSpace(n.Team) == "" {
		f.Add("team", "is required: a tracker reports for one team")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	// The tracker lies in its team's region: the admins of that region
	// manage it, and its events are seen there.
	team := strings.TrimSpace(n.Team)
	t, err := s.registry.GetTeam(ctx, team)
	if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND || err == nil && !actor.Covers(t.Region) {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "team", Message: "unknown team " + team})
	} else if err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("read password: %w", err)
	}
	// Nobody logs in as a tracker: the password is random and forgotten.
	u, err := s.createUser(ctx, actor, NewUser{Username: trackerPrefix + id, Password: base64.RawURLEncoding.EncodeToString(raw),
		Role: dispatchd.RoleTracker, Team: team, Jurisdiction: t.Region}, false)
	if err != nil {
		if dispatchd.ErrorCode(err) == dispatchd.ECONFLICT {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "tracker %s is already registered", id)
		}
		return nil, err
	}
	// The secret is a session token: 256 random bits, kept as its SHA-256,
	// revoked with the tracker.
	token, sess, err := s.openSession(ctx, u, TrackerTokenTTL)
	if err != nil {
		return nil, err
	}
	return &Tracker{ID: id, Team: u.Team, Token: token, ExpiresAt: sess.ExpiresAt}, nil
}

// errTrackerProof is the one answer to every failed proof: an unknown
// device, a wrong or missing key, a disabled tracker all look alike, so
// that ids cannot be told apart from outside.
var errTrackerProof = dispatchd.Errorf(dispatchd.EUNAUTHORIZED,
	"unknown tracker or wrong key: set the app's server URL to the one POST /api/v1/trackers answered, key included")

// Tracker returns the actor of a registered device that proves itself
// with its secret (the key of its OsmAnd URL), for protocols that name the
// device rather than send a bearer token. An unknown or disabled device,
// or a missing or wrong key, is EUNAUTHORIZED with one same message. The
// check is one lookup of the key's SHA-256 in the store, as for every
// bearer token, so that a deleted tracker is refused on every node at once.
func (s *Service) Tracker(ctx context.Context, id, key string) (dispatchd.Actor, error) {
	if key == "" || len(key) > 256 {
		return dispatchd.Actor{}, errTrackerProof
	}
	_, u, err := s.store.GetSession(ctx, hashToken(key), s.now())
	switch {
	case dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND:
		return dispatchd.Actor{}, errTrackerProof
	case err != nil:
		return dispatchd.Actor{}, err
	}
	// The key found its owner; the id must name that same tracker.
	// Usernames are not secret, but the comparison costs the same either
	// way.
	same := subtle.ConstantTimeCompare([]byte(u.Username), []byte(trackerPrefix+deviceID(id))) == 1
	if !same || u.Role != dispatchd.RoleTracker || u.Disabled {
		return dispatchd.Actor{}, errTrackerProof
	}
	return u.Actor(s.desks), nil
}

// DeleteTracker disables a device and revokes its token. A tracker whose
// team lies outside the actor's jurisdiction is not found.
func (s *Service) DeleteTracker(ctx context.Context, actor dispatchd.Actor, id string) error {
	notFound := dispatchd.Errorf(dispatchd.ENOTFOUND, "tracker %s not found", id)
	u, err := s.store.GetUserByUsername(ctx, trackerPrefix+deviceID(id))
	if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND || err == nil && u.Role != dispatchd.RoleTracker {
		return notFound
	} else if err != nil {
		return err
	}
	// Its team's region, or the tracker's own once the team is gone.
	region := u.Jurisdiction
	if t, err := s.registry.GetTeam(ctx, u.Team); err == nil {
		region = t.Region
	} else if dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		return err
	}
	if !actor.Covers(region) {
		return notFound
	}
	disabled := true
	_, err = s.updateUser(ctx, actor, u.ID, UserPatch{Disabled: &disabled}, func(*User) bool { return true })
	return err
}
