package plan

import (
	"cmp"
	"slices"
	"time"

	"dispatchd/geo"
)

// PositionStaleEvent is the data of team.stale, appended once when a team
// that has had a position sends none for the stale-after time, and of
// team.fresh, appended once when a team marked stale reports again.
type PositionStaleEvent struct {
	Team string `json:"team"`
	// PositionTS is the device time of the team's last position before it
	// went stale (team.stale), or of the one it reported again with
	// (team.fresh).
	PositionTS time.Time `json:"position_ts"`
	// Position is where that position put the team.
	Position geo.Point `json:"position"`
	// StaleAfterS is the stale-after time in seconds (team.stale only).
	StaleAfterS int64 `json:"stale_after_s,omitempty"`
}

// StaleChange is a team whose flag is due to change, and its position.
type StaleChange struct {
	Team string
	At   geo.Point
	TS   time.Time
	// Region is the team's, which the event is scoped to.
	Region string
}

// setStaleFlag applies team.stale or team.fresh; ts is the event's
// position time.
func (p *Projection) setStaleFlag(t *teamState, stale bool, ts time.Time) {
	t.PositionStale, t.wokeFresh = stale, false
	// A fix newer than the one the team went stale after reached this node
	// before the event did (or another node decided from an older view).
	if stale && t.hasPos && t.posTS.After(ts) {
		p.wakeFresh(t)
	}
}

// wakeFresh wakes the watcher for a team marked stale that has reported,
// once until the flag next changes, and without waiting: SetPosition
// calls it on the hot path.
func (p *Projection) wakeFresh(t *teamState) {
	t.wokeFresh = true
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// StaleDue returns, by team id, the teams to mark stale at now (they have
// had a position, none for StaleAfter, and are not marked) and the teams
// to mark fresh (they are marked and hold a position that is not stale).
// It is one pass over every team, under the lock. It decides from state,
// not from wakes: a wake lost or a write failed is made up at the next
// pass, and a marked team's old fix (a device's backlog) is not fresh.
func (p *Projection) StaleDue(now time.Time) (stale, fresh []StaleChange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, t := range p.teams {
		if !t.hasPos || t.PositionStale == p.stale(t, now) {
			continue
		}
		c := StaleChange{id, t.pos, t.posTS, t.Region}
		if t.PositionStale {
			fresh = append(fresh, c)
		} else {
			stale = append(stale, c)
		}
	}
	byTeam := func(a, b StaleChange) int { return cmp.Compare(a.Team, b.Team) }
	slices.SortFunc(stale, byTeam)
	slices.SortFunc(fresh, byTeam)
	return stale, fresh
}

// StaleAfter returns the age past which a team's last position no longer
// counts.
func (p *Projection) StaleAfter() time.Duration { return p.cfg.StaleAfter }

// Woken receives when a team marked stale has reported again: the
// stale-position watcher waits on it between rounds.
func (p *Projection) Woken() <-chan struct{} { return p.wake }
