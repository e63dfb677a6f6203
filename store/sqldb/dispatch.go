package sqldb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"dispatchd/dispatch"
	"dispatchd/resources"
)

var _ dispatch.Store = (*Store)(nil)

// doc is a table of JSON documents with columns extracted for filters.
type doc[T any] struct {
	name, what string
	cols       []string // after id, before doc
	values     func(*T) []any
	id         func(*T) string
}

var incidentDocs = doc[dispatch.Incident]{
	name: "incidents", what: "incident",
	cols: []string{"type", "level", "status", "lon", "lat", "exercise", "reported_at", "region", "kind"},
	values: func(in *dispatch.Incident) []any {
		return []any{in.Type, in.Level, string(in.Status), in.Location.Lon, in.Location.Lat, in.Exercise, in.ReportedAt, in.Region, in.Kind}
	},
	id: func(in *dispatch.Incident) string { return in.ID },
}

var taskDocs = doc[dispatch.Task]{
	name: "tasks", what: "task",
	cols: []string{"incident_id", "team_id", "status", "ack_by", "escalated", "support_request"},
	values: func(t *dispatch.Task) []any {
		return []any{t.Incident, t.Team, string(t.Status), t.AckBy, t.Escalated, t.SupportRequest}
	},
	id: func(t *dispatch.Task) string { return t.ID },
}

var orderDocs = doc[dispatch.Order]{
	name: "orders", what: "order",
	cols:   []string{"incident_id", "depot_id", "status", "support_request"},
	values: func(o *dispatch.Order) []any { return []any{o.Incident, o.Depot, string(o.Status), o.SupportRequest} },
	id:     func(o *dispatch.Order) string { return o.ID },
}

func (d *doc[T]) get(ctx context.Context, q Querier, id, lock string) (*T, error) {
	var b []byte
	if err := q.QueryRow(ctx, `SELECT doc FROM `+d.name+` WHERE id = $1`+lock, id).Scan(&b); err != nil {
		return nil, notFound(err, "%s %s not found", d.what, id)
	}
	v := new(T)
	return v, scanJSON(b, v)
}

// list returns documents WHERE w, newest (highest id) first.
func (d *doc[T]) list(ctx context.Context, q Querier, w *where, limit int, lock string) ([]T, error) {
	sql := `SELECT doc FROM ` + d.name + w.String() + ` ORDER BY id DESC`
	if limit > 0 {
		sql += ` LIMIT ` + w.param(limit)
	}
	rows, err := q.Query(ctx, sql+lock, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", d.what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var v T
		if err := scanJSON(b, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// put inserts or replaces documents, in the order given.
func (d *doc[T]) put(ctx context.Context, s *Store, q Querier, vs []*T) error {
	if len(vs) == 0 {
		return nil
	}
	cols := append(append([]string{"id"}, d.cols...), "doc")
	set := make([]string, 0, len(cols)-1)
	for _, c := range cols[1:] {
		set = append(set, c+" = excluded."+c)
	}
	prefix := `INSERT INTO ` + d.name + ` (` + strings.Join(cols, ", ") + `) VALUES`
	suffix := `ON CONFLICT (id) DO UPDATE SET ` + strings.Join(set, ", ")
	// One statement per row: a team's old task must stop being active
	// before its new one starts, which a unique index checks row by row.
	for _, v := range vs {
		if err := s.insertMany(ctx, q, prefix, len(cols), 1, suffix, func(int) []any {
			return append(append([]any{d.id(v)}, d.values(v)...), jsonText(v))
		}); err != nil {
			return conflict(err, "%s %s conflicts with another: a team may have only one active task", d.what, d.id(v))
		}
	}
	return nil
}

// Apply implements dispatch.Store.
func (s *Store) Apply(ctx context.Context, lock dispatch.Lock, decide func(*dispatch.Snapshot) (*dispatch.Change, error)) error {
	return s.tx(ctx, func(q Querier) error {
		snap, err := s.lockRows(ctx, q, lock)
		if err != nil {
			return err
		}
		ch, err := decide(snap)
		if err != nil {
			return err
		}
		return s.writeChange(ctx, q, ch)
	})
}

// lockRows locks in the order dispatch.Lock documents: the incident, its
// tasks and orders, support requests, tasks, orders, teams, stock.
func (s *Store) lockRows(ctx context.Context, q Querier, lock dispatch.Lock) (*dispatch.Snapshot, error) {
	snap := &dispatch.Snapshot{Tasks: map[string]*dispatch.Task{}, Orders: map[string]*dispatch.Order{},
		Teams: map[string]*resources.Team{}, Busy: map[string]string{}, Stock: map[dispatch.StockKey]resources.Stock{},
		Depots: map[string]*resources.Depot{}}
	fu := s.d.ForUpdate
	if lock.Incident != "" {
		in, err := incidentDocs.get(ctx, q, lock.Incident, fu)
		if err != nil {
			return nil, err
		}
		snap.Incident = in
		if lock.Children {
			var w where
			w.add("incident_id = ?", in.ID)
			if err := lockDocs(ctx, q, &taskDocs, &w, fu, snap.Tasks); err != nil {
				return nil, err
			}
			w = where{}
			w.add("incident_id = ?", in.ID)
			if err := lockDocs(ctx, q, &orderDocs, &w, fu, snap.Orders); err != nil {
				return nil, err
			}
		}
	}
	if err := s.lockSupport(ctx, q, lock, snap); err != nil { // support.go
		return nil, err
	}
	if ids := missing(lock.Tasks, snap.Tasks); len(ids) > 0 {
		var w where
		w.add("id IN "+s.d.JSONValues("?"), jsonText(ids))
		if err := lockDocs(ctx, q, &taskDocs, &w, fu, snap.Tasks); err != nil {
			return nil, err
		}
	}
	if ids := missing(lock.Orders, snap.Orders); len(ids) > 0 {
		var w where
		w.add("id IN "+s.d.JSONValues("?"), jsonText(ids))
		if err := lockDocs(ctx, q, &orderDocs, &w, fu, snap.Orders); err != nil {
			return nil, err
		}
	}
	teamIDs := slices.Clone(lock.Teams)
	for _, t := range snap.Tasks {
		teamIDs = append(teamIDs, t.Team)
	}
	if err := s.lockTeams(ctx, q, sortedSet(teamIDs), snap); err != nil {
		return nil, err
	}
	keys := slices.Clone(lock.Stock)
	depotIDs := slices.Clone(lock.Depots)
	for _, o := range snap.Orders {
		depotIDs = append(depotIDs, o.Depot)
		if !o.Exercise && o.Status.Holds() {
			for _, l := range o.Lines {
				keys = append(keys, dispatch.StockKey{Depot: o.Depot, Item: l.Item})
			}
		}
	}
	if err := s.lockStock(ctx, q, keys, snap); err != nil {
		return nil, err
	}
	if ids := sortedSet(depotIDs); len(ids) > 0 {
		var w where
		w.add("id IN "+s.d.JSONValues("?"), jsonText(ids))
		ds, err := depots.list(ctx, q, &w, "id", len(ids))
		if err != nil {
			return nil, err
		}
		for i := range ds {
			snap.Depots[ds[i].ID] = &ds[i]
		}
	}
	return snap, nil
}

func lockDocs[T any](ctx context.Context, q Querier, d *doc[T], w *where, lock string, into map[string]*T) error {
	// Ascending id order, so that every transaction locks in the same order.
	sql := `SELECT doc FROM ` + d.name + w.String() + ` ORDER BY id` + lock
	rows, err := q.Query(ctx, sql, w.args...)
	if err != nil {
		return fmt.Errorf("lock %ss: %w", d.what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		v := new(T)
		if err := scanJSON(b, v); err != nil {
			return err
		}
		into[d.id(v)] = v
	}
	return rows.Err()
}

func (s *Store) lockTeams(ctx context.Context, q Querier, ids []string, snap *dispatch.Snapshot) error {
	if len(ids) == 0 {
		return nil
	}
	trows, err := q.Query(ctx, `SELECT `+teams.colList()+` FROM teams WHERE id IN `+s.d.JSONValues("$1")+
		` ORDER BY id`+s.d.ForUpdate, jsonText(ids))
	if err != nil {
		return fmt.Errorf("lock teams: %w", err)
	}
	for trows.Next() {
		t, err := teams.scan(trows)
		if err != nil {
			trows.Close()
			return err
		}
		snap.Teams[t.ID] = &t
	}
	trows.Close()
	if err := trows.Err(); err != nil {
		return err
	}
	rows, err := q.Query(ctx, `SELECT team_id, id FROM tasks WHERE team_id IN `+s.d.JSONValues("$1")+
		` AND status IN ('assigned', 'acknowledged', 'en_route', 'on_scene')`, jsonText(ids))
	if err != nil {
		return fmt.Errorf("read busy teams: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var team, task string
		if err := rows.Scan(&team, &task); err != nil {
			return err
		}
		snap.Busy[team] = task
	}
	return rows.Err()
}

func (s *Store) lockStock(ctx context.Context, q Querier, keys []dispatch.StockKey, snap *dispatch.Snapshot) error {
	if len(keys) == 0 {
		return nil
	}
	ds, is := make([]string, len(keys)), make([]string, len(keys))
	want := map[dispatch.StockKey]bool{}
	for i, k := range keys {
		ds[i], is[i] = k.Depot, k.Item
		want[k] = true
	}
	// The rows of these depots and items: a superset of the keys, locked in
	// key order.
	rows, err := q.Query(ctx, `SELECT `+stockCols+` FROM stock s JOIN items i ON i.code = s.item_code
		WHERE s.depot_id IN `+s.d.JSONValues("$1")+` AND s.item_code IN `+s.d.JSONValues("$2")+
		` ORDER BY s.depot_id, s.item_code`+s.forUpdateOf("s"), jsonText(sortedSet(ds)), jsonText(sortedSet(is)))
	if err != nil {
		return fmt.Errorf("lock stock: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		st, err := scanStock(rows)
		if err != nil {
			return err
		}
		if k := (dispatch.StockKey{Depot: st.Depot, Item: st.Item}); want[k] {
			snap.Stock[k] = st
		}
	}
	return rows.Err()
}

// forUpdateOf locks only the rows of the aliased table in a join.
func (s *Store) forUpdateOf(alias string) string {
	if s.d.ForUpdate == "" {
		return ""
	}
	return s.d.ForUpdate + " OF " + alias
}

func (s *Store) writeChange(ctx context.Context, q Querier, ch *dispatch.Change) error {
	if ch == nil {
		return nil
	}
	if ch.Incident != nil {
		if err := incidentDocs.put(ctx, s, q, []*dispatch.Incident{ch.Incident}); err != nil {
			return err
		}
	}
	if err := supportDocs.put(ctx, s, q, ch.Support); err != nil {
		return err
	}
	if err := taskDocs.put(ctx, s, q, ch.Tasks); err != nil {
		return err
	}
	if err := orderDocs.put(ctx, s, q, ch.Orders); err != nil {
		return err
	}
	if err := s.writeChoice(ctx, q, ch); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(ch.TeamStatus)) {
		if _, err := q.Exec(ctx, `UPDATE teams SET status = $2 WHERE id = $1`, id, string(ch.TeamStatus[id])); err != nil {
			return fmt.Errorf("set status of team %s: %w", id, err)
		}
	}
	if err := s.writeStock(ctx, q, ch.Stock); err != nil {
		return err
	}
	if err := s.appendEvents(ctx, q, ch.Events...); err != nil {
		return err
	}
	lines := make([]resources.LedgerLine, len(ch.Ledger))
	for i, e := range ch.Ledger {
		lines[i] = e.Line
		lines[i].EventID = ch.Events[e.Event].ID
	}
	return s.writeLedger(ctx, q, lines)
}

func missing[T any](ids []string, have map[string]*T) []string {
	var out []string
	for _, id := range ids {
		if _, ok := have[id]; !ok {
			out = append(out, id)
		}
	}
	return sortedSet(out)
}

func sortedSet(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
