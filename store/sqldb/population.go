package sqldb

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/coverage"
)

// ReplacePopulation implements coverage.PopulationStore: the layer's row
// locked, every point deleted, pts inserted and ev appended, in one
// transaction.
func (s *Store) ReplacePopulation(ctx context.Context, pts []coverage.PopulationPoint, ev dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error {
		if _, err := q.Exec(ctx, `UPDATE coverage_population_layer SET points = $1, imported_at = $2 WHERE id = 1`,
			len(pts), time.Now().UTC()); err != nil {
			return fmt.Errorf("lock the population layer: %w", err)
		}
		if _, err := q.Exec(ctx, `DELETE FROM coverage_population`); err != nil {
			return fmt.Errorf("clear the population layer: %w", err)
		}
		err := s.insertMany(ctx, q, "INSERT INTO coverage_population (seq, lon, lat, population) VALUES", 4, len(pts), "",
			func(i int) []any { return []any{i, pts[i].At.Lon, pts[i].At.Lat, pts[i].Population} })
		if err != nil {
			return fmt.Errorf("insert population points: %w", err)
		}
		return s.appendEvents(ctx, q, &ev)
	})
}

// ListPopulation implements coverage.PopulationStore, in import order.
func (s *Store) ListPopulation(ctx context.Context) ([]coverage.PopulationPoint, error) {
	rows, err := s.db.Query(ctx, `SELECT lon, lat, population FROM coverage_population ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("list population points: %w", err)
	}
	defer rows.Close()
	var out []coverage.PopulationPoint
	for rows.Next() {
		var p coverage.PopulationPoint
		if err := rows.Scan(&p.At.Lon, &p.At.Lat, &p.Population); err != nil {
			return nil, fmt.Errorf("read a population point: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list population points: %w", err)
	}
	return out, nil
}
