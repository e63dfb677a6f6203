package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"dispatchd/realtime"
)

// PositionBytes returns the bytes the position history takes on disk:
// every partition of positions with its indexes and TOAST.
func (s *Store) PositionBytes(ctx context.Context) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)
		FROM pg_inherits i WHERE i.inhparent = 'positions'::regclass`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("measure the position history: %w", translate(err))
	}
	return n, nil
}

// Unpartitioned is a position history table in the layout of migration
// 00003, one table with a B-tree on (team_id, ts) and a BRIN on ts, under
// a name of its own: the layout before the day partitions, for `dispatchd
// bench history` to compare.
type Unpartitioned struct {
	s    *Store
	name string
}

// Unpartitioned creates the table name (which must not exist) in the
// layout of migration 00003.
func (s *Store) Unpartitioned(ctx context.Context, name string) (*Unpartitioned, error) {
	id := pgx.Identifier{name}.Sanitize()
	for _, stmt := range []string{
		`CREATE TABLE ` + id + ` (team_id text NOT NULL, ts timestamptz NOT NULL, lon double precision NOT NULL, lat double precision NOT NULL,
			speed double precision, heading double precision, accuracy double precision, altitude double precision, battery double precision,
			received_at timestamptz NOT NULL)`,
		`CREATE INDEX ON ` + id + ` (team_id, ts)`,
		`CREATE INDEX ON ` + id + ` USING brin (ts)`,
	} {
		if _, err := s.pool.Exec(ctx, stmt); err != nil {
			return nil, fmt.Errorf("create %s: %w", name, translate(err))
		}
	}
	return &Unpartitioned{s: s, name: name}, nil
}

// AppendPositions writes positions with COPY, as the history did before
// the partitions.
func (u *Unpartitioned) AppendPositions(ctx context.Context, ps []realtime.Position) error {
	now := time.Now().UTC()
	rows := make([][]any, len(ps))
	for i := range ps {
		p := &ps[i]
		rows[i] = []any{p.Team, p.TS.UTC(), p.Lon, p.Lat, p.Speed, p.Heading, p.Accuracy, p.Altitude, p.Battery, now}
	}
	_, err := u.s.pool.CopyFrom(ctx, pgx.Identifier{u.name},
		[]string{"team_id", "ts", "lon", "lat", "speed", "heading", "accuracy", "altitude", "battery", "received_at"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("append %d positions to %s: %w", len(ps), u.name, translate(err))
	}
	return nil
}

// Track reads a team's track as the history did before the partitions.
func (u *Unpartitioned) Track(ctx context.Context, team string, from, to time.Time, limit int) ([]realtime.Position, error) {
	rows, err := u.s.pool.Query(ctx, `SELECT ts, lon, lat, speed, heading, accuracy, altitude, battery FROM `+pgx.Identifier{u.name}.Sanitize()+`
		WHERE team_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts LIMIT $4`, team, from.UTC(), to.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("read track of team %s: %w", team, translate(err))
	}
	defer rows.Close()
	out := []realtime.Position{}
	for rows.Next() {
		p := realtime.Position{Team: team}
		if err := rows.Scan(&p.TS, &p.Lon, &p.Lat, &p.Speed, &p.Heading, &p.Accuracy, &p.Altitude, &p.Battery); err != nil {
			return nil, fmt.Errorf("read track of team %s: %w", team, translate(err))
		}
		out = append(out, p)
	}
	return out, translate(rows.Err())
}

// Bytes returns the bytes the table takes with its indexes.
func (u *Unpartitioned) Bytes(ctx context.Context) (int64, error) {
	var n int64
	if err := u.s.pool.QueryRow(ctx, `SELECT pg_total_relation_size($1::regclass)`, pgx.Identifier{u.name}.Sanitize()).Scan(&n); err != nil {
		return 0, fmt.Errorf("measure %s: %w", u.name, translate(err))
	}
	return n, nil
}

// Drop removes the table.
func (u *Unpartitioned) Drop(ctx context.Context) error {
	if _, err := u.s.pool.Exec(ctx, `DROP TABLE IF EXISTS `+pgx.Identifier{u.name}.Sanitize()); err != nil {
		return fmt.Errorf("drop %s: %w", u.name, translate(err))
	}
	return nil
}
