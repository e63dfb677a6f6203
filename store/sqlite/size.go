package sqlite

import (
	"context"
	"fmt"
)

// PositionBytes returns the bytes the position history takes on disk: the
// pages of every day file (fixes, their index and the teams), each
// checkpointed first so that its WAL counts too.
func (s *Store) PositionBytes(ctx context.Context) (int64, error) {
	all, err := s.days.list()
	if err != nil {
		return 0, err
	}
	var total int64
	for _, d := range all {
		f, err := s.days.get(d, false)
		if err != nil || f == nil {
			return total, err
		}
		var n int64
		_, err = f.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		if err == nil {
			err = f.db.QueryRowContext(ctx, `SELECT coalesce(sum(pgsize), 0) FROM dbstat`).Scan(&n)
		}
		f.use.RUnlock()
		if err != nil {
			return total, fmt.Errorf("measure the positions of %s: %w", d.Format("2006-01-02"), translate(err))
		}
		total += n
	}
	return total, nil
}

// LegacyPositionBytes returns the bytes that the main file's positions
// table of migration 00003 and its two indexes take: the layout before the
// day files, which the embedded store's AppendPositions and Track
// (s.Store) still write and read, for `dispatchd bench history`.
func (s *Store) LegacyPositionBytes(ctx context.Context) (int64, error) {
	if _, err := s.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, translate(err)
	}
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT coalesce(sum(pgsize), 0) FROM dbstat
		WHERE name IN ('positions', 'positions_team_ts_idx', 'positions_ts_idx')`).Scan(&n)
	return n, translate(err)
}
