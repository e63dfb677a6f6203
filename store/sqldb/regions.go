package sqldb

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/regions"
)

var _ regions.Store = (*Store)(nil)

// GetRegion implements regions.Store.
func (s *Store) GetRegion(ctx context.Context, code string) (*regions.Region, error) {
	var r regions.Region
	err := s.db.QueryRow(ctx, `SELECT code, name, level, parent, boundary FROM regions WHERE code = $1`, code).
		Scan(&r.Code, &r.Name, &r.Level, &r.Parent, &r.Boundary)
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
	rows, err := s.db.Query(ctx, `SELECT code, name, level, parent, boundary FROM regions`+w.String()+
		` ORDER BY code LIMIT `+w.param(f.Limit), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list regions: %w", err)
	}
	defer rows.Close()
	out := []regions.Region{}
	for rows.Next() {
		var r regions.Region
		if err := rows.Scan(&r.Code, &r.Name, &r.Level, &r.Parent, &r.Boundary); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutRegions implements regions.Store.
func (s *Store) PutRegions(ctx context.Context, rs []regions.Region, evs []dispatchd.Event) error {
	now := time.Now().UTC()
	return s.tx(ctx, func(q Querier) error {
		err := s.insertMany(ctx, q, "INSERT INTO regions (code, name, level, parent, boundary, created_at, updated_at) VALUES", 7, len(rs),
			"ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent, boundary = excluded.boundary, updated_at = excluded.updated_at",
			func(i int) []any {
				r := rs[i]
				return []any{r.Code, r.Name, string(r.Level), r.Parent, r.Boundary, now, now}
			})
		if err != nil {
			return fmt.Errorf("put regions: %w", err)
		}
		ptrs := make([]*dispatchd.Event, len(evs))
		for i := range evs {
			ptrs[i] = &evs[i]
		}
		return s.appendEvents(ctx, q, ptrs...)
	})
}
