package dispatch

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
)

// MarkStale appends team.fresh for every team marked stale that has
// reported again and team.stale for every team that has had a position
// but sent none for the stale-after time, and returns how many of each it
// appended. It decides from the projection; the store writes each change
// only if the team's flag is not already so, so that several nodes may
// run it at once and each change is written once.
func (s *Service) MarkStale(ctx context.Context) (stale, fresh int, err error) {
	now := s.now()
	goStale, goFresh := s.proj.StaleDue(now)
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

func (s *Service) setStale(ctx context.Context, c plan.StaleChange, stale bool, now time.Time) (bool, error) {
	typ, d := "team.fresh", plan.PositionStaleEvent{Team: c.Team, PositionTS: c.TS, Position: c.At}
	if stale {
		typ, d.StaleAfterS = "team.stale", int64(s.proj.StaleAfter()/time.Second)
	}
	ev := s.event(typ, dispatchd.System, c.Team, d, now).Scoped("", placed(c.Region))
	done, err := s.store.SetPositionStale(ctx, c.Team, stale, ev)
	if err != nil {
		return false, fmt.Errorf("mark the position of team %s stale=%t: %w", c.Team, stale, err)
	}
	if done {
		s.noteWritten(ev)
	}
	return done, nil
}

// StaleEvery is how often RunStaleWatch looks for stale positions when it
// is not told: a tenth of the stale-after time, from 1s to 30s.
func (s *Service) StaleEvery() time.Duration {
	return min(max(s.proj.StaleAfter()/10, time.Second), 30*time.Second)
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
		case <-s.proj.Woken():
		}
	}
}
