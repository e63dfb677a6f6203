package auth

import (
	"context"
	"crypto/rand"
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
// shown once, when the tracker is registered.
type Tracker struct {
	ID        string    `json:"id"`
	Team      string    `json:"team"`
	Token     string    `json:"token,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NewTracker registers a device id for a team.
type NewTracker struct {
	ID   string `json:"id"`
	Team string `json:"team"`
}

func deviceID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// CreateTracker registers a device for a team and returns its token.
func (s *Service) CreateTracker(ctx context.Context, actor dispatchd.Actor, n NewTracker) (*Tracker, error) {
	id := deviceID(n.ID)
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
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("read password: %w", err)
	}
	// Nobody logs in as a tracker: the password is random and forgotten.
	u, err := s.CreateUser(ctx, actor, NewUser{Username: trackerPrefix + id, Password: base64.RawURLEncoding.EncodeToString(raw),
		Role: dispatchd.RoleTracker, Team: strings.TrimSpace(n.Team)})
	if err != nil {
		if dispatchd.ErrorCode(err) == dispatchd.ECONFLICT {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "tracker %s is already registered", id)
		}
		return nil, err
	}
	token, sess, err := s.openSession(ctx, u, TrackerTokenTTL)
	if err != nil {
		return nil, err
	}
	return &Tracker{ID: id, Team: u.Team, Token: token, ExpiresAt: sess.ExpiresAt}, nil
}

// Tracker returns the actor of a registered device, for protocols that
// name the device rather than send a bearer token (OsmAnd). When token is
// given it must be the tracker's own. An unknown or disabled device, or a
// wrong token, is EUNAUTHORIZED.
func (s *Service) Tracker(ctx context.Context, id, token string) (dispatchd.Actor, error) {
	u, err := s.store.GetUserByUsername(ctx, trackerPrefix+deviceID(id))
	switch {
	case dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND:
		return dispatchd.Actor{}, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "unknown tracker %q: register it with POST /api/v1/trackers", id)
	case err != nil:
		return dispatchd.Actor{}, err
	case u.Role != dispatchd.RoleTracker:
		return dispatchd.Actor{}, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "unknown tracker %q", id)
	case u.Disabled:
		return dispatchd.Actor{}, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "tracker %q is disabled", id)
	}
	if token != "" {
		a, err := s.Authenticate(ctx, token)
		if err != nil || a.UserID != u.ID {
			return dispatchd.Actor{}, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "wrong token for tracker %q", id)
		}
	}
	return u.Actor(), nil
}

// DeleteTracker disables a device and revokes its token.
func (s *Service) DeleteTracker(ctx context.Context, actor dispatchd.Actor, id string) error {
	u, err := s.store.GetUserByUsername(ctx, trackerPrefix+deviceID(id))
	if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND || err == nil && u.Role != dispatchd.RoleTracker {
		return dispatchd.Errorf(dispatchd.ENOTFOUND, "tracker %s not found", id)
	} else if err != nil {
		return err
	}
	disabled := true
	_, err = s.UpdateUser(ctx, actor, u.ID, UserPatch{Disabled: &disabled})
	return err
}
