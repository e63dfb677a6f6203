package sqldb

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/warning"
	"dispatchd/warning/cap"
)

var _ warning.WarningStore = (*Store)(nil)

// Warnings are JSON documents (the warning and its CAP alert as XML, so
// that it reads back as it came in) with the columns lists filter on.

// warningDoc is a warning as its doc column keeps it.
type warningDoc struct {
	*warning.Warning
	CAP string `json:"cap"`
}

const warningCols = "id, sender, identifier, msg_type, state, level, replaces, regions, expires_at, created_at, doc"

func warningValues(w *warning.Warning) ([]any, error) {
	var buf bytes.Buffer
	if w.Alert != nil {
		if err := cap.Encode(&buf, w.Alert); err != nil {
			return nil, err
		}
	}
	var exp *time.Time
	if w.Expires != nil {
		t := w.Expires.UTC()
		exp = &t
	}
	return []any{w.ID, w.Sender, w.Identifier, w.MsgType, w.State, w.Level, w.Replaces, joinRegions(w.Regions),
		exp, w.CreatedAt.UTC(), jsonText(warningDoc{w, buf.String()})}, nil
}

func scanWarning(b []byte) (*warning.Warning, error) {
	w := &warning.Warning{}
	d := warningDoc{Warning: w}
	if err := scanJSON(b, &d); err != nil {
		return nil, err
	}
	if d.CAP != "" {
		a, err := cap.Decode(strings.NewReader(d.CAP))
		if err != nil {
			return nil, fmt.Errorf("decode the cap alert of warning %s: %w", w.ID, err)
		}
		w.Alert = a
	}
	return w, nil
}

var recipients = &table[warning.Recipient]{
	name: "warning_recipients", what: "warning recipient",
	cols: []string{"id", "warning_id", "person_id", "name", "phone", "region", "duty", "superior", "kind", "about", "state",
		"deadline", "sent_at", "delivered_at", "answered_at", "answered_via", "escalated_at", "resent", "error", "answer_s"},
	values: func(r *warning.Recipient) []any {
		return []any{r.ID, r.Warning, r.Person, r.Name, r.Phone, r.Region, string(r.Duty), r.Superior, r.Kind, r.About, r.State,
			r.Deadline.UTC(), utcPtr(r.SentAt), utcPtr(r.DeliveredAt), utcPtr(r.AnsweredAt), r.AnsweredVia, utcPtr(r.EscalatedAt),
			r.Resent, r.Error, r.AnswerS}
	},
	scan: func(sc scanner) (warning.Recipient, error) {
		var r warning.Recipient
		err := sc.Scan(&r.ID, &r.Warning, &r.Person, &r.Name, &r.Phone, &r.Region, &r.Duty, &r.Superior, &r.Kind, &r.About, &r.State,
			&r.Deadline, &r.SentAt, &r.DeliveredAt, &r.AnsweredAt, &r.AnsweredVia, &r.EscalatedAt, &r.Resent, &r.Error, &r.AnswerS)
		return r, err
	},
	key: func(r *warning.Recipient) string { return r.ID },
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// recipientCols are the recipients' columns qualified by the alias r.
func recipientCols() string {
	out := make([]string, len(recipients.cols))
	for i, c := range recipients.cols {
		out[i] = "r." + c
	}
	return strings.Join(out, ", ")
}

// IssueWarning implements warning.WarningStore.
func (s *Store) IssueWarning(ctx context.Context, is *warning.Issue) error {
	w := is.Warning
	vals, err := warningValues(w)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(q Querier) error {
		if r := is.Replaced; r != nil {
			var state string
			if err := q.QueryRow(ctx, `SELECT state FROM warnings WHERE id = $1`+s.d.ForUpdate, r.ID).Scan(&state); err != nil {
				return notFound(err, "warning %s not found", r.ID)
			}
			if state != warning.Active {
				return dispatchd.Errorf(dispatchd.ECONFLICT, "warning %s is %s, no longer active", r.ID, state)
			}
			if err := s.writeWarning(ctx, q, r); err != nil {
				return err
			}
		}
		if _, err := q.Exec(ctx, `INSERT INTO warnings (`+warningCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, vals...); err != nil {
			return conflict(err, "sender %s already issued a warning with identifier %s", w.Sender, w.Identifier)
		}
		if err := s.insertRecipients(ctx, q, is.Recipients); err != nil {
			return fmt.Errorf("write the recipients of warning %s: %w", w.ID, err)
		}
		if err := s.queueMessages(ctx, q, is.Messages); err != nil {
			return fmt.Errorf("queue the messages of warning %s: %w", w.ID, err)
		}
		return s.appendEvents(ctx, q, eventPtrs(is.Events)...)
	})
}

func eventPtrs(evs []dispatchd.Event) []*dispatchd.Event {
	out := make([]*dispatchd.Event, len(evs))
	for i := range evs {
		out[i] = &evs[i]
	}
	return out
}

// writeWarning writes a warning's state and document.
func (s *Store) writeWarning(ctx context.Context, q Querier, w *warning.Warning) error {
	vals, err := warningValues(w)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `UPDATE warnings SET state = $2, doc = $3 WHERE id = $1`, w.ID, w.State, vals[len(vals)-1])
	return err
}

// bulkCopy is the number of rows from which bulk writes use COPY when the
// transaction has it.
const bulkCopy = 500

func (s *Store) insertRecipients(ctx context.Context, q Querier, rs []warning.Recipient) error {
	if c, ok := q.(Copier); ok && len(rs) >= bulkCopy {
		rows := make([][]any, len(rs))
		for i := range rs {
			rows[i] = recipients.values(&rs[i])
		}
		_, err := c.CopyFrom(ctx, recipients.name, recipients.cols, rows)
		return err
	}
	prefix, _ := recipients.upsertSQL(false)
	return s.insertMany(ctx, q, prefix, len(recipients.cols), len(rs), "", func(i int) []any { return recipients.values(&rs[i]) })
}

// queueMessages writes outbox rows in q's transaction, by COPY when there
// are many and the transaction has it.
func (s *Store) queueMessages(ctx context.Context, q Querier, msgs []notify.Message) error {
	if c, ok := q.(Copier); ok && len(msgs) >= bulkCopy {
		rows := make([][]any, len(msgs))
		for i := range msgs {
			rows[i] = outboxValues(&msgs[i])
		}
		_, err := c.CopyFrom(ctx, "outbox", outboxCols, rows)
		return err
	}
	return s.insertMessages(ctx, q, msgs)
}

func (s *Store) warningWhere(ctx context.Context, q Querier, w *where, lock string) (*warning.Warning, error) {
	var b []byte
	if err := q.QueryRow(ctx, `SELECT doc FROM warnings`+w.String()+lock, w.args...).Scan(&b); err != nil {
		return nil, err
	}
	return scanWarning(b)
}

// GetWarning implements warning.WarningStore.
func (s *Store) GetWarning(ctx context.Context, id string) (*warning.Warning, error) {
	var w where
	w.add("id = ?", id)
	out, err := s.warningWhere(ctx, s.db, &w, "")
	return out, notFound(err, "warning %s not found", id)
}

// WarningByIdentifier implements warning.WarningStore.
func (s *Store) WarningByIdentifier(ctx context.Context, sender, identifier string) (*warning.Warning, error) {
	var w where
	w.add("sender = ?", sender)
	w.add("identifier = ?", identifier)
	out, err := s.warningWhere(ctx, s.db, &w, "")
	return out, notFound(err, "warning %s of %s not found", identifier, sender)
}

// ListWarnings implements warning.WarningStore.
func (s *Store) ListWarnings(ctx context.Context, f warning.WarningFilter) ([]warning.Warning, error) {
	var w where
	if f.Prefix != "" {
		ors := []string{fmt.Sprintf(`regions LIKE %s ESCAPE '\'`, w.param("% "+likeEscape(f.Prefix)+"%"))}
		for _, r := range f.Above {
			ors = append(ors, fmt.Sprintf(`regions LIKE %s ESCAPE '\'`, w.param("% "+likeEscape(r)+" %")))
		}
		w.conds = append(w.conds, "("+strings.Join(ors, " OR ")+")")
	}
	if f.State != "" {
		w.add("state = ?", f.State)
	}
	if f.Level != "" {
		w.add("level = ?", f.Level)
	}
	if f.Before != "" {
		w.add("id < ?", f.Before)
	}
	sql := `SELECT doc FROM warnings` + w.String() + ` ORDER BY id DESC LIMIT ` + w.param(f.Limit)
	rows, err := s.db.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list warnings: %w", err)
	}
	defer rows.Close()
	out := []warning.Warning{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		v, err := scanWarning(b)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// ListRecipients implements warning.WarningStore.
func (s *Store) ListRecipients(ctx context.Context, f warning.RecipientFilter) ([]warning.Recipient, error) {
	var w where
	w.add("warning_id = ?", f.Warning)
	if f.Prefix != "" {
		w.add(`region LIKE ? ESCAPE '\'`, likeEscape(f.Prefix)+"%")
	}
	if f.Region != "" {
		w.add(`region LIKE ? ESCAPE '\'`, likeEscape(dispatchd.RegionPrefix(f.Region))+"%")
	}
	if f.State != "" {
		w.add("state = ?", f.State)
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.Unanswered {
		w.conds = append(w.conds, "answered_at IS NULL")
	}
	if f.AfterRegion != "" || f.AfterID != "" {
		w.add("(region > ? OR (region = ? AND id > ?))", f.AfterRegion, f.AfterRegion, f.AfterID)
	}
	return recipients.list(ctx, s.db, &w, "region, id", f.Limit)
}

// GetRecipient implements warning.WarningStore.
func (s *Store) GetRecipient(ctx context.Context, id string) (*warning.Recipient, error) {
	return recipients.get(ctx, s, s.db, id, false)
}

// UpdateRecipient implements warning.WarningStore.
func (s *Store) UpdateRecipient(ctx context.Context, id string, decide func(*warning.Recipient, *warning.Warning) (*warning.Change, error)) (*warning.Recipient, error) {
	var out *warning.Recipient
	err := s.tx(ctx, func(q Querier) error {
		r, err := recipients.get(ctx, s, q, id, true)
		if err != nil {
			return err
		}
		got, err := s.updateRecipients(ctx, q, []*warning.Recipient{r}, decide)
		if err != nil {
			return err
		}
		out = r
		if len(got) == 1 {
			out = &got[0]
		}
		return nil
	})
	return out, err
}

// UpdateRecipients implements warning.WarningStore.
func (s *Store) UpdateRecipients(ctx context.Context, ids []string, decide func(*warning.Recipient, *warning.Warning) (*warning.Change, error)) ([]warning.Recipient, error) {
	var out []warning.Recipient
	err := s.tx(ctx, func(q Querier) error {
		// Locked in id order, as every batch locks them.
		rows, err := q.Query(ctx, `SELECT `+recipients.colList()+` FROM warning_recipients WHERE id IN `+
			s.d.JSONValues("$1")+` ORDER BY id`+s.d.ForUpdate, jsonText(sortedSet(ids)))
		if err != nil {
			return fmt.Errorf("lock recipients: %w", err)
		}
		var rs []*warning.Recipient
		for rows.Next() {
			r, err := recipients.scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			rs = append(rs, &r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		out, err = s.updateRecipients(ctx, q, rs, decide)
		return err
	})
	return out, err
}

// forShare locks a row against changes until the transaction ends while
// letting others read it under the same lock ("" where the whole database
// has one writer): answers of one warning do not wait for each other, and
// an update or cancel of the warning waits for them.
func (s *Store) forShare() string {
	if s.d.ForUpdate == "" {
		return ""
	}
	return " FOR SHARE"
}

// updateRecipients lets decide change each locked recipient, its warning
// locked too, and writes what it decided.
func (s *Store) updateRecipients(ctx context.Context, q Querier, rs []*warning.Recipient, decide func(*warning.Recipient, *warning.Warning) (*warning.Change, error)) ([]warning.Recipient, error) {
	warnings := map[string]*warning.Warning{}
	var out, notices []warning.Recipient
	var msgs []notify.Message
	var evs []dispatchd.Event
	for _, r := range rs {
		w, ok := warnings[r.Warning]
		if !ok {
			var wh where
			wh.add("id = ?", r.Warning)
			var err error
			if w, err = s.warningWhere(ctx, q, &wh, s.forShare()); err != nil {
				return nil, notFound(err, "warning %s not found", r.Warning)
			}
			warnings[r.Warning] = w
		}
		ch, err := decide(r, w)
		if err != nil {
			return nil, err
		}
		if ch == nil {
			continue
		}
		if ch.Recipient != nil {
			out = append(out, *ch.Recipient)
		}
		notices = append(notices, ch.Notices...)
		msgs = append(msgs, ch.Messages...)
		evs = append(evs, ch.Events...)
	}
	// The changed rows in one statement: an upsert of rows that exist.
	prefix, suffix := recipients.upsertSQL(true)
	if err := s.insertMany(ctx, q, prefix, len(recipients.cols), len(out), suffix, func(i int) []any { return recipients.values(&out[i]) }); err != nil {
		return nil, fmt.Errorf("write recipients: %w", err)
	}
	if err := s.insertRecipients(ctx, q, notices); err != nil {
		return nil, conflict(err, "a notice conflicts with another recipient")
	}
	if err := s.queueMessages(ctx, q, msgs); err != nil {
		return nil, err
	}
	return out, s.appendEvents(ctx, q, eventPtrs(evs)...)
}

// markColumn is the time column a state's step sets.
var markColumn = map[string]string{warning.SentState: "sent_at", warning.Delivered: "delivered_at"}

// MarkRecipients implements warning.WarningStore.
func (s *Store) MarkRecipients(ctx context.Context, ids []string, from []string, to string, at time.Time, event func([]warning.Recipient) *dispatchd.Event) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	set := "state = $1"
	args := []any{to}
	if c, ok := markColumn[to]; ok {
		set += ", " + c + " = $2"
		args = append(args, at.UTC())
	}
	args = append(args, jsonText(sortedSet(ids)), jsonText(from))
	n := len(args)
	sql := fmt.Sprintf(`UPDATE warning_recipients SET %s WHERE id IN %s AND state IN %s RETURNING %s`,
		set, s.d.JSONValues(fmt.Sprintf("$%d", n-1)), s.d.JSONValues(fmt.Sprintf("$%d", n)), recipients.colList())
	var moved []warning.Recipient
	err := s.tx(ctx, func(q Querier) error {
		moved = moved[:0]
		rows, err := q.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("mark recipients %s: %w", to, err)
		}
		for rows.Next() {
			r, err := recipients.scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			moved = append(moved, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(moved) == 0 || event == nil {
			return nil
		}
		slices.SortFunc(moved, func(a, b warning.Recipient) int { return strings.Compare(a.ID, b.ID) })
		if ev := event(moved); ev != nil {
			return s.appendEvents(ctx, q, ev)
		}
		return nil
	})
	return len(moved), err
}

// openRecipients lists recipients of active warnings joined as r with w.
func (s *Store) openRecipients(ctx context.Context, w *where, order string, limit int) ([]warning.Recipient, error) {
	sql := `SELECT ` + recipientCols() + ` FROM warning_recipients r JOIN warnings w ON w.id = r.warning_id` +
		w.String() + ` ORDER BY ` + order + ` LIMIT ` + w.param(limit)
	rows, err := s.db.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list open recipients: %w", err)
	}
	defer rows.Close()
	var out []warning.Recipient
	for rows.Next() {
		r, err := recipients.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DueRecipients implements warning.WarningStore: the partial index on
// deadline holds only the unanswered and unescalated.
func (s *Store) DueRecipients(ctx context.Context, now time.Time, limit int) ([]warning.Recipient, error) {
	var w where
	w.conds = append(w.conds, "r.escalated_at IS NULL", "r.answered_at IS NULL")
	now = now.UTC()
	w.add("r.deadline <= ?", now)
	w.add("w.state = ?", warning.Active)
	w.add("(w.expires_at IS NULL OR w.expires_at > ?)", now)
	return s.openRecipients(ctx, &w, "r.deadline, r.id", limit)
}

// OpenByPhone implements warning.WarningStore.
func (s *Store) OpenByPhone(ctx context.Context, phone string) ([]warning.Recipient, error) {
	var w where
	w.add("r.phone = ?", phone)
	w.conds = append(w.conds, "r.answered_at IS NULL")
	w.add("w.state = ?", warning.Active)
	return s.openRecipients(ctx, &w, "r.id DESC", 100)
}

// TallyRecipients implements warning.WarningStore.
func (s *Store) TallyRecipients(ctx context.Context, id string) ([]warning.TallyRow, error) {
	rows, err := s.db.Query(ctx, `SELECT region, kind, state, COUNT(*), COALESCE(SUM(answer_s), 0), COUNT(answered_at)
		FROM warning_recipients WHERE warning_id = $1 GROUP BY region, kind, state ORDER BY region, kind, state`, id)
	if err != nil {
		return nil, fmt.Errorf("tally warning %s: %w", id, err)
	}
	defer rows.Close()
	var out []warning.TallyRow
	for rows.Next() {
		var t warning.TallyRow
		if err := rows.Scan(&t.Region, &t.Kind, &t.State, &t.Count, &t.AnswerS, &t.Answered); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
