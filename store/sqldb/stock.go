package sqldb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

const stockCols = `s.depot_id, s.item_code, i.name, i.unit, s.on_hand, s.reserved, s.updated_at`

func scanStock(sc scanner) (resources.Stock, error) {
	var st resources.Stock
	err := sc.Scan(&st.Depot, &st.Item, &st.Name, &st.Unit, &st.OnHand, &st.Reserved, &st.UpdatedAt)
	st.Available = st.OnHand - st.Reserved
	return st, err
}

// ListStock implements resources.Store.
func (s *Store) ListStock(ctx context.Context, depot string) ([]resources.Stock, error) {
	if _, err := depots.get(ctx, s, s.db, depot, false); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+stockCols+` FROM stock s JOIN items i ON i.code = s.item_code
		WHERE s.depot_id = $1 ORDER BY s.item_code`, depot)
	if err != nil {
		return nil, fmt.Errorf("list stock of depot %s: %w", depot, err)
	}
	return scanStocks(rows)
}

func scanStocks(rows Rows) ([]resources.Stock, error) {
	defer rows.Close()
	out := []resources.Stock{}
	for rows.Next() {
		st, err := scanStock(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// AdjustStock implements resources.Store.
func (s *Store) AdjustStock(ctx context.Context, depot string, decide func(cur map[string]resources.Stock) ([]resources.Stock, []resources.LedgerLine, *dispatchd.Event, error)) ([]resources.Stock, error) {
	var out []resources.Stock
	err := s.tx(ctx, func(q Querier) error {
		if _, err := depots.get(ctx, s, q, depot, true); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+stockCols+` FROM stock s JOIN items i ON i.code = s.item_code
			WHERE s.depot_id = $1`+s.d.ForUpdate, depot)
		if err != nil {
			return fmt.Errorf("lock stock of depot %s: %w", depot, err)
		}
		cur := map[string]resources.Stock{}
		for rows.Next() {
			st, err := scanStock(rows)
			if err != nil {
				rows.Close()
				return err
			}
			cur[st.Item] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		levels, ledger, ev, err := decide(cur)
		if err != nil {
			return err
		}
		if err := s.writeStock(ctx, q, levels); err != nil {
			return err
		}
		if ev.ID == 0 {
			if err := s.appendEvents(ctx, q, ev); err != nil {
				return err
			}
		}
		for i := range ledger {
			ledger[i].EventID = ev.ID
		}
		if err := s.writeLedger(ctx, q, ledger); err != nil {
			return err
		}
		out = levels
		return nil
	})
	return out, err
}

func (s *Store) writeStock(ctx context.Context, q Querier, levels []resources.Stock) error {
	if c, ok := q.(Copier); ok && len(levels) > 1000 {
		return conflict(s.copyStock(ctx, q, c, levels), "stock would fall below zero or below what is reserved")
	}
	err := s.insertMany(ctx, q, `INSERT INTO stock (depot_id, item_code, on_hand, reserved, updated_at) VALUES`, 5, len(levels),
		`ON CONFLICT (depot_id, item_code) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, updated_at = excluded.updated_at`,
		func(i int) []any {
			l := levels[i]
			return []any{l.Depot, l.Item, l.OnHand, l.Reserved, l.UpdatedAt}
		})
	return conflict(err, "stock would fall below zero or below what is reserved")
}

// copyStock bulk-loads levels into a temporary table and upserts from it:
// many times faster than multi-row VALUES on PostgreSQL.
func (s *Store) copyStock(ctx context.Context, q Querier, c Copier, levels []resources.Stock) error {
	// One import may load several chunks in one transaction.
	if _, err := q.Exec(ctx, `CREATE TEMPORARY TABLE IF NOT EXISTS stock_load (LIKE stock INCLUDING DEFAULTS) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("create load table: %w", err)
	}
	if _, err := q.Exec(ctx, `TRUNCATE stock_load`); err != nil {
		return fmt.Errorf("empty load table: %w", err)
	}
	rows := make([][]any, len(levels))
	for i, l := range levels {
		rows[i] = []any{l.Depot, l.Item, l.OnHand, l.Reserved, l.UpdatedAt}
	}
	if _, err := c.CopyFrom(ctx, "stock_load", []string{"depot_id", "item_code", "on_hand", "reserved", "updated_at"}, rows); err != nil {
		return fmt.Errorf("load stock: %w", err)
	}
	_, err := q.Exec(ctx, `INSERT INTO stock (depot_id, item_code, on_hand, reserved, updated_at)
		SELECT depot_id, item_code, on_hand, reserved, updated_at FROM stock_load
		ON CONFLICT (depot_id, item_code) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, updated_at = excluded.updated_at`)
	return err
}

func (s *Store) writeLedger(ctx context.Context, q Querier, lines []resources.LedgerLine) error {
	if c, ok := q.(Copier); ok && len(lines) > 1000 {
		rows := make([][]any, len(lines))
		for i, l := range lines {
			rows[i] = []any{l.Depot, l.Item, l.Delta, l.OnHand, l.Reserved, l.Reason, l.Actor, l.EventID, l.TS}
		}
		_, err := c.CopyFrom(ctx, "stock_ledger", []string{"depot_id", "item_code", "delta", "on_hand", "reserved", "reason", "actor", "event_id", "ts"}, rows)
		return err
	}
	return s.insertMany(ctx, q, `INSERT INTO stock_ledger (depot_id, item_code, delta, on_hand, reserved, reason, actor, event_id, ts) VALUES`,
		9, len(lines), "", func(i int) []any {
			l := lines[i]
			return []any{l.Depot, l.Item, l.Delta, l.OnHand, l.Reserved, l.Reason, l.Actor, l.EventID, l.TS}
		})
}

// ListLedger implements resources.Store.
func (s *Store) ListLedger(ctx context.Context, f resources.LedgerFilter) ([]resources.LedgerLine, error) {
	var w where
	w.add("depot_id = ?", f.Depot)
	if f.Item != "" {
		w.add("item_code = ?", f.Item)
	}
	if f.After > 0 {
		w.add("id < ?", f.After)
	}
	sql := `SELECT id, depot_id, item_code, delta, on_hand, reserved, reason, actor, event_id, ts FROM stock_ledger` +
		w.String() + ` ORDER BY id DESC LIMIT ` + w.param(f.Limit)
	rows, err := s.db.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	defer rows.Close()
	out := []resources.LedgerLine{}
	for rows.Next() {
		var l resources.LedgerLine
		if err := rows.Scan(&l.ID, &l.Depot, &l.Item, &l.Delta, &l.OnHand, &l.Reserved, &l.Reason, &l.Actor, &l.EventID, &l.TS); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ImportStock implements resources.Store.
func (s *Store) ImportStock(ctx context.Context, levels []resources.StockLevel, reason, actor string, ev *dispatchd.Event) error {
	depotSet := map[string]bool{}
	for _, l := range levels {
		depotSet[l.Depot] = true
	}
	ids := make([]string, 0, len(depotSet))
	for id := range depotSet {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return s.tx(ctx, func(q Querier) error {
		type key struct{ depot, item string }
		cur := map[key][2]int64{}
		rows, err := q.Query(ctx, `SELECT depot_id, item_code, on_hand, reserved FROM stock WHERE depot_id IN `+
			s.d.JSONValues("$1")+s.d.ForUpdate, jsonText(ids))
		if err != nil {
			return fmt.Errorf("lock stock: %w", err)
		}
		for rows.Next() {
			var k key
			var v [2]int64
			if err := rows.Scan(&k.depot, &k.item, &v[0], &v[1]); err != nil {
				rows.Close()
				return err
			}
			cur[k] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := ev.TS
		if now.IsZero() {
			now = time.Now().UTC()
		}
		changed := make([]resources.Stock, 0, len(levels))
		ledger := make([]resources.LedgerLine, 0, len(levels))
		for _, l := range levels {
			old := cur[key{l.Depot, l.Item}]
			if l.OnHand < old[1] {
				return dispatchd.Errorf(dispatchd.ECONFLICT, "stock of item %s at depot %s would fall to %d, below the %d reserved for orders; nothing was imported",
					l.Item, l.Depot, l.OnHand, old[1])
			}
			if l.OnHand == old[0] {
				continue // no change, no ledger line
			}
			changed = append(changed, resources.Stock{Depot: l.Depot, Item: l.Item, OnHand: l.OnHand, Reserved: old[1], UpdatedAt: now})
			ledger = append(ledger, resources.LedgerLine{Depot: l.Depot, Item: l.Item, Delta: l.OnHand - old[0],
				OnHand: l.OnHand, Reserved: old[1], Reason: reason, Actor: actor, TS: now})
		}
		if err := s.writeStock(ctx, q, changed); err != nil {
			return err
		}
		if ev.ID == 0 {
			if err := s.appendEvents(ctx, q, ev); err != nil {
				return err
			}
		}
		for i := range ledger {
			ledger[i].EventID = ev.ID
		}
		return s.writeLedger(ctx, q, ledger)
	})
}
