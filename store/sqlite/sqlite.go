// Package sqlite is the embedded default store: one SQLite file (pure Go, no
// cgo), in WAL mode with foreign keys on. Writes go through one connection,
// with BEGIN IMMEDIATE, so that event ids follow commit order even when
// another process (dispatchd import) writes the same file. The position
// history lives beside it, in a file a UTC day (days.go).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"dispatchd"
	"dispatchd/migrations"
	"dispatchd/store/sqldb"
)

// FileName is the database file inside the data directory.
const FileName = "dispatchd.db"

// Store is the SQLite store.
type Store struct {
	*sqldb.Store
	w, r *sql.DB
	path string
	m    *sqldb.Migrator
	// days holds the position history, a file a day (days.go); its
	// methods shadow the embedded store's, which read the main file.
	days *days
}

var dialect = sqldb.Dialect{
	ILike: "LIKE",
	JSONArrayHas: func(col, p string) string {
		return fmt.Sprintf("EXISTS (SELECT 1 FROM json_each(%s) WHERE value = %s)", col, p)
	},
	JSONValues: func(p string) string { return fmt.Sprintf("(SELECT value FROM json_each(%s))", p) },
	MaxParams:  32000,
	Anonymous:  true,
	// Through the index on ts: each batch finds the oldest rows at once.
	DeleteOldPositions: `DELETE FROM positions WHERE rowid IN (SELECT rowid FROM positions WHERE ts < $1 ORDER BY ts LIMIT $2)`,
}

// Open opens (creating if needed) the database in dir and applies pending
// migrations.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// synchronous=FULL: a commit survives a power cut, not only a crash.
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_time_integer_format", "unix_micro")
	q.Set("_inttotime", "1")
	q.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	q.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	s := &Store{Store: sqldb.New(conn{w: w, r: r}, dialect), w: w, r: r, path: path, days: newDays(dir)}
	if s.m, err = sqldb.NewMigrator(goose.DialectSQLite3, w, migrations.SQLite()); err != nil {
		s.Close()
		return nil, err
	}
	if err := w.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

// Path returns the database file.
func (s *Store) Path() string { return s.path }

// Migrate applies pending migrations, then moves the positions that an
// earlier version kept in the main file into the day files.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	n, err := s.m.Up(ctx)
	if err != nil {
		return n, err
	}
	if _, err := s.moveLegacyPositions(ctx); err != nil {
		return n, err
	}
	return n, nil
}

// Ready reports whether the database answers and its schema is current.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Message: "the database does not answer", Err: err}
	}
	return s.m.Check(ctx)
}

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.days.close(), s.r.Close(), s.w.Close())
}

// conn runs reads on the reader pool and writes on the single writer.
type conn struct{ w, r *sql.DB }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return exec(ctx, c.w, query, args)
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqldb.Rows, error) {
	return queryRows(ctx, c.r, query, args)
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqldb.Row {
	return row{c.r.QueryRowContext(ctx, query, args...)}
}

func (c conn) Tx(ctx context.Context, fn func(q sqldb.Querier) error) error {
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return translate(fmt.Errorf("begin: %w", err))
	}
	// Roll back on every path that does not commit, a panic included: the
	// writer is the only connection that writes, and a transaction left open
	// would stop every write after it.
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(txq{tx}); err != nil {
		return err
	}
	committed = true
	if err := tx.Commit(); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// View runs fn in a read transaction on the reader pool: a deferred BEGIN
// (read-only transactions do not take the immediate lock), which sees one
// snapshot of the WAL and leaves the writer free.
func (c conn) View(ctx context.Context, fn func(q sqldb.Querier) error) error {
	tx, err := c.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return translate(fmt.Errorf("begin: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	return fn(txq{tx})
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func exec(ctx context.Context, db querier, query string, args []any) (int64, error) {
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

func queryRows(ctx context.Context, db querier, query string, args []any) (sqldb.Rows, error) {
	rs, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	return rows{rs}, nil
}

type txq struct{ tx *sql.Tx }

func (t txq) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return exec(ctx, t.tx, query, args)
}

func (t txq) Query(ctx context.Context, query string, args ...any) (sqldb.Rows, error) {
	return queryRows(ctx, t.tx, query, args)
}

func (t txq) QueryRow(ctx context.Context, query string, args ...any) sqldb.Row {
	return row{t.tx.QueryRowContext(ctx, query, args...)}
}

type rows struct{ *sql.Rows }

func (r rows) Close()                 { _ = r.Rows.Close() }
func (r rows) Scan(dest ...any) error { return translate(r.Rows.Scan(dest...)) }
func (r rows) Err() error             { return translate(r.Rows.Err()) }

type row struct{ *sql.Row }

func (r row) Scan(dest ...any) error { return translate(r.Row.Scan(dest...)) }

// translate maps driver errors to sqldb and dispatchd errors.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return sqldb.ErrNoRows
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: "already exists", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: "a constraint would be broken", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: "a referenced row is missing or still in use", Err: err}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR:
			return &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Message: "the database is busy or cannot write; try again", Err: err}
		}
	}
	return err
}
