package sqldb

import (
	"context"
	"fmt"
	"strings"

	"dispatchd"
)

// scanner is a Row or a Rows.
type scanner interface{ Scan(dest ...any) error }

// table maps one domain type to one table whose first column is its key.
type table[T any] struct {
	name   string
	what   string   // the noun in messages: "team"
	cols   []string // the key first
	values func(*T) []any
	scan   func(scanner) (T, error)
	key    func(*T) string
	// keep lists columns an import does not overwrite.
	keep []string
}

func (t *table[T]) colList() string { return strings.Join(t.cols, ", ") }

func (t *table[T]) placeholders() string {
	p := make([]string, len(t.cols))
	for i := range p {
		p[i] = fmt.Sprintf("$%d", i+1)
	}
	return strings.Join(p, ", ")
}

func (t *table[T]) get(ctx context.Context, s *Store, q Querier, key string, lock bool) (*T, error) {
	sql := fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1", t.colList(), t.name, t.cols[0])
	if lock {
		sql += s.d.ForUpdate
	}
	v, err := t.scan(q.QueryRow(ctx, sql, key))
	if err != nil {
		return nil, notFound(err, "%s %s not found", t.what, key)
	}
	return &v, nil
}

func (t *table[T]) list(ctx context.Context, q Querier, w *where, order string, limit int) ([]T, error) {
	sql := fmt.Sprintf("SELECT %s FROM %s%s ORDER BY %s LIMIT %s", t.colList(), t.name, w, order, w.param(limit))
	rows, err := q.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", t.what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := t.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", t.what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (t *table[T]) create(ctx context.Context, s *Store, v *T, ev *dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error {
		sql := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", t.name, t.colList(), t.placeholders())
		if _, err := q.Exec(ctx, sql, t.values(v)...); err != nil {
			return conflict(err, "%s %s already exists", t.what, t.key(v))
		}
		return s.appendEvents(ctx, q, ev)
	})
}

func (t *table[T]) write(ctx context.Context, q Querier, v *T) error {
	set := make([]string, 0, len(t.cols)-1)
	for i, c := range t.cols[1:] {
		set = append(set, fmt.Sprintf("%s = $%d", c, i+2))
	}
	sql := fmt.Sprintf("UPDATE %s SET %s WHERE %s = $1", t.name, strings.Join(set, ", "), t.cols[0])
	if _, err := q.Exec(ctx, sql, t.values(v)...); err != nil {
		return conflict(err, "%s %s conflicts with another", t.what, t.key(v))
	}
	return nil
}

func (t *table[T]) update(ctx context.Context, s *Store, key string, decide func(*T) (*dispatchd.Event, error)) (*T, error) {
	var out *T
	err := s.tx(ctx, func(q Querier) error {
		v, err := t.get(ctx, s, q, key, true)
		if err != nil {
			return err
		}
		ev, err := decide(v)
		if err != nil {
			return err
		}
		if err := t.write(ctx, q, v); err != nil {
			return err
		}
		out = v
		return s.appendEvents(ctx, q, ev)
	})
	return out, err
}

// delete removes a row: decide sees the locked row and may refuse or name
// the event; check, when set, runs next in the transaction and may refuse.
func (t *table[T]) delete(ctx context.Context, s *Store, key string, decide func(*T) (*dispatchd.Event, error), check func(q Querier) error) error {
	return s.tx(ctx, func(q Querier) error {
		v, err := t.get(ctx, s, q, key, true)
		if err != nil {
			return err
		}
		ev, err := decide(v)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(q); err != nil {
				return err
			}
		}
		sql := fmt.Sprintf("DELETE FROM %s WHERE %s = $1", t.name, t.cols[0])
		if _, err := q.Exec(ctx, sql, key); err != nil {
			return conflict(err, "%s %s is still in use", t.what, key)
		}
		return s.appendEvents(ctx, q, ev)
	})
}

// upsertSQL returns the prefix and suffix of an insert-or-replace.
func (t *table[T]) upsertSQL(overwrite bool) (string, string) {
	prefix := fmt.Sprintf("INSERT INTO %s (%s) VALUES", t.name, t.colList())
	if !overwrite {
		return prefix, "ON CONFLICT DO NOTHING"
	}
	set := make([]string, 0, len(t.cols))
	for _, c := range t.cols[1:] {
		if !containsStr(t.keep, c) {
			set = append(set, fmt.Sprintf("%s = excluded.%s", c, c))
		}
	}
	return prefix, fmt.Sprintf("ON CONFLICT (%s) DO UPDATE SET %s", t.cols[0], strings.Join(set, ", "))
}

// importAll inserts or replaces every row and appends the events, all in one
// transaction.
func (t *table[T]) importAll(ctx context.Context, s *Store, rows []T, evs []dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error {
		prefix, suffix := t.upsertSQL(true)
		if err := s.insertMany(ctx, q, prefix, len(t.cols), len(rows), suffix, func(i int) []any {
			return t.values(&rows[i])
		}); err != nil {
			return fmt.Errorf("write %ss: %w", t.what, err)
		}
		ptrs := make([]*dispatchd.Event, len(evs))
		for i := range evs {
			ptrs[i] = &evs[i]
		}
		return s.appendEvents(ctx, q, ptrs...)
	})
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
