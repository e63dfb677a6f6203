package sqldb

// The board's reads: incidents, tasks and orders by id and by filter, the
// tasks due for escalation, an incident's timeline.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/resources"
)

// GetIncident implements dispatch.Store.
func (s *Store) GetIncident(ctx context.Context, id string) (*dispatch.Incident, error) {
	return incidentDocs.get(ctx, s.db, id, "")
}

// ListIncidents implements dispatch.Store.
func (s *Store) ListIncidents(ctx context.Context, f dispatch.IncidentFilter) ([]dispatch.Incident, error) {
	var w where
	w.add("kind = ?", f.Kind) // pre-positionings apart: dispatch/preposition.go
	if len(f.Status) > 0 {
		w.add("status IN "+s.d.JSONValues("?"), jsonText(f.Status))
	}
	if f.Type != "" {
		w.add("type = ?", f.Type)
	}
	if f.Level > 0 {
		w.add("level = ?", f.Level)
	}
	if b := f.BBox; b != nil {
		w.add("lon >= ? AND lon <= ? AND lat >= ? AND lat <= ?", b.Left(), b.Right(), b.Bottom(), b.Top())
	}
	if !f.From.IsZero() {
		w.add("reported_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.add("reported_at < ?", f.To)
	}
	if f.Exercise != nil {
		w.add("exercise = ?", *f.Exercise)
	}
	if cond, args := s.incidentScope("", f.Scope); cond != "" {
		if f.Team != "" {
			cond = "(" + cond + " OR id IN (SELECT incident_id FROM tasks WHERE team_id = ?))"
			args = append(args, f.Team)
		}
		w.add(cond, args...)
	}
	if f.After != "" {
		w.add("id < ?", f.After)
	}
	return incidentDocs.list(ctx, s.db, &w, f.Limit, "")
}

// incidentScope returns the condition, with "?" for its arguments, that
// keeps the incidents of scope: region within its prefix, type among its
// types; "" for the whole deployment. col qualifies the columns.
func (s *Store) incidentScope(col string, sc dispatchd.Scope) (string, []any) {
	var conds []string
	var args []any
	if sc.Prefix != "" {
		conds = append(conds, col+`region LIKE ? ESCAPE '\'`)
		args = append(args, likeEscape(sc.Prefix)+"%")
	}
	if sc.Types != nil {
		conds = append(conds, col+"type IN "+s.d.JSONValues("?"))
		args = append(args, jsonText(sc.Types))
	}
	return strings.Join(conds, " AND "), args
}

// reportedIn keeps the rows of incidents reported in [from, to), when
// either is set.
func reportedIn(w *where, from, to time.Time) {
	var conds []string
	var args []any
	if !from.IsZero() {
		conds, args = append(conds, "reported_at >= ?"), append(args, from)
	}
	if !to.IsZero() {
		conds, args = append(conds, "reported_at < ?"), append(args, to)
	}
	if len(conds) > 0 {
		w.add("incident_id IN (SELECT id FROM incidents WHERE "+strings.Join(conds, " AND ")+")", args...)
	}
}

// GetTask implements dispatch.Store.
func (s *Store) GetTask(ctx context.Context, id string) (*dispatch.Task, error) {
	return taskDocs.get(ctx, s.db, id, "")
}

// ListTasks implements dispatch.Store.
func (s *Store) ListTasks(ctx context.Context, f dispatch.TaskFilter) ([]dispatch.Task, error) {
	var w where
	if f.Incident != "" {
		w.add("incident_id = ?", f.Incident)
	}
	if f.Team != "" {
		w.add("team_id = ?", f.Team)
	}
	if len(f.Status) > 0 {
		w.add("status IN "+s.d.JSONValues("?"), jsonText(f.Status))
	}
	if cond, args := s.incidentScope("", f.Scope); cond != "" {
		w.add("incident_id IN (SELECT id FROM incidents WHERE "+cond+")", args...)
	}
	reportedIn(&w, f.ReportedFrom, f.ReportedTo)
	if f.After != "" {
		w.add("id < ?", f.After)
	}
	return taskDocs.list(ctx, s.db, &w, f.Limit, "")
}

// GetOrder implements dispatch.Store.
func (s *Store) GetOrder(ctx context.Context, id string) (*dispatch.Order, error) {
	return orderDocs.get(ctx, s.db, id, "")
}

// ListOrders implements dispatch.Store.
func (s *Store) ListOrders(ctx context.Context, f dispatch.OrderFilter) ([]dispatch.Order, error) {
	var w where
	if f.Incident != "" {
		w.add("incident_id = ?", f.Incident)
	}
	if f.Depots != nil {
		w.add("depot_id IN "+s.d.JSONValues("?"), jsonText(f.Depots))
	}
	if len(f.Status) > 0 {
		w.add("status IN "+s.d.JSONValues("?"), jsonText(f.Status))
	}
	if cond, args := s.incidentScope("", f.Scope); cond != "" {
		w.add("incident_id IN (SELECT id FROM incidents WHERE "+cond+")", args...)
	}
	if f.WorkedBy != "" {
		w.add("incident_id IN (SELECT incident_id FROM tasks WHERE team_id = ?)", f.WorkedBy)
	}
	reportedIn(&w, f.ReportedFrom, f.ReportedTo)
	if f.After != "" {
		w.add("id < ?", f.After)
	}
	return orderDocs.list(ctx, s.db, &w, f.Limit, "")
}

// DueTasks implements dispatch.Store.
func (s *Store) DueTasks(ctx context.Context, now time.Time, limit int) ([]string, error) {
	out, err := s.strings(ctx, `SELECT id FROM tasks WHERE status = 'assigned' AND NOT escalated AND ack_by <= $1
		ORDER BY ack_by LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("list due tasks: %w", err)
	}
	return out, nil
}

// IncidentEvents implements dispatch.Store.
func (s *Store) IncidentEvents(ctx context.Context, incident string) ([]dispatchd.Event, error) {
	rows, err := s.db.Query(ctx, `SELECT id, ts, type, actor, subject, data, regions, hazard FROM events WHERE subject = $1
		OR subject IN (SELECT id FROM tasks WHERE incident_id = $1)
		OR subject IN (SELECT id FROM orders WHERE incident_id = $1)
		OR subject IN (SELECT id FROM support_requests WHERE incident_id = $1)
		ORDER BY id`, incident)
	if err != nil {
		return nil, fmt.Errorf("read timeline of incident %s: %w", incident, err)
	}
	return scanEvents(rows)
}

// AllStock returns every stock line, for a projection to load.
func (s *Store) AllStock(ctx context.Context) ([]resources.Stock, error) {
	rows, err := s.db.Query(ctx, `SELECT `+stockCols+` FROM stock s JOIN items i ON i.code = s.item_code`)
	if err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	return scanStocks(rows)
}
