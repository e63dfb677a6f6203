package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dispatchd/realtime"
)

var positionCols = []string{"team_id", "ts", "lon", "lat", "speed", "heading", "accuracy", "altitude", "battery", "received_at"}

// AppendPositions writes positions to the history in one transaction, with
// COPY where the database has it. Every position is kept, duplicates and
// late ones included: the filter has already decided what to take. It
// tells no OnCommit function, since positions are not events.
func (s *Store) AppendPositions(ctx context.Context, ps []realtime.Position) error {
	if len(ps) == 0 {
		return nil
	}
	now := time.Now().UTC()
	row := func(i int) []any {
		p := &ps[i]
		return []any{p.Team, p.TS.UTC(), p.Lon, p.Lat, nullable(p.Speed), nullable(p.Heading),
			nullable(p.Accuracy), nullable(p.Altitude), nullable(p.Battery), now}
	}
	err := s.db.Tx(ctx, func(q Querier) error {
		if c, ok := q.(Copier); ok {
			rows := make([][]any, len(ps))
			for i := range ps {
				rows[i] = row(i)
			}
			_, err := c.CopyFrom(ctx, "positions", positionCols, rows)
			return err
		}
		return s.insertMany(ctx, q, `INSERT INTO positions (team_id, ts, lon, lat, speed, heading, accuracy, altitude, battery, received_at) VALUES`,
			len(positionCols), len(ps), "", row)
	})
	if err != nil {
		return fmt.Errorf("append %d positions: %w", len(ps), err)
	}
	return nil
}

// Track returns up to limit positions of team with device times from from
// (inclusive) to to (exclusive), oldest first; none when limit is not
// positive. Times are in UTC.
func (s *Store) Track(ctx context.Context, team string, from, to time.Time, limit int) ([]realtime.Position, error) {
	out := []realtime.Position{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT ts, lon, lat, speed, heading, accuracy, altitude, battery FROM positions
		WHERE team_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts LIMIT $4`, team, from.UTC(), to.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("read track of team %s: %w", team, err)
	}
	defer rows.Close()
	for rows.Next() {
		p := realtime.Position{Team: team}
		if err := rows.Scan(&p.TS, &p.Lon, &p.Lat, &p.Speed, &p.Heading, &p.Accuracy, &p.Altitude, &p.Battery); err != nil {
			return nil, fmt.Errorf("read track of team %s: %w", team, err)
		}
		p.TS = p.TS.UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read track of team %s: %w", team, err)
	}
	return out, nil
}

// PruneBatch is the most positions one statement of a prune removes. Each
// batch is its own transaction: SQLite has one writer, and one statement
// over an hour of a province's history (3.6 million fixes) held it for
// 14 s; a batch of 1,000 holds it for a few milliseconds, and the writes
// waiting for it go first.
const PruneBatch = 1000

// prunePause is the rest between two batches of a prune, so that another
// process writing the same SQLite file (dispatchd import), whose busy
// handler polls, finds the lock free too.
const prunePause = 2 * time.Millisecond

// pruneBatchTimeout bounds one batch of a prune, which ctx does not cut.
const pruneBatchTimeout = 30 * time.Second

// DeletePositionsBefore removes the positions with device times before t
// and returns how many. It deletes in batches of PruneBatch, each committed
// on its own, oldest first; when ctx ends it stops between two batches, and
// what it removed stays removed.
func (s *Store) DeletePositionsBefore(ctx context.Context, t time.Time) (int64, error) {
	n, err := s.DeleteBatches(ctx, s.d.DeleteOldPositions, t.UTC())
	if err != nil {
		return n, fmt.Errorf("delete positions before %s: %w", t.UTC().Format(time.RFC3339), err)
	}
	return n, nil
}

// DeleteBatches runs stmt, a DELETE of at most $2 rows chosen by $1 = arg,
// each time in a transaction of its own, until it deletes fewer than
// PruneBatch rows, and returns how many it deleted in all. A batch that
// has begun runs to its end; when ctx ends it stops before the next.
func (s *Store) DeleteBatches(ctx context.Context, stmt string, arg any) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pruneBatchTimeout)
		n, err := s.db.Exec(bctx, stmt, arg, PruneBatch)
		cancel()
		total += n
		if err != nil || n < PruneBatch {
			return total, err
		}
		t := time.NewTimer(prunePause)
		select {
		case <-ctx.Done():
			t.Stop()
			return total, ctx.Err()
		case <-t.C:
		}
	}
}

// nullable returns the value of v, or nil (SQL NULL) when v is nil, so that
// every driver binds it the same way.
func nullable(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// LastPositions returns, for each of teams that has one, its last fix
// with a device time at or before at and after at less within, in the
// order of teams. It reads one index range a team, so its cost grows with
// the teams asked for, not with the history.
func (s *Store) LastPositions(ctx context.Context, teams []string, at time.Time, within time.Duration) ([]realtime.Position, error) {
	out := []realtime.Position{}
	at = at.UTC()
	for _, team := range teams {
		p := realtime.Position{Team: team}
		err := s.db.QueryRow(ctx, `SELECT ts, lon, lat, speed, heading, accuracy, altitude, battery FROM positions
			WHERE team_id = $1 AND ts <= $2 AND ts > $3 ORDER BY ts DESC LIMIT 1`, team, at, at.Add(-within)).
			Scan(&p.TS, &p.Lon, &p.Lat, &p.Speed, &p.Heading, &p.Accuracy, &p.Altitude, &p.Battery)
		if errors.Is(err, ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the last position of team %s at %s: %w", team, at.Format(time.RFC3339), err)
		}
		p.TS = p.TS.UTC()
		out = append(out, p)
	}
	return out, nil
}
