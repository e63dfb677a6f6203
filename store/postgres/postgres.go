// Package postgres is the production store on PostgreSQL, through a pgx
// connection pool.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"dispatchd"
	"dispatchd/migrations"
	"dispatchd/store/sqldb"
)

// Store is the PostgreSQL store.
type Store struct {
	*sqldb.Store
	pool *pgxpool.Pool
	m    *sqldb.Migrator
}

// eventLockKey is the advisory lock that serializes event ids: a
// transaction takes it just before appending events and holds it until it
// commits, so ids appear in commit order.
const eventLockKey = 0x64697370 // "disp"

// EventsChannel is the LISTEN/NOTIFY channel told of every commit that
// appends events.
const EventsChannel = "dispatchd_events"

var dialect = sqldb.Dialect{
	ForUpdate: " FOR UPDATE",
	// The notification is sent when the transaction commits: it wakes the
	// event feed of every node (Listen).
	LockEvents:   fmt.Sprintf("SELECT pg_advisory_xact_lock(%d), pg_notify('%s', '')", eventLockKey, EventsChannel),
	ILike:        "ILIKE",
	JSONArrayHas: func(col, p string) string { return fmt.Sprintf("%s @> jsonb_build_array(%s::text)", col, p) },
	JSONValues:   func(p string) string { return fmt.Sprintf("(SELECT jsonb_array_elements_text(%s::jsonb))", p) },
	MaxParams:    65000,
}

// Open connects to the database at url. It does not migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "dispatchd"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	s := &Store{Store: sqldb.New(conn{pool}, dialect), pool: pool}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	if s.m, err = sqldb.NewMigrator(goose.DialectPostgres, stdlib.OpenDBFromPool(pool), migrations.Postgres(),
		goose.WithSessionLocker(locker)); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Migrate applies pending migrations under a session lock, so that several
// nodes starting at once apply each migration once.
func (s *Store) Migrate(ctx context.Context) (int, error) { return s.m.Up(ctx) }

// Ready reports whether the database answers and its schema is current.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Message: "the database does not answer", Err: err}
	}
	return s.m.Check(ctx)
}

// Pool returns the connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

type conn struct{ pool *pgxpool.Pool }

func (c conn) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := c.pool.Exec(ctx, sql, args...)
	return tag.RowsAffected(), translate(err)
}

func (c conn) Query(ctx context.Context, sql string, args ...any) (sqldb.Rows, error) {
	r, err := c.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(err)
	}
	return rows{r}, nil
}

func (c conn) QueryRow(ctx context.Context, sql string, args ...any) sqldb.Row {
	return row{c.pool.QueryRow(ctx, sql, args...)}
}

func (c conn) Tx(ctx context.Context, fn func(q sqldb.Querier) error) error {
	tx, err := c.pool.Begin(ctx)
	if err != nil {
		return translate(fmt.Errorf("begin: %w", err))
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(txq{tx}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// View runs fn in a read-only REPEATABLE READ transaction: one snapshot
// for every statement, without locks that would hold up writers.
func (c conn) View(ctx context.Context, fn func(q sqldb.Querier) error) error {
	tx, err := c.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return translate(fmt.Errorf("begin: %w", err))
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	return fn(txq{tx})
}

type txq struct{ tx pgx.Tx }

// CopyFrom implements sqldb.Copier with PostgreSQL's COPY.
func (t txq) CopyFrom(ctx context.Context, table string, cols []string, rows [][]any) (int64, error) {
	n, err := t.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return n, translate(err)
}

func (t txq) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, sql, args...)
	return tag.RowsAffected(), translate(err)
}

func (t txq) Query(ctx context.Context, sql string, args ...any) (sqldb.Rows, error) {
	r, err := t.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(err)
	}
	return rows{r}, nil
}

func (t txq) QueryRow(ctx context.Context, sql string, args ...any) sqldb.Row {
	return row{t.tx.QueryRow(ctx, sql, args...)}
}

type rows struct{ pgx.Rows }

func (r rows) Scan(dest ...any) error { return translate(r.Rows.Scan(dest...)) }
func (r rows) Err() error             { return translate(r.Rows.Err()) }

type row struct{ pgx.Row }

func (r row) Scan(dest ...any) error { return translate(r.Row.Scan(dest...)) }

// translate maps pgx errors to sqldb and dispatchd errors.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return sqldb.ErrNoRows
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: "already exists", Err: err}
		case pe.Code == "23514":
			return &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: "a constraint would be broken", Err: err}
		case pe.Code == "23503":
			return &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: "a referenced row is missing or still in use", Err: err}
		case pe.Code[:2] == "08", pe.Code[:2] == "53", pe.Code[:2] == "57", pe.Code == "40001", pe.Code == "40P01":
			return &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Message: "the database is unavailable or overloaded; try again", Err: err}
		}
		return err
	}
	// The connection failed: it could not be made, or the server went
	// away in the middle (a reset, or the stream ending mid-message).
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Message: "the database is unavailable; try again", Err: err}
	}
	return err
}

// Listen calls wake whenever a transaction on any node appends events, until
// ctx ends. It holds one connection for LISTEN and reconnects after a
// failure, calling wake then too: notifications sent while it was away are
// lost, the events are not.
func (s *Store) Listen(ctx context.Context, wake func(), report func(error)) {
	for ctx.Err() == nil {
		err := s.listen(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		report(fmt.Errorf("listen for events: %w", err))
		wake()
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listen(ctx context.Context, wake func()) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A connection that has listened goes back to no pool.
	c := pc.Hijack()
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, "LISTEN "+EventsChannel); err != nil {
		return err
	}
	wake() // commits made before LISTEN took effect
	for {
		if _, err := c.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
