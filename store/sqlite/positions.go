package sqlite

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"dispatchd/realtime"
)

var _ realtime.PartitionedHistoryStore = (*Store)(nil)

// insertRows is the most fixes one INSERT statement carries (nine
// parameters each, under SQLite's 32,766).
const insertRows = 1000

// micros is the device time t as microseconds since the midnight d.
func micros(t, d time.Time) int64 { return t.Sub(d).Microseconds() }

// PositionPartition returns the span of one file of the history: a UTC
// day.
func (s *Store) PositionPartition() time.Duration { return day }

// CreatePositionPartitions makes sure a day file exists for every UTC day
// from the day of from to the day of to, so that the first fix of a day
// does not wait for its file.
func (s *Store) CreatePositionPartitions(ctx context.Context, from, to time.Time) error {
	for d := from.UTC().Truncate(day); !d.After(to.UTC()); d = d.Add(day) {
		f, err := s.days.get(d, true)
		if err != nil {
			return err
		}
		f.use.RUnlock()
	}
	return nil
}

// AppendPositions writes positions to the day files of their device times,
// a transaction a day, never through the main file's writer. Every
// position is kept, duplicates and late ones included. A batch that spans
// midnights is all or none within each day.
func (s *Store) AppendPositions(ctx context.Context, ps []realtime.Position) error {
	if len(ps) == 0 {
		return nil
	}
	byDay := map[time.Time][]int{}
	for i := range ps {
		d := ps[i].TS.UTC().Truncate(day)
		byDay[d] = append(byDay[d], i)
	}
	for _, d := range slices.SortedFunc(maps.Keys(byDay), time.Time.Compare) {
		if err := s.appendDay(ctx, d, ps, byDay[d]); err != nil {
			return fmt.Errorf("append %d positions: %w", len(ps), err)
		}
	}
	return nil
}

// appendDay writes the positions ps[idx] of the day d.
func (s *Store) appendDay(ctx context.Context, d time.Time, ps []realtime.Position, idx []int) error {
	f, err := s.days.get(d, true)
	if err != nil {
		return err
	}
	defer f.use.RUnlock()
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(fmt.Errorf("begin: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	names := make([]string, len(idx))
	for j, i := range idx {
		names[j] = ps[i].Team
	}
	ids, err := f.teamIDs(ctx, tx, names)
	if err != nil {
		return translate(err)
	}
	for len(idx) > 0 {
		chunk := idx[:min(len(idx), insertRows)]
		idx = idx[len(chunk):]
		var b strings.Builder
		b.WriteString(`INSERT INTO fixes (team, ts, lon, lat, speed, heading, accuracy, altitude, battery) VALUES `)
		args := make([]any, 0, 9*len(chunk))
		for j, i := range chunk {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?)")
			p := &ps[i]
			args = append(args, ids[p.Team], micros(p.TS.UTC(), d), p.Lon, p.Lat, nullable(p.Speed), nullable(p.Heading),
				nullable(p.Accuracy), nullable(p.Altitude), nullable(p.Battery))
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return translate(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	f.remember(ids)
	return nil
}

func nullable(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// fixCols reads a fix of a day file.
const fixCols = `ts, lon, lat, speed, heading, accuracy, altitude, battery`

func scanFix(sc interface{ Scan(...any) error }, team string, d time.Time) (realtime.Position, error) {
	p := realtime.Position{Team: team}
	var us int64
	err := sc.Scan(&us, &p.Lon, &p.Lat, &p.Speed, &p.Heading, &p.Accuracy, &p.Altitude, &p.Battery)
	p.TS = d.Add(time.Duration(us) * time.Microsecond)
	return p, err
}

// Track returns up to limit positions of team with device times from from
// (inclusive) to to (exclusive), oldest first, reading the day files the
// range covers; none when limit is not positive. Times are in UTC.
func (s *Store) Track(ctx context.Context, team string, from, to time.Time, limit int) ([]realtime.Position, error) {
	out := []realtime.Position{}
	if limit <= 0 || !from.Before(to) {
		return out, nil
	}
	from, to = from.UTC(), to.UTC()
	all, err := s.days.list()
	if err != nil {
		return nil, err
	}
	for _, d := range all {
		if d.Add(day).Compare(from) <= 0 || !d.Before(to) || len(out) >= limit {
			continue
		}
		lo, hi := max(micros(from, d), 0), min(micros(to, d), day.Microseconds())
		out, err = s.trackDay(ctx, d, team, lo, hi, limit, out)
		if err != nil {
			return nil, fmt.Errorf("read track of team %s: %w", team, err)
		}
	}
	return out, nil
}

// trackDay appends to out the fixes of team in the day d from lo to hi
// microseconds, up to limit in all.
func (s *Store) trackDay(ctx context.Context, d time.Time, team string, lo, hi int64, limit int, out []realtime.Position) ([]realtime.Position, error) {
	f, err := s.days.get(d, false)
	if err != nil || f == nil {
		return out, err
	}
	defer f.use.RUnlock()
	rows, err := f.db.QueryContext(ctx, `SELECT `+fixCols+` FROM fixes
		WHERE team = (SELECT id FROM teams WHERE name = ?) AND ts >= ? AND ts < ? ORDER BY ts, rowid LIMIT ?`, team, lo, hi, limit-len(out))
	if err != nil {
		return out, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanFix(rows, team, d)
		if err != nil {
			return out, translate(err)
		}
		out = append(out, p)
	}
	return out, translate(rows.Err())
}

// LastPositions returns, for each of teams that has one, its last fix
// with a device time at or before at and after at less within, in the
// order of teams. It reads one index range a team in each day file the
// window covers, newest first.
func (s *Store) LastPositions(ctx context.Context, teams []string, at time.Time, within time.Duration) ([]realtime.Position, error) {
	out := []realtime.Position{}
	at = at.UTC()
	all, err := s.days.list()
	if err != nil {
		return nil, err
	}
	found := make(map[string]realtime.Position, len(teams))
	want := make(map[string]bool, len(teams))
	for _, t := range teams {
		want[t] = true
	}
	// Newest day first: a team found in a day is not looked for in the
	// days before it.
	for _, d := range slices.Backward(all) {
		if len(found) == len(want) {
			break
		}
		if d.After(at) || !d.Add(day).After(at.Add(-within)) {
			continue
		}
		if err := s.lastInDay(ctx, d, micros(at, d), micros(at.Add(-within), d), want, found); err != nil {
			return nil, fmt.Errorf("read the last positions at %s: %w", at.Format(time.RFC3339), err)
		}
	}
	for _, t := range teams {
		if p, ok := found[t]; ok {
			out = append(out, p)
			delete(found, t) // a team asked twice is answered once
		}
	}
	return out, nil
}

// lastInDay adds to found, for each team of want not in it yet, its last
// fix in day d with a time from lo (exclusive) to hi (inclusive): one
// statement a day, an index probe per team of the file.
func (s *Store) lastInDay(ctx context.Context, d time.Time, hi, lo int64, want map[string]bool, found map[string]realtime.Position) error {
	f, err := s.days.get(d, false)
	if err != nil || f == nil {
		return err
	}
	defer f.use.RUnlock()
	rows, err := f.db.QueryContext(ctx, `SELECT t.name, `+fixCols+` FROM teams t JOIN fixes ON fixes.rowid = (
			SELECT rowid FROM fixes WHERE team = t.id AND ts <= ? AND ts > ? ORDER BY ts DESC, rowid DESC LIMIT 1)`, hi, lo)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var team string
		p := realtime.Position{}
		var us int64
		if err := rows.Scan(&team, &us, &p.Lon, &p.Lat, &p.Speed, &p.Heading, &p.Accuracy, &p.Altitude, &p.Battery); err != nil {
			return translate(err)
		}
		if _, done := found[team]; done || !want[team] {
			continue
		}
		p.Team, p.TS = team, d.Add(time.Duration(us)*time.Microsecond)
		found[team] = p
	}
	return translate(rows.Err())
}

// DeletePositionsBefore removes the positions with device times before t
// and returns how many. A day wholly before t goes by closing and removing
// its file, which waits only for the reads and writes of that day; a day
// that t cuts loses its fixes before t in one statement on its own file.
// History cuts at midnights, so only the first happens in service.
func (s *Store) DeletePositionsBefore(ctx context.Context, t time.Time) (int64, error) {
	t = t.UTC()
	all, err := s.days.list()
	if err != nil {
		return 0, err
	}
	var total int64
	for _, d := range all {
		if !d.Before(t) {
			break
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int64
		if d.Add(day).Compare(t) <= 0 {
			n, err = s.dropDay(ctx, d)
		} else {
			n, err = s.cutDay(ctx, d, micros(t, d))
		}
		total += n
		if err != nil {
			return total, fmt.Errorf("delete positions before %s: %w", t.Format(time.RFC3339), err)
		}
	}
	return total, nil
}

// dropDay counts the fixes of day d and removes its file.
func (s *Store) dropDay(ctx context.Context, d time.Time) (int64, error) {
	n, err := s.countDay(ctx, d)
	if err != nil {
		return 0, err
	}
	if err := s.days.remove(d); err != nil {
		return 0, err
	}
	return n, nil
}

// countDay counts the fixes of day d, from its kept count.
func (s *Store) countDay(ctx context.Context, d time.Time) (int64, error) {
	f, err := s.days.get(d, false)
	if err != nil || f == nil {
		return 0, err
	}
	defer f.use.RUnlock()
	var n int64
	err = f.db.QueryRowContext(ctx, `SELECT count(*) FROM fixes`).Scan(&n)
	return n, translate(err)
}

// cutDay deletes the fixes of day d before us microseconds.
func (s *Store) cutDay(ctx context.Context, d time.Time, us int64) (int64, error) {
	f, err := s.days.get(d, false)
	if err != nil || f == nil {
		return 0, err
	}
	defer f.use.RUnlock()
	res, err := f.db.ExecContext(ctx, `DELETE FROM fixes WHERE ts < ?`, us)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}
