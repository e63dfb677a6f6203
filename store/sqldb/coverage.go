package sqldb

import (
	"context"
	"fmt"

	"dispatchd"
	"dispatchd/coverage"
)

// MarkCoverage implements coverage.GapStore: the row of the county and
// capability is made if missing (with st, and no event), then locked, and
// flipped with ev only when its state differs from st's.
func (s *Store) MarkCoverage(ctx context.Context, st coverage.State, ev *dispatchd.Event) (bool, error) {
	changed := false
	err := s.tx(ctx, func(q Querier) error {
		changed = false
		n, err := q.Exec(ctx, `INSERT INTO coverage_states (region, capability, below, share, changed_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (region, capability) DO NOTHING`, st.Region, st.Capability, st.Below, st.Share, st.At.UTC())
		if err != nil {
			return fmt.Errorf("record coverage: %w", err)
		}
		if n == 1 {
			return nil // the first state seen: no change
		}
		var below bool
		if err := q.QueryRow(ctx, `SELECT below FROM coverage_states WHERE region = $1 AND capability = $2`+s.d.ForUpdate,
			st.Region, st.Capability).Scan(&below); err != nil {
			return fmt.Errorf("read coverage state: %w", err)
		}
		if below == st.Below {
			return nil
		}
		if _, err := q.Exec(ctx, `UPDATE coverage_states SET below = $1, share = $2, changed_at = $3 WHERE region = $4 AND capability = $5`,
			st.Below, st.Share, st.At.UTC(), st.Region, st.Capability); err != nil {
			return fmt.Errorf("flip coverage state: %w", err)
		}
		changed = true
		return s.appendEvents(ctx, q, ev)
	})
	return changed && err == nil, err
}
