package sqldb

import (
	"context"
	"fmt"

	"dispatchd"
	"dispatchd/dispatch"
)

// ReviewTargets implements dispatch.Store.
func (s *Store) ReviewTargets(ctx context.Context) ([]dispatch.Target, error) {
	rows, err := s.db.Query(ctx, `SELECT metric, type, level, seconds FROM review_targets`)
	if err != nil {
		return nil, fmt.Errorf("list review targets: %w", err)
	}
	defer rows.Close()
	out := []dispatch.Target{}
	for rows.Next() {
		var t dispatch.Target
		if err := rows.Scan(&t.Metric, &t.Type, &t.Level, &t.Seconds); err != nil {
			return nil, fmt.Errorf("scan review target: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	dispatch.SortTargets(out)
	return out, nil
}

// SetReviewTargets implements dispatch.Store.
func (s *Store) SetReviewTargets(ctx context.Context, ts []dispatch.Target, ev *dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error {
		if _, err := q.Exec(ctx, `DELETE FROM review_targets`); err != nil {
			return fmt.Errorf("clear review targets: %w", err)
		}
		for _, t := range ts {
			if _, err := q.Exec(ctx, `INSERT INTO review_targets (metric, type, level, seconds) VALUES ($1, $2, $3, $4)`,
				t.Metric, t.Type, t.Level, t.Seconds); err != nil {
				return conflict(err, "review target %s of %q level %d repeated", t.Metric, t.Type, t.Level)
			}
		}
		return s.appendEvents(ctx, q, ev)
	})
}
