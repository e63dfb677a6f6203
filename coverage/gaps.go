package coverage

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
)

// The events of coverage.
const (
	EventGap      = "coverage.gap"
	EventRestored = "coverage.restored"
)

// State is whether a county's coverage of a capability is below the gap
// threshold.
type State struct {
	Region     string
	Capability string
	Below      bool
	Share      float64
	At         time.Time
}

// GapStore records the states, once across nodes.
type GapStore interface {
	// MarkCoverage records st and writes ev with it, in one transaction,
	// when the recorded state's Below differs; it reports whether it did.
	// A county and capability with no record take st without ev: the
	// first state seen is not a change.
	MarkCoverage(ctx context.Context, st State, ev *dispatchd.Event) (bool, error)
}

// GapEvent is the data of coverage.gap and coverage.restored.
type GapEvent struct {
	Region     string  `json:"region"`
	RegionName string  `json:"region_name,omitempty"`
	Capability string  `json:"capability"`
	Share      float64 `json:"share"`
	Threshold  float64 `json:"threshold"`
	TargetS    float64 `json:"target_s"`
}

// SetGaps makes Check record gaps in store.
func (s *Service) SetGaps(store GapStore) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = store
}

// Check syncs the coverage and records every county whose share crossed
// the threshold since this node last looked, writing coverage.gap (or
// coverage.restored) once across nodes. It returns how many events it
// wrote.
func (s *Service) Check(ctx context.Context) (int, error) {
	if err := s.Sync(ctx, time.Now()); err != nil {
		return 0, err
	}
	s.sync.Lock() // one Check at a time walks the states
	defer s.sync.Unlock()
	type change struct {
		key  gapKey
		st   State
		data GapEvent
	}
	var todo []change
	s.mu.Lock()
	store := s.gaps
	if store != nil {
		now := time.Now().UTC()
		for c, l := range s.layers {
			for k, cty := range s.grid.counties {
				if s.grid.Cells(k) == 0 {
					continue
				}
				sh := l.Share(k)
				key := gapKey{cty.Code, c}
				below := sh < s.cfg.Gap
				if was, ok := s.below[key]; ok && was == below {
					continue
				}
				todo = append(todo, change{key: key, st: State{Region: cty.Code, Capability: c, Below: below, Share: sh, At: now},
					data: GapEvent{Region: cty.Code, Capability: c, Share: sh, Threshold: s.cfg.Gap, TargetS: l.TargetS()}})
			}
		}
	}
	s.mu.Unlock()
	n := 0
	for _, ch := range todo {
		typ := EventRestored
		if ch.st.Below {
			typ = EventGap
		}
		ch.data.RegionName = s.regs.Name(ctx, ch.st.Region)
		ev := dispatchd.NewEvent(typ, dispatchd.System, ch.st.Region, ch.data)
		ev.Scoped("", ch.st.Region)
		wrote, err := store.MarkCoverage(ctx, ch.st, &ev)
		if err != nil {
			return n, fmt.Errorf("record the coverage of %s for %s: %w", ch.st.Region, ch.st.Capability, err)
		}
		if wrote {
			n++
		}
		s.mu.Lock()
		s.below[ch.key] = ch.st.Below
		s.mu.Unlock()
	}
	return n, nil
}

// Run checks the coverage every interval until ctx ends, reporting each
// round's events or error.
func (s *Service) Run(ctx context.Context, every time.Duration, report func(n int, err error)) {
	if every <= 0 {
		every = DefaultEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.Check(ctx); (err != nil || n > 0) && ctx.Err() == nil {
			report(n, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DefaultEvery is how often Run checks.
const DefaultEvery = 2 * time.Second
