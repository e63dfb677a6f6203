package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"dispatchd"
)

// A backup is the main file, FILE, and the position history beside it,
// FILE.positions/, the day files under their own names.

// PositionsBackup returns the directory that holds the position history
// of the backup file backup.
func PositionsBackup(backup string) string { return backup + "." + DaysDir }

// History says what a copy of the position history holds.
type History struct {
	Days  int   // day files
	Bytes int64 // their total size
}

// Backup writes a consistent copy of the database to dest while the server
// keeps running: VACUUM INTO reads one snapshot (in WAL mode it does not
// hold up writers), into a temporary file that is synced, checked and then
// renamed into place. It refuses to overwrite dest.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: dest + " exists: choose a new file"}
	}
	tmp := dest + ".partial"
	_ = os.Remove(tmp)
	if _, err := s.w.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("back up to %s: %w", tmp, err)
	}
	if err := CheckFile(ctx, tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return fmt.Errorf("back up: %w", err)
	}
	return syncFile(filepath.Dir(dest))
}

// BackupPositions writes a copy of every day file of the history into the
// directory dest, which must not exist, while the server keeps running.
// Each day is copied by VACUUM INTO through its own connection, one
// snapshot of it, holding the day shared: writes to it go on, and a prune
// or a thinning swap of this process waits for the copy (another
// process's removes the file under an open connection, which reads on).
// The copies are checked and synced in dest.partial, renamed into place
// at the end. A day removed before its copy began is left out.
func (s *Store) BackupPositions(ctx context.Context, dest string) (History, error) {
	var h History
	if _, err := os.Lstat(dest); err == nil {
		return h, &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: dest + " exists: choose a new file"}
	}
	all, err := s.days.list()
	if err != nil {
		return h, err
	}
	tmp := dest + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return h, fmt.Errorf("back up the positions: %w", err)
	}
	if err := os.Mkdir(tmp, 0o750); err != nil {
		return h, fmt.Errorf("back up the positions: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	for _, d := range all {
		if err := ctx.Err(); err != nil {
			return h, err
		}
		n, ok, err := s.backupDay(ctx, d, filepath.Join(tmp, dayName(d)))
		if err != nil {
			return h, fmt.Errorf("back up the positions of %s: %w", d.Format(time.DateOnly), err)
		}
		if ok {
			h.Days++
			h.Bytes += n
		}
	}
	if err := syncFile(tmp); err != nil {
		return h, err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return h, fmt.Errorf("back up the positions: %w", err)
	}
	done = true
	return h, syncFile(filepath.Dir(dest))
}

// backupDay copies the day d to dest and returns the copy's size; ok is
// false when the day has no file.
func (s *Store) backupDay(ctx context.Context, d time.Time, dest string) (size int64, ok bool, err error) {
	f, err := s.days.get(d, false)
	if err != nil || f == nil {
		return 0, false, err
	}
	_, err = f.db.ExecContext(ctx, `VACUUM INTO ?`, dest)
	f.use.RUnlock()
	if err != nil {
		return 0, false, translate(err)
	}
	if err := CheckFile(ctx, dest); err != nil {
		return 0, false, err
	}
	if err := syncFile(dest); err != nil {
		return 0, false, err
	}
	info, err := os.Stat(dest)
	if err != nil {
		return 0, false, err
	}
	return info.Size(), true, nil
}

// RestorePositions puts the history of a backup, the day files in the
// directory from, in place of the history of the data directory dataDir;
// the server must be stopped. Each file is checked, then copied into
// positions.restoring: if one is damaged, nothing is replaced. Then the
// current positions directory, its write-ahead logs included, is moved
// aside, the new one renamed into place, and the old one removed.
func RestorePositions(ctx context.Context, from, dataDir string) (History, error) {
	var h History
	all, err := listDays(from)
	if err != nil {
		return h, err
	}
	dest := filepath.Join(dataDir, DaysDir)
	stage := dest + ".restoring"
	if err := os.RemoveAll(stage); err != nil {
		return h, fmt.Errorf("restore the positions: %w", err)
	}
	if err := os.MkdirAll(stage, 0o750); err != nil {
		return h, fmt.Errorf("restore the positions: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(stage)
		}
	}()
	for _, d := range all {
		if err := ctx.Err(); err != nil {
			return h, err
		}
		name := dayName(d)
		if err := CheckFile(ctx, filepath.Join(from, name)); err != nil {
			return h, err
		}
		n, err := copyFile(filepath.Join(from, name), filepath.Join(stage, name))
		if err != nil {
			return h, fmt.Errorf("restore the positions of %s: %w", d.Format(time.DateOnly), err)
		}
		h.Days++
		h.Bytes += n
	}
	if err := syncFile(stage); err != nil {
		return h, err
	}

	old := dest + ".old"
	if err := os.RemoveAll(old); err != nil {
		return h, fmt.Errorf("restore the positions: %w", err)
	}
	moved := false
	if _, err := os.Lstat(dest); err == nil {
		if err := os.Rename(dest, old); err != nil {
			return h, fmt.Errorf("restore the positions: move %s aside: %w", dest, err)
		}
		moved = true
	}
	if err := os.Rename(stage, dest); err != nil {
		if moved {
			err = errors.Join(err, os.Rename(old, dest))
		}
		return h, fmt.Errorf("restore the positions: %w", err)
	}
	done = true
	if err := syncFile(dataDir); err != nil {
		return h, err
	}
	if err := os.RemoveAll(old); err != nil {
		return h, fmt.Errorf("restore the positions: remove the old history %s: %w", old, err)
	}
	return h, nil
}

// dayName is the name of the file of the day d.
func dayName(d time.Time) string { return d.Format(dayLayout) + dayExt }

// copyFile copies src to a new file dest, synced, and returns its size.
func copyFile(src, dest string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// CheckFile opens a database file read-only and runs SQLite's integrity
// check on it.
func CheckFile(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if res != "ok" {
		return &dispatchd.Error{Code: dispatchd.EINVALID, Message: fmt.Sprintf("%s is damaged: %s", path, res)}
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
