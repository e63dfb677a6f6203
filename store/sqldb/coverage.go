package sqldb

import (
	"context"
	"fmt"

	"dispatchd"
	"dispatchd/coverage"
)

// MarkCoverage implements coverage.GapStore: each mark's row is made if
// missing (with its state, and no event), else locked and flipped with
// its event only when its state differs.
func (s *Store) MarkCoverage(ctx context.Context, marks []coverage.Mark) (int, error) {
	var evs []*dispatchd.Event
	err := s.tx(ctx, func(q Querier) error {
		evs = evs[:0]
		for _, m := range marks {
			n, err := q.Exec(ctx, `INSERT INTO coverage_states (region, capability, below, share, changed_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (region, capability) DO NOTHING`, m.Region, m.Capability, m.Below, m.Share, m.At.UTC())
			if err != nil {
				return fmt.Errorf("record coverage: %w", err)
			}
			if n == 1 {
				continue // the first state seen: no change
			}
			var below bool
			if err := q.QueryRow(ctx, `SELECT below FROM coverage_states WHERE region = $1 AND capability = $2`+s.d.ForUpdate,
				m.Region, m.Capability).Scan(&below); err != nil {
				return fmt.Errorf("read coverage state: %w", err)
			}
			if below == m.Below {
				continue
			}
			if _, err := q.Exec(ctx, `UPDATE coverage_states SET below = $1, share = $2, changed_at = $3 WHERE region = $4 AND capability = $5`,
				m.Below, m.Share, m.At.UTC(), m.Region, m.Capability); err != nil {
				return fmt.Errorf("flip coverage state: %w", err)
			}
			if m.Event != nil {
				evs = append(evs, m.Event)
			}
		}
		if len(evs) == 0 {
			return nil
		}
		return s.appendEvents(ctx, q, evs...)
	})
	if err != nil {
		return 0, err
	}
	return len(evs), nil
}
