package sqldb

import (
	"context"
	"fmt"
	"time"

	"dispatchd/dispatch"
	"dispatchd/recorder"
	"dispatchd/resources"
)

// PutCheckpoint implements recorder.Store: a checkpoint already stored at
// the same event id is kept.
func (s *Store) PutCheckpoint(ctx context.Context, c *recorder.Checkpoint) error {
	_, err := s.db.Exec(ctx, `INSERT INTO checkpoints (event_id, ts, base_id, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (event_id) DO NOTHING`, c.EventID, c.TS.UTC(), c.Base, c.Data)
	if err != nil {
		return fmt.Errorf("write checkpoint %d: %w", c.EventID, err)
	}
	return nil
}

const checkpointCols = `SELECT event_id, ts, base_id, data FROM checkpoints `

func (s *Store) checkpoint(ctx context.Context, what, cond string, args ...any) (*recorder.Checkpoint, error) {
	var c recorder.Checkpoint
	err := s.db.QueryRow(ctx, checkpointCols+cond, args...).Scan(&c.EventID, &c.TS, &c.Base, &c.Data)
	if err != nil {
		return nil, notFound(err, "no checkpoint %s", what)
	}
	c.TS = c.TS.UTC()
	return &c, nil
}

// GetCheckpoint implements recorder.Store.
func (s *Store) GetCheckpoint(ctx context.Context, eventID int64) (*recorder.Checkpoint, error) {
	return s.checkpoint(ctx, fmt.Sprintf("at event %d", eventID), `WHERE event_id = $1`, eventID)
}

// CheckpointAt implements recorder.Store.
func (s *Store) CheckpointAt(ctx context.Context, t time.Time) (*recorder.Checkpoint, error) {
	return s.checkpoint(ctx, "at or before "+t.UTC().Format(time.RFC3339), `WHERE ts <= $1 ORDER BY ts DESC, event_id DESC LIMIT 1`, t.UTC())
}

// LastCheckpoint implements recorder.Store.
func (s *Store) LastCheckpoint(ctx context.Context) (*recorder.Checkpoint, error) {
	return s.checkpoint(ctx, "yet", `ORDER BY event_id DESC LIMIT 1`)
}

// EventLedger implements recorder.Store: the ledger lines event id wrote.
func (s *Store) EventLedger(ctx context.Context, eventID int64) ([]resources.LedgerLine, error) {
	rows, err := s.db.Query(ctx, `SELECT depot_id, item_code, on_hand, reserved FROM stock_ledger WHERE event_id = $1 ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("read the ledger of event %d: %w", eventID, err)
	}
	defer rows.Close()
	out := []resources.LedgerLine{}
	for rows.Next() {
		l := resources.LedgerLine{EventID: eventID}
		if err := rows.Scan(&l.Depot, &l.Item, &l.OnHand, &l.Reserved); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// RecorderFrame implements recorder.Store: the whole state, unscoped, and
// the last event, from one consistent read.
func (s *Store) RecorderFrame(ctx context.Context) (*recorder.Frame, error) {
	f := &recorder.Frame{}
	err := s.db.View(ctx, func(tx Querier) error {
		v := &Store{db: viewConn{tx}, d: s.d}
		var err error
		if f.EventID, err = v.LastEventID(ctx); err != nil {
			return err
		}
		f.TS = time.Now().UTC()
		if f.EventID > 0 {
			if err := tx.QueryRow(ctx, `SELECT ts FROM events WHERE id = $1`, f.EventID).Scan(&f.TS); err != nil {
				return err
			}
			f.TS = f.TS.UTC()
		}
		for _, kind := range []string{"", dispatch.KindPreposition} {
			ins, err := v.ListIncidents(ctx, dispatch.IncidentFilter{Kind: kind,
				Status: []dispatch.IncidentStatus{dispatch.Reported, dispatch.Confirmed, dispatch.Responding, dispatch.Stabilized}})
			if err != nil {
				return err
			}
			f.Incidents = append(f.Incidents, ins...)
		}
		if f.Tasks, err = v.ListTasks(ctx, dispatch.TaskFilter{Status: []dispatch.TaskStatus{dispatch.Assigned, dispatch.Acknowledged, dispatch.EnRoute, dispatch.OnScene}}); err != nil {
			return err
		}
		if f.Orders, err = v.ListOrders(ctx, dispatch.OrderFilter{Status: []dispatch.OrderStatus{dispatch.Requested, dispatch.OrderConfirmed, dispatch.Shipped}}); err != nil {
			return err
		}
		open := map[string]bool{}
		for _, in := range f.Incidents {
			open[in.ID] = true
		}
		ref := func(id string) error {
			if open[id] {
				return nil
			}
			open[id] = true
			in, err := v.GetIncident(ctx, id)
			if err == nil {
				f.Refs = append(f.Refs, *in)
			}
			return err
		}
		for _, t := range f.Tasks {
			if err := ref(t.Incident); err != nil {
				return err
			}
		}
		for _, o := range f.Orders {
			if err := ref(o.Incident); err != nil {
				return err
			}
		}
		if f.Teams, err = v.ListTeams(ctx, resources.TeamFilter{Limit: maxState}); err != nil {
			return err
		}
		if f.Depots, err = v.ListDepots(ctx, resources.DepotFilter{Limit: maxState}); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT depot_id, item_code, on_hand, reserved FROM stock`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st resources.Stock
			if err := rows.Scan(&st.Depot, &st.Item, &st.OnHand, &st.Reserved); err != nil {
				return err
			}
			f.Stock = append(f.Stock, st)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read the state for a checkpoint: %w", err)
	}
	return f, nil
}

var _ recorder.Store = (*Store)(nil)
