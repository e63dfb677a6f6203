package sqldb

import (
	"context"
	"fmt"

	"dispatchd"
)

// SetPositionStale implements dispatch.Store. The conditional update is
// what lets several nodes run the watcher at once: the first to commit
// changes the row; the others wait on its row lock, find the flag already
// set (PostgreSQL re-reads the row under READ COMMITTED; SQLite has one
// writer) and write nothing.
func (s *Store) SetPositionStale(ctx context.Context, team string, stale bool, ev *dispatchd.Event) (bool, error) {
	changed := false
	err := s.tx(ctx, func(q Querier) error {
		n, err := q.Exec(ctx, `UPDATE teams SET position_stale = $2 WHERE id = $1 AND position_stale <> $2`, team, stale)
		if err != nil {
			return fmt.Errorf("set position_stale of team %s: %w", team, err)
		}
		if n == 0 {
			return nil
		}
		changed = true
		return s.appendEvents(ctx, q, ev)
	})
	if err != nil {
		return false, err
	}
	return changed, nil
}
