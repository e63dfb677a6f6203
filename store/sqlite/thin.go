package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"dispatchd/realtime"
)

var _ realtime.ThinningHistoryStore = (*Store)(nil)

// thinnedKey is the meta row of a day file that says at which interval,
// in microseconds, the day was thinned.
const thinnedKey = "thinned_us"

// ThinPositions keeps, of the fixes of each whole UTC day that ends at or
// before before, the first of each team in each interval of every, and
// returns how many it removed. A day is rebuilt aside, from a snapshot,
// into a new file; then, holding only that day, the fixes written to it
// meanwhile are copied over and the new file replaces the old. Writes to
// other days never wait; a day already thinned at every is skipped.
func (s *Store) ThinPositions(ctx context.Context, before time.Time, every time.Duration) (int64, error) {
	if every < time.Microsecond {
		return 0, fmt.Errorf("thin positions: interval %v is under a microsecond", every)
	}
	all, err := s.days.list()
	if err != nil {
		return 0, err
	}
	var total int64
	for _, d := range all {
		if d.Add(day).After(before.UTC()) {
			break
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := s.thinDay(ctx, d, every.Microseconds())
		total += n
		if err != nil {
			return total, fmt.Errorf("thin the positions of %s: %w", d.Format(time.DateOnly), err)
		}
	}
	return total, nil
}

// thinDay thins the day d at every microseconds.
func (s *Store) thinDay(ctx context.Context, d time.Time, every int64) (int64, error) {
	f, err := s.days.get(d, false)
	if err != nil || f == nil {
		return 0, err
	}
	var done, last, before int64
	err = f.db.QueryRowContext(ctx, `SELECT coalesce((SELECT value FROM meta WHERE key = ?), 0), coalesce((SELECT max(rowid) FROM fixes), 0), (SELECT count(*) FROM fixes)`,
		thinnedKey).Scan(&done, &last, &before)
	f.use.RUnlock()
	if err != nil || done == every {
		return 0, translate(err)
	}

	tmp := f.path + ".thin"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		_ = os.Remove(p)
	}
	db, err := openDB(tmp, true)
	if err != nil {
		return 0, err
	}
	defer func() {
		if db != nil {
			db.Close()
			os.Remove(tmp)
		}
	}()
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	// The snapshot: fixes up to rowid last, the first of each team in each
	// interval (ties at one time go to the earlier row), in track order.
	kept, err := copyFixes(ctx, conn, f.path, fmt.Sprintf(`INSERT INTO main.fixes (team, ts, lon, lat, speed, heading, accuracy, altitude, battery)
		SELECT team, ts, lon, lat, speed, heading, accuracy, altitude, battery FROM (
			SELECT *, row_number() OVER (PARTITION BY team, (ts + %d) / %d ORDER BY ts, rid) AS rn
			FROM (SELECT rowid AS rid, * FROM src.fixes WHERE rowid <= %d))
		WHERE rn = 1 ORDER BY team, ts, rid`, d.UnixMicro(), every, last))
	if err != nil {
		return 0, err
	}

	// The swap: only this day's reads and writes wait, for the fixes
	// written since the snapshot (kept whole: thinning them again is the
	// next run's) and two renames.
	f.use.Lock()
	defer f.use.Unlock()
	if f.db == nil {
		return 0, errors.New("the day was removed meanwhile")
	}
	if _, err := copyFixes(ctx, conn, f.path, fmt.Sprintf(`INSERT INTO main.fixes (team, ts, lon, lat, speed, heading, accuracy, altitude, battery)
		SELECT team, ts, lon, lat, speed, heading, accuracy, altitude, battery FROM src.fixes WHERE rowid > %d ORDER BY rowid`, last)); err != nil {
		return 0, err
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, thinnedKey, every); err != nil {
		return 0, translate(err)
	}
	conn.Close()
	if err := db.Close(); err != nil {
		return 0, err
	}
	db = nil
	if err := f.db.Close(); err != nil {
		return 0, err
	}
	f.db = nil
	if err := os.Rename(tmp, f.path); err != nil {
		return 0, fmt.Errorf("replace %s: %w", f.path, err)
	}
	for _, p := range []string{f.path + "-wal", f.path + "-shm"} {
		_ = os.Remove(p)
	}
	if f.db, err = openDB(f.path, true); err != nil {
		s.days.forget(f) // the next get opens the day again
		return before - kept, err
	}
	return before - kept, nil
}

// copyFixes runs insert on conn with the day file at path attached as src,
// the teams copied first so that the ids stay the same, and returns how
// many fixes it copied.
func copyFixes(ctx context.Context, conn *sql.Conn, path, insert string) (int64, error) {
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, path); err != nil {
		return 0, fmt.Errorf("attach %s: %w", path, err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE src`) }()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, translate(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO main.teams (id, name) SELECT id, name FROM src.teams`); err != nil {
		return 0, translate(err)
	}
	res, err := tx.ExecContext(ctx, insert)
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	return n, translate(tx.Commit())
}
