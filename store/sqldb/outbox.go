package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/notify"
)

var _ notify.Store = (*Store)(nil)

// Enqueue implements notify.Store.
func (s *Store) Enqueue(ctx context.Context, msgs []notify.Message, ev *dispatchd.Event) error {
	return s.tx(ctx, func(q Querier) error {
		if err := s.insertMessages(ctx, q, msgs); err != nil {
			return conflict(err, "a message is already in the outbox")
		}
		if ev == nil {
			return nil
		}
		return s.appendEvents(ctx, q, ev)
	})
}

// Due implements notify.Store, through the partial index on pending rows.
func (s *Store) Due(ctx context.Context, channel string, now time.Time, limit int) ([]notify.Message, error) {
	rows, err := s.db.Query(ctx, `SELECT `+strings.Join(outboxCols, ", ")+` FROM outbox
		WHERE state = 'pending' AND channel = $1 AND next_at <= $2 ORDER BY next_at, id LIMIT $3`, channel, now, limit)
	if err != nil {
		return nil, fmt.Errorf("list due messages: %w", err)
	}
	defer rows.Close()
	var out []notify.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("scan message: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Claim implements notify.Store. The guard on next_at is what keeps two
// senders from claiming one message: the first pushes it past now.
func (s *Store) Claim(ctx context.Context, ids []string, now, retryAt time.Time, codes []notify.Code) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var claimed []string
	err := s.tx(ctx, func(q Querier) error {
		claimed = claimed[:0]
		rows, err := q.Query(ctx, `UPDATE outbox SET attempts = attempts + 1, next_at = $1
			WHERE state = 'pending' AND next_at <= $2 AND id IN `+s.d.JSONValues("$3")+` RETURNING id`,
			retryAt, now, jsonText(ids))
		if err != nil {
			return fmt.Errorf("claim messages: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			claimed = append(claimed, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(claimed) == 0 {
			return nil
		}
		return s.insertMany(ctx, q, "INSERT INTO answer_codes (hash, kind, subject, expires_at, created_at) VALUES", 5, len(codes), "",
			func(i int) []any {
				c := &codes[i]
				return []any{c.Hash, c.Kind, c.Subject, c.Expires, c.Created}
			})
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// Acked implements notify.Store: one update a message, in one
// transaction; a message no longer pending is left as it is.
func (s *Store) Acked(ctx context.Context, results []notify.Result) error {
	if len(results) == 0 {
		return nil
	}
	return s.tx(ctx, func(q Querier) error {
		for _, r := range results {
			var err error
			switch r.State {
			case notify.Sent:
				_, err = q.Exec(ctx, `UPDATE outbox SET state = 'sent', gateway_id = $2, last_error = '', sent_at = $3, final_at = $3
					WHERE id = $1 AND state = 'pending'`, r.ID, r.GatewayID, r.At)
			case notify.Failed:
				_, err = q.Exec(ctx, `UPDATE outbox SET state = 'failed', last_error = $2, final_at = $3
					WHERE id = $1 AND state = 'pending'`, r.ID, r.Error, r.At)
			case notify.Pending:
				_, err = q.Exec(ctx, `UPDATE outbox SET next_at = $2, last_error = $3 WHERE id = $1 AND state = 'pending'`,
					r.ID, r.NextAt, r.Error)
			default:
				return dispatchd.Errorf(dispatchd.EINVALID, "message %s: no such state %q", r.ID, r.State)
			}
			if err != nil {
				return fmt.Errorf("record the send of message %s: %w", r.ID, err)
			}
		}
		return nil
	})
}

// ByGatewayID implements notify.Store. A gateway may number its messages
// anew after a restart: the latest sent wins.
func (s *Store) ByGatewayID(ctx context.Context, channel, gatewayID string) (*notify.Message, error) {
	m, err := scanMessage(s.db.QueryRow(ctx, `SELECT `+strings.Join(outboxCols, ", ")+` FROM outbox
		WHERE gateway_id = $1 AND channel = $2 ORDER BY sent_at DESC LIMIT 1`, gatewayID, channel))
	if err != nil {
		return nil, notFound(err, "no %s message has the gateway id %s", channel, gatewayID)
	}
	return &m, nil
}

// Code implements notify.Store.
func (s *Store) Code(ctx context.Context, hash []byte) (*notify.Code, error) {
	var c notify.Code
	err := s.db.QueryRow(ctx, `SELECT hash, kind, subject, expires_at, created_at FROM answer_codes WHERE hash = $1`, hash).
		Scan(&c.Hash, &c.Kind, &c.Subject, &c.Expires, &c.Created)
	if err != nil {
		return nil, notFound(err, "no such answer code")
	}
	return &c, nil
}

// Lease implements notify.Store: one upsert, which both databases apply
// atomically (PostgreSQL locks the conflicting row and checks the guard
// again; SQLite has one writer), so that of two nodes racing for a free or
// expired lease exactly one gets it.
func (s *Store) Lease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	n, err := s.db.Exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= $4`, name, holder, until, now)
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	return n == 1, nil
}

// Release implements notify.Store.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
