package recorder

import (
	"context"
	"fmt"
	"sync"
	"time"

	"dispatchd"
	"dispatchd/realtime"
)

// Store is what the recorder needs of the database.
type Store interface {
	LedgerSource
	// PutCheckpoint stores a checkpoint; one already stored at its event
	// id is left as it is (checkpoints are idempotent).
	PutCheckpoint(ctx context.Context, c *Checkpoint) error
	// GetCheckpoint returns the checkpoint at event id; not_found when
	// there is none.
	GetCheckpoint(ctx context.Context, eventID int64) (*Checkpoint, error)
	// CheckpointAt returns the newest checkpoint whose time is at or
	// before t; not_found when there is none.
	CheckpointAt(ctx context.Context, t time.Time) (*Checkpoint, error)
	// LastCheckpoint returns the newest checkpoint; not_found when there
	// is none.
	LastCheckpoint(ctx context.Context) (*Checkpoint, error)
	// RecorderFrame reads the whole state now in one consistent read.
	RecorderFrame(ctx context.Context) (*Frame, error)
	// ListEvents returns up to limit events with ids above since, in id
	// order.
	ListEvents(ctx context.Context, since int64, limit int) ([]dispatchd.Event, error)
	// LastPositions returns each team's last fix at or before at, within.
	LastPositions(ctx context.Context, teams []string, at time.Time, within time.Duration) ([]realtime.Position, error)
}

// PositionWindow is how far before the moment a unit's last fix may be
// and still count as its position then.
const PositionWindow = 24 * time.Hour

// Pages of events a fold reads: the first small, as a moment is at most a
// checkpoint's interval past its checkpoint, then larger.
const (
	firstEventPage = 64
	maxEventPage   = 1000
)

// baseCache is how many decoded bases the service keeps: a replay asks for
// moments of one day, whose checkpoints share a base.
const baseCache = 2

// Service answers the state at a moment.
type Service struct {
	store Store
	now   func() time.Time
	mu    sync.Mutex
	bases []*Model // newest use first
}

// NewService returns a service over store.
func NewService(store Store) *Service {
	return &Service{store: store, now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the service's clock (the checkpoints' lease, the
// future At refuses), for benchmarks that replay a month of history.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// At returns what actor saw at t, as admins, commanders and viewers see
// it (scoped by jurisdiction and desk). It fails with invalid for a t in
// the future, not_found for a t before the first checkpoint.
func (s *Service) At(ctx context.Context, actor dispatchd.Actor, t time.Time) (*State, error) {
	if !actor.Is(dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleViewer) {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "the state at a moment is for admins, commanders and viewers")
	}
	t = t.UTC()
	if t.After(s.now()) {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "at", Message: "must not be in the future"})
	}
	cp, err := s.store.CheckpointAt(ctx, t)
	if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "nothing was recorded at or before %s: the recorder's history starts at its first checkpoint", t.Format(time.RFC3339))
	}
	if err != nil {
		return nil, err
	}
	m, err := s.load(ctx, cp)
	if err != nil {
		return nil, err
	}
	if err := s.fold(ctx, m, t); err != nil {
		return nil, err
	}
	st := m.View(actor.Scope())
	st.At = t
	teams := make([]string, len(st.Teams))
	for i, tm := range st.Teams {
		teams[i] = tm.ID
	}
	if st.Positions, err = s.store.LastPositions(ctx, teams, t, PositionWindow); err != nil {
		return nil, fmt.Errorf("read the positions at %s: %w", t.Format(time.RFC3339), err)
	}
	return st, nil
}

// load decodes a checkpoint, with its base for a delta.
func (s *Service) load(ctx context.Context, cp *Checkpoint) (*Model, error) {
	if cp.IsBase() {
		return s.base(ctx, cp.EventID, cp)
	}
	base, err := s.base(ctx, cp.Base, nil)
	if err != nil {
		return nil, fmt.Errorf("read the base of checkpoint %d: %w", cp.EventID, err)
	}
	return Decode(cp, base)
}

// base returns a copy of the base checkpoint at event id, decoded once
// for the next few calls; cp is that checkpoint when the caller has read
// it.
func (s *Service) base(ctx context.Context, id int64, cp *Checkpoint) (*Model, error) {
	s.mu.Lock()
	for i, m := range s.bases {
		if m.EventID == id {
			copy(s.bases[1:i+1], s.bases[:i])
			s.bases[0] = m
			s.mu.Unlock()
			return m.Clone(), nil
		}
	}
	s.mu.Unlock()
	if cp == nil {
		var err error
		if cp, err = s.store.GetCheckpoint(ctx, id); err != nil {
			return nil, err
		}
	}
	m, err := Decode(cp, nil)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.bases = append([]*Model{m}, s.bases[:min(len(s.bases), baseCache-1)]...)
	s.mu.Unlock()
	return m.Clone(), nil
}

// fold applies the events after the model up to t (every event when t is
// zero).
func (s *Service) fold(ctx context.Context, m *Model, t time.Time) error {
	for page := firstEventPage; ; page = min(page*4, maxEventPage) {
		evs, err := s.store.ListEvents(ctx, m.EventID, page)
		if err != nil {
			return fmt.Errorf("read the events after %d: %w", m.EventID, err)
		}
		for _, ev := range evs {
			if !t.IsZero() && ev.TS.After(t) {
				return nil
			}
			if err := m.Apply(ctx, s.store, ev); err != nil {
				return err
			}
		}
		if len(evs) < page {
			return nil
		}
	}
}
