package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The position history lives apart from the main file: one SQLite file a
// UTC day of device time, <data dir>/positions/YYYYMMDD.db, each in WAL
// mode with a writer of its own. History writes never take the main
// file's single writer, a day's file stops growing when its day is over,
// and a day expires by closing and removing its file.
const (
	// DaysDir is the directory of the day files inside the data directory.
	DaysDir   = "positions"
	dayLayout = "20060102"
	dayExt    = ".db"
	day       = 24 * time.Hour
)

// daySchema is the schema of one day's file. A fix is a compact row: the
// team interned to a small integer, the device time in microseconds since
// the file's midnight (six bytes), the coordinates as REAL and the optional
// readings NULL when absent (no byte beyond the header). Repeated fixes are
// kept, so the table keeps its rowid and the track reads through one index.
const daySchema = `
CREATE TABLE IF NOT EXISTS teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS fixes (
    team     INTEGER NOT NULL,
    ts       INTEGER NOT NULL,
    lon      REAL NOT NULL,
    lat      REAL NOT NULL,
    speed    REAL,
    heading  REAL,
    accuracy REAL,
    altitude REAL,
    battery  REAL
);
CREATE INDEX IF NOT EXISTS fixes_team_ts ON fixes (team, ts);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`

// dayFile is one open day of the history.
type dayFile struct {
	day  time.Time
	path string
	// use is held shared by every read and write of the file and
	// exclusively by whatever closes, removes or replaces it, which waits
	// only for the operations on this day.
	use sync.RWMutex
	db  *sql.DB // nil once closed
	// teams caches the interned ids; ids never change in a file.
	mu    sync.Mutex
	teams map[string]int64
}

// days holds the open day files.
type days struct {
	dir  string
	mu   sync.Mutex
	open map[time.Time]*dayFile
	// removing holds the days whose files are being removed, each with a
	// channel closed when they are gone: nobody opens them meanwhile.
	removing map[time.Time]chan struct{}
}

func newDays(dataDir string) *days {
	return &days{dir: filepath.Join(dataDir, DaysDir), open: map[time.Time]*dayFile{}, removing: map[time.Time]chan struct{}{}}
}

func (d *days) path(t time.Time) string {
	return filepath.Join(d.dir, t.Format(dayLayout)+dayExt)
}

// openDB opens a day file's connection pool: one connection writes at a
// time (BEGIN IMMEDIATE), the others read a snapshot of the WAL.
func openDB(path string, create bool) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	if !create {
		q.Set("mode", "rw")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	// A past day is read now and then: its connections, and their page
	// caches, go once idle.
	db.SetConnMaxIdleTime(time.Minute)
	if create {
		if _, err := db.Exec(daySchema); err != nil {
			db.Close()
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
	} else if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// get returns the file of the day of t, opened and held shared (release
// with f.use.RUnlock), creating it when create is set; nil without error
// when it does not exist and create is not set.
func (d *days) get(t time.Time, create bool) (*dayFile, error) {
	t = t.UTC().Truncate(day)
	for {
		d.mu.Lock()
		if gone, ok := d.removing[t]; ok {
			d.mu.Unlock()
			<-gone
			continue
		}
		f := d.open[t]
		if f == nil {
			path := d.path(t)
			_, err := os.Stat(path)
			if errors.Is(err, os.ErrNotExist) && !create {
				d.mu.Unlock()
				return nil, nil
			}
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				d.mu.Unlock()
				return nil, fmt.Errorf("open the positions of %s: %w", t.Format(time.DateOnly), err)
			}
			if create {
				if err := os.MkdirAll(d.dir, 0o750); err != nil {
					d.mu.Unlock()
					return nil, fmt.Errorf("create %s: %w", d.dir, err)
				}
			}
			// Always run the schema: another process may have created
			// the file and not yet its tables.
			db, err := openDB(path, true)
			if err != nil {
				d.mu.Unlock()
				return nil, err
			}
			f = &dayFile{day: t, path: path, db: db, teams: map[string]int64{}}
			d.open[t] = f
		}
		d.mu.Unlock()
		f.use.RLock()
		if f.db != nil {
			return f, nil
		}
		f.use.RUnlock() // closed meanwhile by a prune or a swap: look again
	}
}

// list returns the days that have a file, oldest first.
func (d *days) list() ([]time.Time, error) { return listDays(d.dir) }

// listDays returns the days that have a file in dir, oldest first.
func listDays(dir string) ([]time.Time, error) {
	es, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the position days: %w", err)
	}
	var out []time.Time
	for _, e := range es {
		name, ok := strings.CutSuffix(e.Name(), dayExt)
		if !ok || e.IsDir() {
			continue
		}
		t, err := time.Parse(dayLayout, name)
		if err != nil {
			continue // not one of ours
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out, nil
}

// detach takes the day of t out of use: it waits for the operations on it,
// closes it and returns it held exclusively (release with f.use.Unlock),
// or nil when it is not open. A later get opens the file again.
func (d *days) detach(t time.Time) (*dayFile, error) {
	d.mu.Lock()
	f := d.open[t]
	delete(d.open, t)
	d.mu.Unlock()
	if f == nil {
		return nil, nil
	}
	f.use.Lock()
	var err error
	if f.db != nil {
		err = f.db.Close()
		f.db = nil
	}
	return f, err
}

// forget drops f, closed, from the open days.
func (d *days) forget(f *dayFile) {
	d.mu.Lock()
	if d.open[f.day] == f {
		delete(d.open, f.day)
	}
	d.mu.Unlock()
}

// remove deletes the files of the day of t. Until they are gone, get
// waits for it rather than open them again.
func (d *days) remove(t time.Time) error {
	gone := make(chan struct{})
	d.mu.Lock()
	if _, ok := d.removing[t]; ok {
		d.mu.Unlock()
		return nil // another prune removes it
	}
	d.removing[t] = gone
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.removing, t)
		d.mu.Unlock()
		close(gone)
	}()
	f, err := d.detach(t)
	if f != nil {
		defer f.use.Unlock()
	}
	p := d.path(t)
	for _, name := range []string{p, p + "-wal", p + "-shm"} {
		if rerr := os.Remove(name); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	if err != nil {
		return fmt.Errorf("remove the positions of %s: %w", t.Format(time.DateOnly), err)
	}
	return nil
}

// close closes every open day.
func (d *days) close() error {
	d.mu.Lock()
	ts := make([]time.Time, 0, len(d.open))
	for t := range d.open {
		ts = append(ts, t)
	}
	d.mu.Unlock()
	var err error
	for _, t := range ts {
		f, derr := d.detach(t)
		if f != nil {
			f.use.Unlock()
		}
		err = errors.Join(err, derr)
	}
	return err
}

// teamIDs interns the teams of a batch in f within tx.
func (f *dayFile) teamIDs(ctx context.Context, tx *sql.Tx, names []string) (map[string]int64, error) {
	ids := make(map[string]int64, len(names))
	var missing []string
	f.mu.Lock()
	for _, n := range names {
		if id, ok := f.teams[n]; ok {
			ids[n] = id
		} else if _, seen := ids[n]; !seen {
			ids[n] = 0
			missing = append(missing, n)
		}
	}
	f.mu.Unlock()
	for _, n := range missing {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO teams (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`, n).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("intern team %s: %w", n, err)
		}
		ids[n] = id
	}
	// Cached only once committed: see remember.
	return ids, nil
}

// remember caches ids that a committed transaction interned.
func (f *dayFile) remember(ids map[string]int64) {
	f.mu.Lock()
	for n, id := range ids {
		f.teams[n] = id
	}
	f.mu.Unlock()
}
