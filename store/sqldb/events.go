package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dispatchd"
)

// ListEvents returns up to limit events with ids above since, in id order.
func (s *Store) ListEvents(ctx context.Context, since int64, limit int) ([]dispatchd.Event, error) {
	rows, err := s.db.Query(ctx, `SELECT id, ts, type, actor, subject, data, regions, hazard FROM events WHERE id > $1 ORDER BY id LIMIT $2`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return scanEvents(rows)
}

func scanEvents(rows Rows) ([]dispatchd.Event, error) {
	defer rows.Close()
	out := []dispatchd.Event{}
	for rows.Next() {
		var ev dispatchd.Event
		var data []byte
		var regions string
		if err := rows.Scan(&ev.ID, &ev.TS, &ev.Type, &ev.Actor, &ev.Subject, &data, &regions, &ev.Hazard); err != nil {
			return nil, err
		}
		ev.Data = data
		ev.Regions = strings.Fields(regions)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// LastEventID returns the id of the newest event, 0 when there is none.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&id)
	return id, err
}

// DeleteIdempotentBefore removes answers older than t and returns how many.
func (s *Store) DeleteIdempotentBefore(ctx context.Context, t time.Time) (int64, error) {
	return s.db.Exec(ctx, `DELETE FROM idempotency WHERE created_at < $1`, t)
}

// ListAudit lists events for the audit, newest first.
func (s *Store) ListAudit(ctx context.Context, f dispatchd.EventFilter) ([]dispatchd.Event, error) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Actor != "" {
		add("actor = $%d", f.Actor)
	}
	if strings.HasSuffix(f.Type, ".") {
		add(`type LIKE $%d ESCAPE '\'`, strings.NewReplacer("%", `\%`, "_", `\_`).Replace(f.Type)+"%")
	} else if f.Type != "" {
		add("type = $%d", f.Type)
	}
	if !f.From.IsZero() {
		add("ts >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("ts < $%d", f.To)
	}
	if f.Before > 0 {
		add("id < $%d", f.Before)
	}
	where, args = scopeEvents(where, args, f.Scope)
	args = append(args, f.Limit)
	q := fmt.Sprintf(`SELECT id, ts, type, actor, subject, data, regions, hazard FROM events WHERE %s ORDER BY id DESC LIMIT $%d`, strings.Join(where, " AND "), len(args))
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return scanEvents(rows)
}

// joinRegions writes an event's regions as the regions column keeps them:
// each code between spaces, ” for none.
func joinRegions(rs []string) string {
	if len(rs) == 0 {
		return ""
	}
	return " " + strings.Join(rs, " ") + " "
}

// scopeEvents adds the conditions of dispatchd.Event.Visible for scope.
func scopeEvents(where []string, args []any, sc dispatchd.Scope) ([]string, []any) {
	if sc.Types != nil {
		ph := make([]string, len(sc.Types))
		for i, t := range sc.Types {
			args = append(args, t)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		if len(ph) == 0 {
			where = append(where, "hazard = ''")
		} else {
			where = append(where, fmt.Sprintf("(hazard = '' OR hazard IN (%s))", strings.Join(ph, ", ")))
		}
	}
	if sc.Prefix != "" {
		args = append(args, "% "+likeEscape(sc.Prefix)+"%")
		where = append(where, fmt.Sprintf(`(regions = '' OR regions LIKE $%d ESCAPE '\')`, len(args)))
	}
	return where, args
}
