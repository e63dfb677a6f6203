package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/regions"
)

var _ regions.Store = (*Store)(nil)

const regionCols = `code, name, level, parent, boundary <> ''`

// GetRegion implements regions.Store.
func (s *Store) GetRegion(ctx context.Context, code string) (*regions.Region, error) {
	var r regions.Region
	err := s.db.QueryRow(ctx, `SELECT `+regionCols+` FROM regions WHERE code = $1`, code).
		Scan(&r.Code, &r.Name, &r.Level, &r.Parent, &r.HasBoundary)
	if err != nil {
		return nil, notFound(err, "region %s not found", code)
	}
	return &r, nil
}

// ListRegions implements regions.Store.
func (s *Store) ListRegions(ctx context.Context, f regions.Filter) ([]regions.Region, error) {
	var w where
	w.add("parent = ?", f.Parent)
	if f.After != "" {
		w.add("code > ?", f.After)
	}
	rows, err := s.db.Query(ctx, `SELECT `+regionCols+` FROM regions`+w.String()+
		` ORDER BY code LIMIT `+w.param(f.Limit), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	defer rows.Close()
	out := []regions.Region{}
	for rows.Next() {
		var r regions.Region
		if err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.Parent, &r.HasBoundary); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AnyRegion implements regions.Store.
func (s *Store) AnyRegion(ctx context.Context) (bool, error) {
	var code string
	err := s.db.QueryRow(ctx, `SELECT code FROM regions LIMIT 1`).Scan(&code)
	if errors.Is(err, ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for a region: %w", err)
	}
	return true, nil
}

// Boundaries implements regions.Store.
func (s *Store) Boundaries(ctx context.Context) ([]regions.Region, error) {
	rows, err := s.db.Query(ctx, `SELECT code, name, level, parent, boundary FROM regions WHERE boundary <> '' ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list boundaries: %w", err)
	}
	defer rows.Close()
	out := []regions.Region{}
	for rows.Next() {
		var r regions.Region
		if err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.Parent, &r.Boundary); err != nil {
			return nil, err
		}
		r.HasBoundary = true
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutRegions implements regions.Store.
func (s *Store) PutRegions(ctx context.Context, rs []regions.Region, evs []dispatchd.Event) error {
	now := time.Now().UTC()
	return s.tx(ctx, func(q Querier) error {
		err := s.insertMany(ctx, q, "INSERT INTO regions (code, name, level, parent, boundary, created_at, updated_at) VALUES", 7, len(rs),
			"ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent, updated_at = excluded.updated_at",
			func(i int) []any {
				r := rs[i]
				return []any{r.Code, r.Name, string(r.Level), r.Parent, r.Boundary, now, now}
			})
		if err != nil {
			return fmt.Errorf("put regions: %w", err)
		}
		return s.appendEventList(ctx, q, evs)
	})
}

// PutBoundaries implements regions.Store.
func (s *Store) PutBoundaries(ctx context.Context, rs []regions.Region, evs []dispatchd.Event) error {
	now := time.Now().UTC()
	return s.tx(ctx, func(q Querier) error {
		for _, r := range rs {
			n, err := q.Exec(ctx, `UPDATE regions SET boundary = $1, updated_at = $2 WHERE code = $3`, r.Boundary, now, r.Code)
			if err != nil {
				return fmt.Errorf("put the boundary of %s: %w", r.Code, err)
			}
			if n == 0 {
				return dispatchd.Errorf(dispatchd.ENOTFOUND, "region %s not found", r.Code)
			}
		}
		return s.appendEventList(ctx, q, evs)
	})
}

func (s *Store) appendEventList(ctx context.Context, q Querier, evs []dispatchd.Event) error {
	ptrs := make([]*dispatchd.Event, len(evs))
	for i := range evs {
		ptrs[i] = &evs[i]
	}
	return s.appendEvents(ctx, q, ptrs...)
}
