// Package sqldb is the SQL that the PostgreSQL and SQLite stores share. Both
// accept the same $N placeholders, upserts and RETURNING; what differs is in
// a Dialect, and each adapter supplies its own connection and error
// translation.
package sqldb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"dispatchd"
)

// Rows is a result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan returns ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Querier runs statements, in or out of a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Copier is a Querier that can bulk-load rows (PostgreSQL's COPY); bulk
// writes use it when the transaction has it.
type Copier interface {
	CopyFrom(ctx context.Context, table string, cols []string, rows [][]any) (int64, error)
}

// Conn is a database: reads outside transactions, and write transactions.
type Conn interface {
	Querier
	// Tx runs fn in a write transaction, committing when fn returns nil.
	Tx(ctx context.Context, fn func(q Querier) error) error
	// View runs fn in a read-only transaction that sees one snapshot of
	// the database and never blocks writers.
	View(ctx context.Context, fn func(q Querier) error) error
}

// ErrNoRows is what adapters return for a query that found no row.
var ErrNoRows = errors.New("no rows")

// Dialect is what differs between the SQL of the two stores.
type Dialect struct {
	// ForUpdate locks selected rows until the transaction ends ("" where the
	// whole database has one writer).
	ForUpdate string
	// LockEvents is run before events are appended, to serialize event ids
	// ("" where the whole database has one writer).
	LockEvents string
	// ILike is the case-insensitive LIKE operator.
	ILike string
	// JSONArrayHas returns a condition that the JSON array column col holds
	// the string parameter param.
	JSONArrayHas func(col, param string) string
	// JSONValues returns a subquery of the strings in a JSON array parameter.
	JSONValues func(param string) string
	// MaxParams bounds the parameters of one statement.
	MaxParams int
	// Anonymous makes bulk inserts use ? rather than $N: SQLite looks up
	// each $N among the names seen so far, which makes a statement of
	// thousands of them quadratic to parse.
	Anonymous bool
	// DeleteOldPositions deletes at most $2 positions with device times
	// before $1, the oldest first: one batch of a prune. (PostgreSQL drops
	// whole partitions instead; its store has its own prune.)
	DeleteOldPositions string
}

// Store implements the domain stores over one SQL database.
type Store struct {
	db       Conn
	d        Dialect
	onCommit atomic.Pointer[func()]
}

// New returns a store over db.
func New(db Conn, d Dialect) *Store { return &Store{db: db, d: d} }

// OnCommit sets a function called after every write transaction commits,
// such as the event feed's Notify. It must not block.
func (s *Store) OnCommit(fn func()) { s.onCommit.Store(&fn) }

// tx runs fn in a write transaction and tells OnCommit when it committed.
// A request's Idempotency-Key claim in ctx is marked in the same commit.
func (s *Store) tx(ctx context.Context, fn func(q Querier) error) error {
	if q, ok := ctx.Value(txKey{}).(Querier); ok {
		return fn(q) // within Atomically: its transaction commits
	}
	err := s.db.Tx(ctx, func(q Querier) error {
		if err := fn(q); err != nil {
			return err
		}
		return markClaim(ctx, q)
	})
	if err != nil {
		return err
	}
	if fn := s.onCommit.Load(); fn != nil {
		(*fn)()
	}
	return nil
}

type txKey struct{}

// Atomically implements resources.Store: the transaction rides in the
// context, and tx joins it.
func (s *Store) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.tx(ctx, func(q Querier) error { return fn(context.WithValue(ctx, txKey{}, q)) })
}

// notFound returns err as a not-found error about what, or err as it is.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, ErrNoRows) {
		return dispatchd.Errorf(dispatchd.ENOTFOUND, format, args...)
	}
	return err
}

// conflict refines the message of a conflict error.
func conflict(err error, format string, args ...any) error {
	if dispatchd.ErrorCode(err) == dispatchd.ECONFLICT {
		return &dispatchd.Error{Code: dispatchd.ECONFLICT, Message: fmt.Sprintf(format, args...), Err: err}
	}
	return err
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("encode column: " + err.Error()) // plain domain values always encode
	}
	return string(b)
}

func scanJSON(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode json column: %w", err)
	}
	return nil
}

// appendEvents writes events with the next ids in commit order and sets
// their ids. Call it late in the transaction: the lock it takes serializes
// every writer until commit.
func (s *Store) appendEvents(ctx context.Context, q Querier, evs ...*dispatchd.Event) error {
	if len(evs) == 0 {
		return nil
	}
	if s.d.LockEvents != "" {
		if _, err := q.Exec(ctx, s.d.LockEvents); err != nil {
			return fmt.Errorf("lock events: %w", err)
		}
	}
	var last int64
	if err := q.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&last); err != nil {
		return fmt.Errorf("read last event id: %w", err)
	}
	for i, ev := range evs {
		ev.ID = last + int64(i) + 1
	}
	return s.insertMany(ctx, q, "INSERT INTO events (id, ts, type, actor, subject, data, regions, hazard) VALUES", 8, len(evs), "",
		func(i int) []any {
			ev := evs[i]
			data := string(ev.Data)
			if data == "" {
				data = "{}"
			}
			return []any{ev.ID, ev.TS, ev.Type, ev.Actor, ev.Subject, data, joinRegions(ev.Regions), ev.Hazard}
		})
}

// insertMany runs prefix VALUES (...),(...) suffix over n rows of cols
// values each, as many rows to a statement as the dialect allows.
func (s *Store) insertMany(ctx context.Context, q Querier, prefix string, cols, n int, suffix string, row func(i int) []any) error {
	per := min(s.d.MaxParams/cols, 1000)
	var sb strings.Builder
	args := make([]any, 0, per*cols)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		sb.Reset()
		args = args[:0]
		sb.WriteString(prefix)
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteByte(',')
			}
			sb.WriteByte('(')
			for c := range cols {
				if c > 0 {
					sb.WriteByte(',')
				}
				if s.d.Anonymous {
					sb.WriteByte('?')
				} else {
					fmt.Fprintf(&sb, "$%d", len(args)+c+1)
				}
			}
			sb.WriteByte(')')
			args = append(args, row(i)...)
		}
		sb.WriteString(" ")
		sb.WriteString(suffix)
		if _, err := q.Exec(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// where builds a WHERE clause with numbered parameters.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each "?" in cond becomes the next parameter.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// param appends an argument and returns its placeholder.
func (w *where) param(a any) string {
	w.args = append(w.args, a)
	return fmt.Sprintf("$%d", len(w.args))
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// likeEscape makes s a literal LIKE pattern (escape character \).
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
