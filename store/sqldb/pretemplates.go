package sqldb

import (
	"context"
	"encoding/json"
	"fmt"

	"dispatchd"
	"dispatchd/dispatch"
)

// PrepositionTemplates implements dispatch.Store.
func (s *Store) PrepositionTemplates(ctx context.Context) ([]dispatch.Template, error) {
	rows, err := s.db.Query(ctx, `SELECT doc FROM preposition_templates ORDER BY hazard, level`)
	if err != nil {
		return nil, fmt.Errorf("list pre-positioning templates: %w", err)
	}
	defer rows.Close()
	out := []dispatch.Template{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("scan pre-positioning template: %w", err)
		}
		var t dispatch.Template
		if err := json.Unmarshal([]byte(doc), &t); err != nil {
			return nil, fmt.Errorf("decode pre-positioning template: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	dispatch.SortTemplates(out)
	return out, nil
}

// SetPrepositionTemplates implements dispatch.Store.
func (s *Store) SetPrepositionTemplates(ctx context.Context, ts []dispatch.Template, ev *dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error {
		if _, err := q.Exec(ctx, `DELETE FROM preposition_templates`); err != nil {
			return fmt.Errorf("clear pre-positioning templates: %w", err)
		}
		for _, t := range ts {
			doc, err := json.Marshal(t)
			if err != nil {
				return fmt.Errorf("encode pre-positioning template: %w", err)
			}
			if _, err := q.Exec(ctx, `INSERT INTO preposition_templates (hazard, level, doc) VALUES ($1, $2, $3)`,
				t.Hazard, t.Level, string(doc)); err != nil {
				return conflict(err, "pre-positioning template of %s at %s repeated", t.Hazard, t.Level)
			}
		}
		return s.appendEvents(ctx, q, ev)
	})
}
