package sqldb

import (
	"context"
	"strings"
	"time"

	"dispatchd/notify"
)

// outboxCols are the outbox's columns, in the order outboxValues and
// scanMessage use.
var outboxCols = []string{"id", "channel", "recipient", "body", "subject", "kind", "state", "attempts", "next_at", "gateway_id", "last_error", "link_expires", "created_at", "sent_at", "final_at"}

func outboxValues(m *notify.Message) []any {
	return []any{m.ID, m.Channel, m.Recipient, m.Body, m.Subject, m.Kind, m.State, m.Attempts, m.NextAt, m.GatewayID, m.LastError, nullTime(m.LinkExpires), m.CreatedAt, m.SentAt, m.FinalAt}
}

func scanMessage(sc scanner) (notify.Message, error) {
	var m notify.Message
	var link *time.Time
	err := sc.Scan(&m.ID, &m.Channel, &m.Recipient, &m.Body, &m.Subject, &m.Kind, &m.State, &m.Attempts, &m.NextAt, &m.GatewayID, &m.LastError, &link, &m.CreatedAt, &m.SentAt, &m.FinalAt)
	if link != nil {
		m.LinkExpires = *link
	}
	return m, err
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// insertMessages writes outbox rows within q's transaction: the warning
// store and the dispatch store queue messages in the transaction of what
// caused them.
func (s *Store) insertMessages(ctx context.Context, q Querier, msgs []notify.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	prefix := "INSERT INTO outbox (" + strings.Join(outboxCols, ", ") + ") VALUES "
	return s.insertMany(ctx, q, prefix, len(outboxCols), len(msgs), "", func(i int) []any { return outboxValues(&msgs[i]) })
}
