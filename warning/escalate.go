package warning

import (
	"context"
	"time"

	"dispatchd"
)

// Escalation works in batches of EscalateBatch recipients, each in one
// transaction, at most escalateRounds batches per call.
const (
	EscalateBatch  = 200
	escalateRounds = 50
	// RoundTimeout bounds one round of the escalator.
	RoundTimeout = 30 * time.Second
)

var escalator = dispatchd.Actor{Username: "escalator", Role: dispatchd.RoleAdmin}

// Escalate escalates the recipients of active, unexpired warnings whose
// deadline passed unanswered: each becomes escalated and is sent its
// message again once (Resent), and its superior (Superior, read from the
// person registry; none, or one deleted since, is told nobody) gets a
// notice recipient about it (kind notice, About the recipient), with its
// own deadline and message, to be answered and escalated in turn up the
// chain. Each escalation appends a warning.escalated event scoped to the
// recipient's region. It returns how many it escalated.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	total := 0
	for range escalateRounds {
		now := s.now()
		due, err := s.store.DueRecipients(ctx, now, EscalateBatch)
		if err != nil || len(due) == 0 {
			return total, err
		}
		n, err := s.escalate(ctx, due, now)
		total += n
		if err != nil {
			return total, err
		}
		if len(due) < EscalateBatch {
			break
		}
	}
	return total, nil
}

// escalate escalates one batch of due recipients in one transaction.
func (s *Service) escalate(ctx context.Context, due []Recipient, now time.Time) (int, error) {
	superiors := map[string]*Person{}
	abouts := map[string]*Recipient{}
	ids := make([]string, len(due))
	for i, r := range due {
		ids[i] = r.ID
		if _, ok := superiors[r.Superior]; r.Superior != "" && !ok {
			p, err := s.store.GetPerson(ctx, r.Superior)
			if err != nil && dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
				return 0, err
			}
			superiors[r.Superior] = p
		}
		if _, ok := abouts[r.About]; r.Kind == KindNotice && !ok {
			a, err := s.store.GetRecipient(ctx, r.About)
			if err != nil && dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
				return 0, err
			}
			abouts[r.About] = a
		}
	}
	done, err := s.store.UpdateRecipients(ctx, ids, func(r *Recipient, w *Warning) (*Change, error) {
		if r.AnsweredAt != nil || r.EscalatedAt != nil || r.Deadline.After(now) || w.State != Active {
			return nil, nil
		}
		r.State, r.EscalatedAt = Escalated, &now
		r.Resent++
		body := warningBody(w)
		if r.Kind == KindNotice {
			about := abouts[r.About]
			if about == nil {
				about = &Recipient{Name: "?", Region: r.Region}
			}
			body = noticeBody(w, about, s.name(about.Region))
		}
		ch := &Change{Recipient: r, Messages: s.messages([]Recipient{*r}, body, w, now)}
		data := map[string]any{"warning": w.ID, "recipient": r.ID, "person": r.Person, "kind": r.Kind, "superior": r.Superior}
		if sup := superiors[r.Superior]; sup != nil {
			n := Recipient{ID: dispatchd.NewID(), Warning: w.ID, Person: sup.ID, Name: sup.Name, Phone: NormalisePhone(sup.Phone),
				Region: sup.Region, Duty: sup.Duty, Superior: sup.Superior, Kind: KindNotice, About: r.ID, State: Queued,
				Deadline: now.Add(secondsOf(w.AnswerWithinS))}
			ch.Notices = []Recipient{n}
			ch.Messages = append(ch.Messages, s.messages(ch.Notices, noticeBody(w, r, s.name(r.Region)), w, now)...)
			data["notice"] = n.ID
		}
		ch.Events = []dispatchd.Event{*s.event("warning.escalated", escalator, w.ID, data).Scoped("", r.Region)}
		return ch, nil
	})
	return len(done), err
}

// RunEscalator escalates due recipients every interval until ctx ends,
// between two rounds. Errors (a store outage) are passed to report and
// retried at the next tick.
func (s *Service) RunEscalator(ctx context.Context, every time.Duration, report func(n int, err error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RoundTimeout)
		n, err := s.Escalate(rctx)
		cancel()
		if (n > 0 || err != nil) && ctx.Err() == nil && report != nil {
			report(n, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
