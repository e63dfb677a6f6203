package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"dispatchd/realtime"
)

// The position history is partitioned by the UTC day of the device time
// (migration 00008): positions_pYYYYMMDD holds one day, positions_default
// whatever falls on a day that has no partition.
const (
	partitionPrefix  = "positions_p"
	partitionLayout  = "20060102"
	defaultPartition = "positions_default"
	day              = 24 * time.Hour
)

// partitionLockKey serializes the nodes' partition maintenance.
const partitionLockKey = 0x70617274 // "part"

// maintenanceLockTimeout bounds how long a partition's attach or detach
// waits for its lock: the writes that queue behind it wait no longer. One
// that gives up is tried again, up to maintenanceAttempts times.
const (
	maintenanceLockTimeout = 50 * time.Millisecond
	maintenanceAttempts    = 20
	maintenanceRetryDelay  = 500 * time.Millisecond
)

var _ realtime.PartitionedHistoryStore = (*Store)(nil)

// PositionPartition returns the span of one partition of the history: a
// UTC day.
func (s *Store) PositionPartition() time.Duration { return day }

func partitionName(d time.Time) string { return partitionPrefix + d.UTC().Format(partitionLayout) }

// partition is a table of one day's positions.
type partition struct {
	name     string
	day      time.Time
	attached bool
}

// partitions lists the day tables, attached or left detached by a prune
// that stopped between its detach and its drop, oldest first.
func (s *Store) partitions(ctx context.Context) ([]partition, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.relname, c.relispartition FROM pg_class c
		WHERE c.relkind = 'r' AND c.relname LIKE 'positions\_p%' AND c.relnamespace = to_regnamespace(current_schema())`)
	if err != nil {
		return nil, fmt.Errorf("list position partitions: %w", translate(err))
	}
	defer rows.Close()
	var out []partition
	for rows.Next() {
		var p partition
		if err := rows.Scan(&p.name, &p.attached); err != nil {
			return nil, fmt.Errorf("list position partitions: %w", translate(err))
		}
		d, err := time.Parse(partitionLayout, strings.TrimPrefix(p.name, partitionPrefix))
		if err != nil {
			continue // not one of ours
		}
		p.day = d
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list position partitions: %w", translate(err))
	}
	slices.SortFunc(out, func(a, b partition) int { return a.day.Compare(b.day) })
	return out, nil
}

// CreatePositionPartitions makes sure a partition exists for every UTC day
// from the day of from to the day of to. Fixes of such a day that wait in
// the default partition move into the new one.
func (s *Store) CreatePositionPartitions(ctx context.Context, from, to time.Time) error {
	have, err := s.partitions(ctx)
	if err != nil {
		return err
	}
	attached := map[time.Time]bool{}
	for _, p := range have {
		attached[p.day] = p.attached
	}
	for d := from.UTC().Truncate(day); !d.After(to.UTC()); d = d.Add(day) {
		if attached[d] {
			continue
		}
		if err := s.retryLocked(ctx, func() error { return s.createPartition(ctx, d) }); err != nil {
			return err
		}
	}
	return nil
}

// createPartition creates the partition of day d, moving its rows out of
// the default partition, and attaches it. The new table is built apart and
// checked before the attach, which then needs only a brief lock: SHARE
// UPDATE EXCLUSIVE on positions (writes go on) and a scan of the default
// partition, which holds only stray fixes.
func (s *Store) createPartition(ctx context.Context, d time.Time) error {
	name, next := partitionName(d), d.Add(day)
	lo, hi := d.Format("2006-01-02 15:04:05+00"), next.Format("2006-01-02 15:04:05+00")
	return s.maintain(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = $1 AND relnamespace = to_regnamespace(current_schema()))`, name).Scan(&exists); err != nil {
			return err
		}
		if exists { // another node made it, or a drop was cut short
			return nil
		}
		for _, stmt := range []string{
			// No stray fix of the day may reach the default partition
			// between the move and the attach; the attach takes this lock
			// anyway.
			fmt.Sprintf(`LOCK TABLE %s IN ACCESS EXCLUSIVE MODE`, defaultPartition),
			fmt.Sprintf(`CREATE TABLE %s (LIKE positions INCLUDING DEFAULTS)`, name),
			fmt.Sprintf(`ALTER TABLE %s ADD CONSTRAINT %s_day CHECK (ts >= '%s' AND ts < '%s')`, name, name, lo, hi),
			fmt.Sprintf(`WITH moved AS (DELETE FROM %s WHERE ts >= '%s' AND ts < '%s' RETURNING *) INSERT INTO %s SELECT * FROM moved`, defaultPartition, lo, hi, name),
			fmt.Sprintf(`ALTER TABLE positions ATTACH PARTITION %s FOR VALUES FROM ('%s') TO ('%s')`, name, lo, hi),
		} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("create position partition %s: %w", name, err)
			}
		}
		return nil
	})
}

// positionCols are the columns of a fix (migration 00016 dropped
// received_at).
var positionCols = []string{"team_id", "ts", "lon", "lat", "speed", "heading", "accuracy", "altitude", "battery"}

// AppendPositions writes positions to the history with one COPY, all or
// none. Every position is kept, duplicates and late ones included. It
// tells no OnCommit function, since positions are not events.
func (s *Store) AppendPositions(ctx context.Context, ps []realtime.Position) error {
	if len(ps) == 0 {
		return nil
	}
	rows := make([][]any, len(ps))
	for i := range ps {
		p := &ps[i]
		rows[i] = []any{p.Team, p.TS.UTC(), p.Lon, p.Lat, p.Speed, p.Heading, p.Accuracy, p.Altitude, p.Battery}
	}
	if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{"positions"}, positionCols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("append %d positions: %w", len(ps), translate(err))
	}
	return nil
}

// DeletePositionsBefore removes the positions with device times before t
// and returns how many. Days wholly before t go whole: each partition is
// detached and dropped. The rest of the day t falls in, and the default
// partition's expired fixes, are deleted in batches; the history writer
// cuts at a day's start (PositionPartition), so that it deletes only
// stray fixes.
func (s *Store) DeletePositionsBefore(ctx context.Context, t time.Time) (int64, error) {
	t = t.UTC()
	parts, err := s.partitions(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	var errs []error
	for _, p := range parts {
		switch {
		case !p.day.Add(day).After(t):
			n, err := s.dropPartition(ctx, p)
			total += n
			if err != nil {
				errs = append(errs, err)
			}
		case p.day.Before(t) && p.attached:
			n, err := s.DeleteBatches(ctx, batchDelete(p.name), t)
			total += n
			if err != nil {
				errs = append(errs, fmt.Errorf("delete positions of %s before %s: %w", p.name, t.Format(time.RFC3339), translate(err)))
			}
		}
	}
	n, err := s.DeleteBatches(ctx, batchDelete(defaultPartition), t)
	total += n
	if err != nil {
		errs = append(errs, fmt.Errorf("delete positions of %s before %s: %w", defaultPartition, t.Format(time.RFC3339), translate(err)))
	}
	return total, errors.Join(errs...)
}

// batchDelete deletes at most $2 rows of one partition with device times
// before $1, found by their row ids (which are unique within a table, not
// across the partitions of one).
func batchDelete(table string) string {
	return fmt.Sprintf(`DELETE FROM %s WHERE ctid = ANY (ARRAY(SELECT ctid FROM %s WHERE ts < $1 LIMIT $2))`, table, table)
}

// dropPartition detaches a day's partition, counts its rows and drops it.
func (s *Store) dropPartition(ctx context.Context, p partition) (int64, error) {
	if p.attached {
		err := s.retryLocked(ctx, func() error {
			return s.maintain(ctx, func(tx pgx.Tx) error {
				var attached bool
				err := tx.QueryRow(ctx, `SELECT relispartition FROM pg_class WHERE relname = $1 AND relnamespace = to_regnamespace(current_schema())`, p.name).Scan(&attached)
				if errors.Is(err, pgx.ErrNoRows) || (err == nil && !attached) {
					return nil // another node did it
				}
				if err != nil {
					return err
				}
				_, err = tx.Exec(ctx, fmt.Sprintf(`ALTER TABLE positions DETACH PARTITION %s`, p.name))
				return err
			})
		})
		if err != nil {
			return 0, fmt.Errorf("detach position partition %s: %w", p.name, err)
		}
	}
	// Detached, the table is nobody's: counting and dropping it holds up
	// no write.
	var n int64
	err := s.maintain(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %s`, p.name)).Scan(&n); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`DROP TABLE %s`, p.name)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM positions_thinned WHERE day = $1`, p.day)
		return err
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined table: another node dropped it
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("drop position partition %s: %w", p.name, err)
	}
	return n, nil
}

// maintain runs fn in a transaction that holds the maintenance lock and
// waits at most maintenanceLockTimeout for any other lock.
func (s *Store) maintain(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return translate(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLockKey); err != nil {
		return translate(err)
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = '%dms'`, maintenanceLockTimeout.Milliseconds())); err != nil {
		return translate(err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return translate(tx.Commit(ctx))
}

// retryLocked runs fn again while it fails for want of a lock within
// maintenanceLockTimeout (a long read or write holds the table).
func (s *Store) retryLocked(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || pe.Code != "55P03" || attempt >= maintenanceAttempts {
			return err
		}
		t := time.NewTimer(maintenanceRetryDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// LastPositions returns, for each of teams that has one, its last fix
// with a device time at or before at and after at less within, in the
// order of teams: one statement, an index probe a team in each day's
// partition the window spans.
func (s *Store) LastPositions(ctx context.Context, teams []string, at time.Time, within time.Duration) ([]realtime.Position, error) {
	out := []realtime.Position{}
	if len(teams) == 0 {
		return out, nil
	}
	at = at.UTC()
	rows, err := s.pool.Query(ctx, `SELECT t.id, p.ts, p.lon, p.lat, p.speed, p.heading, p.accuracy, p.altitude, p.battery
		FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)
		CROSS JOIN LATERAL (SELECT ts, lon, lat, speed, heading, accuracy, altitude, battery FROM positions
			WHERE team_id = t.id AND ts <= $2 AND ts > $3 ORDER BY ts DESC LIMIT 1) p
		ORDER BY t.n`, teams, at, at.Add(-within))
	if err != nil {
		return nil, fmt.Errorf("read the last positions at %s: %w", at.Format(time.RFC3339), translate(err))
	}
	defer rows.Close()
	seen := make(map[string]bool, len(teams))
	for rows.Next() {
		var p realtime.Position
		if err := rows.Scan(&p.Team, &p.TS, &p.Lon, &p.Lat, &p.Speed, &p.Heading, &p.Accuracy, &p.Altitude, &p.Battery); err != nil {
			return nil, fmt.Errorf("read the last positions at %s: %w", at.Format(time.RFC3339), translate(err))
		}
		if seen[p.Team] { // a team asked twice is answered once
			continue
		}
		seen[p.Team] = true
		p.TS = p.TS.UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the last positions at %s: %w", at.Format(time.RFC3339), translate(err))
	}
	return out, nil
}
