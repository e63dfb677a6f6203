package dispatch

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"dispatchd"
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

// staleChange is a team whose flag is due to change, and its position.
type staleChange struct {
	team string
	at   geo.Point
	ts   time.Time
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

// staleDue returns, by team id, the teams to mark stale at now (they have
// had a position, none for StaleAfter, and are not marked) and the teams
// to mark fresh (they are marked and hold a position that is not stale).
// It is one pass over every team, under the lock. It decides from state,
// not from wakes: a wake lost or a write failed is made up at the next
// pass, and a marked team's old fix (a device's backlog) is not fresh.
func (p *Projection) staleDue(now time.Time) (stale, fresh []staleChange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, t := range p.teams {
		if !t.hasPos || t.PositionStale == p.stale(t, now) {
			continue
		}
		c := staleChange{id, t.pos, t.posTS}
		if t.PositionStale {
			fresh = append(fresh, c)
		} else {
			stale = append(stale, c)
		}
	}
	byTeam := func(a, b staleChange) int { return cmp.Compare(a.team, b.team) }
	slices.SortFunc(stale, byTeam)
	slices.SortFunc(fresh, byTeam)
	return stale, fresh
}

// MarkStale appends team.fresh for every team marked stale that has
// reported again and team.stale for every team that has had a position
// but sent none for the stale-after time, and returns how many of each it
// appended. It decides from the projection; the store writes each change
// only if the team's flag is not already so, so that several nodes may
// run it at once and each change is written once.
func (s *Service) MarkStale(ctx context.Context) (stale, fresh int, err error) {
	now := s.now()
	goStale, goFresh := s.proj.staleDue(now)
	for _, c := range goFresh {
		done, err := s.setStale(ctx, c, false, now)
		if err != nil {
			return stale, fresh, err
		}
		if done {
			fresh++
		}
	}
	for _, c := range goStale {
		done, err := s.setStale(ctx, c, true, now)
		if err != nil {
			return stale, fresh, err
		}
		if done {
			stale++
		}
	}
	return stale, fresh, nil
}

func (s *Service) setStale(ctx context.Context, c staleChange, stale bool, now time.Time) (bool, error) {
	typ, d := "team.fresh", PositionStaleEvent{Team: c.team, PositionTS: c.ts, Position: c.at}
	if stale {
		typ, d.StaleAfterS = "team.stale", int64(s.proj.cfg.StaleAfter/time.Second)
	}
	ev := s.event(typ, dispatchd.System, c.team, d, now)
	done, err := s.store.SetPositionStale(ctx, c.team, stale, ev)
	if err != nil {
		return false, fmt.Errorf("mark the position of team %s stale=%t: %w", c.team, stale, err)
	}
	if done {
		s.noteWritten(ev)
	}
	return done, nil
}

// StaleEvery is how often RunStaleWatch looks for stale positions when it
// is not told: a tenth of the stale-after time, from 1s to 30s.
func (s *Service) StaleEvery() time.Duration {
	return min(max(s.proj.cfg.StaleAfter/10, time.Second), 30*time.Second)
}

// RunStaleWatch runs MarkStale every interval (StaleEvery when it is not
// positive), and as soon as a team marked stale reports again, until ctx
// ends. Errors (a store outage) are passed to report and retried at the
// next tick. Like RunEscalator, it stops between rounds.
func (s *Service) RunStaleWatch(ctx context.Context, every time.Duration, report func(stale, fresh int, err error)) {
	if every <= 0 {
		every = s.StaleEvery()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rctx, cancel := roundContext(ctx)
		stale, fresh, err := s.MarkStale(rctx)
		cancel()
		if (stale > 0 || fresh > 0 || err != nil) && ctx.Err() == nil {
			report(stale, fresh, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.proj.wake:
		}
	}
}
