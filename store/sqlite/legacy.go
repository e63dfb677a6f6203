package sqlite

import (
	"context"
	"fmt"
	"time"

	"dispatchd/realtime"
)

// legacyBatch is how many positions of the main file one step of the move
// takes.
const legacyBatch = 5000

// moveLegacyPositions moves the positions that versions before the day
// files kept in the main file's positions table into the day files, in
// batches, oldest rowid first: each batch is written to its days, then
// deleted from the main file. A crash between the two repeats at most one
// batch. It returns how many it moved.
func (s *Store) moveLegacyPositions(ctx context.Context) (int64, error) {
	var total int64
	for {
		rows, err := s.r.QueryContext(ctx, `SELECT rowid, team_id, ts, lon, lat, speed, heading, accuracy, altitude, battery
			FROM positions ORDER BY rowid LIMIT ?`, legacyBatch)
		if err != nil {
			return total, fmt.Errorf("move positions into day files: %w", translate(err))
		}
		var ps []realtime.Position
		var last int64
		for rows.Next() {
			var p realtime.Position
			if err := rows.Scan(&last, &p.Team, &p.TS, &p.Lon, &p.Lat, &p.Speed, &p.Heading, &p.Accuracy, &p.Altitude, &p.Battery); err != nil {
				rows.Close()
				return total, fmt.Errorf("move positions into day files: %w", translate(err))
			}
			p.TS = p.TS.UTC()
			ps = append(ps, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, fmt.Errorf("move positions into day files: %w", translate(err))
		}
		if len(ps) == 0 {
			return total, nil
		}
		if err := s.AppendPositions(ctx, ps); err != nil {
			return total, fmt.Errorf("move positions into day files: %w", err)
		}
		if _, err := s.w.ExecContext(ctx, `DELETE FROM positions WHERE rowid <= ?`, last); err != nil {
			return total, fmt.Errorf("move positions into day files: %w", translate(err))
		}
		total += int64(len(ps))
		time.Sleep(prunePause) // let other writers of the main file in
	}
}

// prunePause is the rest between two batches of the move.
const prunePause = 2 * time.Millisecond
