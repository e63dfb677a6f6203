package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"dispatchd/realtime"
)

var _ realtime.ThinningHistoryStore = (*Store)(nil)

// ThinPositions keeps, of the fixes of each day partition that ends at or
// before before, the first of each team in each interval of every, and
// returns how many it removed. Each day is one DELETE on its partition:
// it takes ROW EXCLUSIVE, as inserts do, so the history's writes never
// wait for it. A day already thinned at every (positions_thinned) is
// skipped.
func (s *Store) ThinPositions(ctx context.Context, before time.Time, every time.Duration) (int64, error) {
	if every < time.Microsecond {
		return 0, fmt.Errorf("thin positions: interval %v is under a microsecond", every)
	}
	parts, err := s.partitions(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, p := range parts {
		if p.day.Add(day).After(before.UTC()) {
			break
		}
		if !p.attached {
			continue // being dropped
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := s.thinPartition(ctx, p, every.Microseconds())
		total += n
		if err != nil {
			return total, fmt.Errorf("thin position partition %s: %w", p.name, err)
		}
	}
	return total, nil
}

func (s *Store) thinPartition(ctx context.Context, p partition, every int64) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var done int64
		err := tx.QueryRow(ctx, `SELECT every_us FROM positions_thinned WHERE day = $1`, p.day).Scan(&done)
		if err == nil && done == every {
			return nil
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		// Ties at one time keep the row stored first (ctid order).
		tag, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE ctid IN (
			SELECT ctid FROM (
				SELECT ctid, row_number() OVER (PARTITION BY team_id, div((extract(epoch FROM ts) * 1000000)::bigint, $1) ORDER BY ts, ctid) AS rn
				FROM %s) x
			WHERE rn > 1)`, p.name, p.name), every)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `INSERT INTO positions_thinned (day, every_us) VALUES ($1, $2)
			ON CONFLICT (day) DO UPDATE SET every_us = excluded.every_us`, p.day, every)
		return err
	})
	if err != nil {
		return 0, translate(err)
	}
	return n, nil
}
