package sqldb

import (
	"context"
	"fmt"
	"strings"

	"dispatchd/regions"
)

var _ regions.RollupStore = (*Store)(nil)

// Tally implements regions.RollupStore: one grouped query per kind, all in
// one snapshot.
func (s *Store) Tally(ctx context.Context, q regions.TallyQuery) (*regions.Tally, error) {
	t := &regions.Tally{ItemNames: map[string]string{}}
	err := s.db.View(ctx, func(db Querier) error {
		if err := tallyIncidents(ctx, db, q, t); err != nil {
			return fmt.Errorf("tally incidents: %w", err)
		}
		if err := tallyTeams(ctx, db, q, t); err != nil {
			return fmt.Errorf("tally teams: %w", err)
		}
		if err := tallyRequests(ctx, db, q, t); err != nil {
			return fmt.Errorf("tally support requests: %w", err)
		}
		if err := tallyStock(ctx, db, q, t); err != nil {
			return fmt.Errorf("tally stock: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// key is the grouping expression: the first depth characters of col.
func key(col string, depth int) string {
	return fmt.Sprintf("substr(%s, 1, %d)", col, depth)
}

// inPrefix adds the condition that col lies within prefix ("" keeps all).
func inPrefix(w *where, col, prefix string) {
	if prefix != "" {
		w.add(col+` LIKE ? ESCAPE '\'`, likeEscape(prefix)+"%")
	}
}

// inList adds col IN (values); an empty list keeps nothing.
func inList(w *where, col string, values []string) {
	if len(values) == 0 {
		w.conds = append(w.conds, "1 = 0")
		return
	}
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = w.param(v)
	}
	w.conds = append(w.conds, col+" IN ("+strings.Join(ph, ", ")+")")
}

func tallyIncidents(ctx context.Context, db Querier, q regions.TallyQuery, t *regions.Tally) error {
	var w where
	w.add("status NOT IN ('closed', 'cancelled') AND kind = ''") // pre-positionings are no incidents
	inPrefix(&w, "region", q.Prefix)
	if q.Types != nil {
		inList(&w, "type", q.Types)
	}
	k := key("region", q.Depth)
	rows, err := db.Query(ctx, `SELECT `+k+`, level, status, count(*) FROM incidents`+w.String()+
		` GROUP BY `+k+`, level, status`, w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r regions.IncidentTally
		if err := rows.Scan(&r.Key, &r.Level, &r.Status, &r.N); err != nil {
			return err
		}
		t.Incidents = append(t.Incidents, r)
	}
	return rows.Err()
}

func tallyTeams(ctx context.Context, db Querier, q regions.TallyQuery, t *regions.Tally) error {
	var w where
	inPrefix(&w, "region", q.Prefix)
	k := key("region", q.Depth)
	rows, err := db.Query(ctx, `SELECT `+k+`, status, count(*) FROM teams`+w.String()+` GROUP BY `+k+`, status`, w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r regions.TeamTally
		if err := rows.Scan(&r.Key, &r.Status, &r.N); err != nil {
			return err
		}
		t.Teams = append(t.Teams, r)
	}
	return rows.Err()
}

// tallyRequests counts open requests to and from each key in one query;
// a desk sees the requests of its incidents' types.
func tallyRequests(ctx context.Context, db Querier, q regions.TallyQuery, t *regions.Tally) error {
	var args []any
	side := func(incoming bool, col string) string {
		w := where{args: args}
		inList(&w, "r.status", regions.OpenSupportStatuses)
		inPrefix(&w, "r."+col, q.Prefix)
		if q.Types != nil {
			inList(&w, "i.type", q.Types)
		}
		args = w.args
		k := key("r."+col, q.Depth)
		dir := 0
		if incoming {
			dir = 1
		}
		return fmt.Sprintf(`SELECT %s, %d, count(*) FROM support_requests r JOIN incidents i ON i.id = r.incident_id%s GROUP BY %s`,
			k, dir, w.String(), k)
	}
	sql := side(true, "to_region") + " UNION ALL " + side(false, "from_region")
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r regions.RequestTally
		var dir int
		if err := rows.Scan(&r.Key, &dir, &r.N); err != nil {
			return err
		}
		r.Incoming = dir == 1
		t.Requests = append(t.Requests, r)
	}
	return rows.Err()
}

func tallyStock(ctx context.Context, db Querier, q regions.TallyQuery, t *regions.Tally) error {
	if len(q.Items) == 0 {
		return nil
	}
	var w where
	inList(&w, "code", q.Items)
	rows, err := db.Query(ctx, `SELECT code, name FROM items`+w.String(), w.args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			rows.Close()
			return err
		}
		t.ItemNames[code] = name
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	w = where{}
	inList(&w, "s.item_code", q.Items)
	inPrefix(&w, "d.region", q.Prefix)
	k := key("d.region", q.Depth)
	rows, err = db.Query(ctx, `SELECT `+k+`, s.item_code, CAST(sum(s.on_hand) AS bigint), CAST(sum(s.on_hand - s.reserved) AS bigint) FROM stock s JOIN depots d ON d.id = s.depot_id`+
		w.String()+` GROUP BY `+k+`, s.item_code`, w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r regions.StockTally
		if err := rows.Scan(&r.Key, &r.Item, &r.OnHand, &r.Available); err != nil {
			return err
		}
		t.Stock = append(t.Stock, r)
	}
	return rows.Err()
}

// Analyze refreshes the query planner's statistics. A bulk load (the demo
// province: 370,000 stock rows) leaves the planner guessing until the
// database's own next round (PostgreSQL's autovacuum, a minute or more;
// SQLite never), and a guess can turn the roll-up's stock join into
// thousands of index probes.
func (s *Store) Analyze(ctx context.Context) error {
	if _, err := s.db.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
