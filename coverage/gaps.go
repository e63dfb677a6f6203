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

// Mark is a state to record, and the event of its change.
type Mark struct {
	State
	Event *dispatchd.Event
}

// GapStore records the states, once across nodes.
type GapStore interface {
	// MarkCoverage records, in one transaction, each mark whose recorded
	// state's Below differs, with its event, and returns how many events
	// it wrote. A county and capability with no record take the mark's
	// state without its event: the first state seen is not a change.
	MarkCoverage(ctx context.Context, marks []Mark) (int, error)
}

// GapEvent is the data of coverage.gap and coverage.restored.
type GapEvent struct {
	Region     string  `json:"region"`
	RegionName string  `json:"region_name,omitempty"`
	Capability string  `json:"capability"`
	Share      float64 `json:"share"`
	Threshold  float64 `json:"threshold"`
	TargetS    float64 `json:"target_s"`
	// Weight is the share the threshold applied to: area or population
	// (a county without population falls back to area).
	Weight string `json:"weight"`
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
				sh := l.Weighted(k, s.cfg.ByPopulation())
				weight := WeightArea
				if _, ok := l.PopulationShare(k); ok && s.cfg.ByPopulation() {
					weight = WeightPopulation
				}
				key := gapKey{cty.Code, c}
				below := sh < s.cfg.Gap
				if was, ok := s.below[key]; ok && was == below {
					continue
				}
				todo = append(todo, change{key: key, st: State{Region: cty.Code, Capability: c, Below: below, Share: sh, At: now},
					data: GapEvent{Region: cty.Code, Capability: c, Share: sh, Threshold: s.cfg.Gap, TargetS: l.TargetS(), Weight: weight}})
			}
		}
	}
	s.mu.Unlock()
	if len(todo) == 0 {
		return 0, nil
	}
	marks := make([]Mark, len(todo))
	for i, ch := range todo {
		typ := EventRestored
		if ch.st.Below {
			typ = EventGap
		}
		ch.data.RegionName = s.regs.Name(ctx, ch.st.Region)
		ev := dispatchd.NewEvent(typ, dispatchd.System, ch.st.Region, ch.data)
		ev.Scoped("", ch.st.Region)
		marks[i] = Mark{State: ch.st, Event: &ev}
	}
	n, err := store.MarkCoverage(ctx, marks)
	if err != nil {
		return 0, fmt.Errorf("record the coverage of %d counties and capabilities: %w", len(marks), err)
	}
	s.mu.Lock()
	for _, ch := range todo {
		s.below[ch.key] = ch.st.Below
	}
	s.mu.Unlock()
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
