package warning

import (
	"context"
	"slices"
	"time"

	"dispatchd"
	"dispatchd/notify"
)

// How a recipient answered.
const (
	ViaPage    = "page"
	ViaSMS     = "sms"
	ViaConsole = "console"
)

func secondsOf(s int) time.Duration { return time.Duration(s) * time.Second }

func recipientNotFound(id string) error {
	return dispatchd.Errorf(dispatchd.ENOTFOUND, "warning recipient %s not found", id)
}

// answer records that a recipient answered, via how, unless it already
// had: a second answer changes nothing and returns the first. Answering
// after the deadline (escalated) is recorded as any other answer; a
// Cancel's recipients need no answer (conflict).
func (s *Service) answer(ctx context.Context, actor dispatchd.Actor, id, via string, check func(*Recipient) error) (*Recipient, *Warning, error) {
	var warn *Warning
	r, err := s.store.UpdateRecipient(ctx, id, func(r *Recipient, w *Warning) (*Change, error) {
		warn = w
		if check != nil {
			if err := check(r); err != nil {
				return nil, err
			}
		}
		if r.AnsweredAt != nil {
			return nil, nil
		}
		if w.MsgType == "Cancel" {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "a cancel needs no answer")
		}
		now := s.now()
		called := r.Deadline.Add(-secondsOf(w.AnswerWithinS))
		r.State, r.AnsweredAt, r.AnsweredVia = Answered, &now, via
		r.AnswerS = max(0, now.Sub(called).Seconds())
		ev := s.event("warning.answered", actor, w.ID, map[string]any{"warning": w.ID, "recipient": r.ID,
			"person": r.Person, "kind": r.Kind, "about": r.About, "via": via, "answer_s": r.AnswerS}).Scoped("", r.Region)
		return &Change{Recipient: r, Events: []dispatchd.Event{*ev}}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return r, warn, nil
}

// AnswerByConsole records an answer a commander took by phone, for a
// recipient within the actor's jurisdiction and, when warning is not
// empty, of that warning (not_found otherwise, and nothing recorded).
func (s *Service) AnswerByConsole(ctx context.Context, actor dispatchd.Actor, warning, recipient string) (*Recipient, error) {
	r, _, err := s.answer(ctx, actor, recipient, ViaConsole, func(r *Recipient) error {
		if !actor.Covers(r.Region) || warning != "" && r.Warning != warning {
			return recipientNotFound(recipient)
		}
		return nil
	})
	return r, err
}

// code looks up the recipient a one-tap code names.
func (s *Service) code(ctx context.Context, code string) (string, error) {
	if s.codes == nil {
		return "", dispatchd.Errorf(dispatchd.EUNAVAILABLE, "answer links are not configured")
	}
	return notify.Subject(ctx, s.codes, code, s.now(), KindWarning, KindNotice)
}

// ShowCode returns what a one-tap code answers, without answering;
// not_found for an unknown or expired code, or one of a task.
func (s *Service) ShowCode(ctx context.Context, code string) (*Answer, error) {
	id, err := s.code(ctx, code)
	if err != nil {
		return nil, err
	}
	r, err := s.store.GetRecipient(ctx, id)
	if err != nil {
		return nil, err
	}
	w, err := s.store.GetWarning(ctx, r.Warning)
	if err != nil {
		return nil, err
	}
	return &Answer{Recipient: *r, Warning: *w}, nil
}

// AnswerCode answers the recipient a one-tap code names (via page). A
// second answer changes nothing and returns the first.
func (s *Service) AnswerCode(ctx context.Context, code string) (*Answer, error) {
	id, err := s.code(ctx, code)
	if err != nil {
		return nil, err
	}
	r, w, err := s.answer(ctx, linkActor, id, ViaPage, nil)
	if err != nil {
		return nil, err
	}
	return &Answer{Recipient: *r, Warning: *w}, nil
}

// linkActor and smsActor name who answered in events: the holder of a
// link, the sender of a reply.
var (
	linkActor = dispatchd.Actor{Username: "answer-link"}
	smsActor  = dispatchd.Actor{Username: "sms-reply"}
)

// AnswerSMS answers, for a reply from phone whose text means "received"
// ("1", "收到", "已收到", "确认"; other texts are ignored), the newest
// unanswered recipient of an active warning with that phone (normalised
// by NormalisePhone); it reports whether it answered one.
func (s *Service) AnswerSMS(ctx context.Context, phone, text string) (bool, error) {
	if !meansReceived(text) {
		return false, nil
	}
	phone = NormalisePhone(phone)
	if phone == "" {
		return false, nil
	}
	open, err := s.store.OpenByPhone(ctx, phone)
	if err != nil {
		return false, err
	}
	for _, r := range open {
		got, _, err := s.answer(ctx, smsActor, r.ID, ViaSMS, nil)
		if dispatchd.ErrorCode(err) == dispatchd.ECONFLICT {
			continue // a cancel's notice
		}
		if err != nil {
			return false, err
		}
		if got.AnsweredVia == ViaSMS && got.AnsweredAt != nil && r.AnsweredAt == nil {
			return true, nil
		}
	}
	return false, nil
}

// progressSteps maps what the sender reports to the recipients' step:
// the states a recipient may leave and the one it reaches. An answered or
// escalated recipient never moves back.
var progressSteps = map[string]struct {
	from []string
	to   string
}{
	notify.Sent:   {[]string{Queued}, SentState},
	Delivered:     {[]string{Queued, SentState}, Delivered},
	notify.Failed: {[]string{Queued, SentState}, Failed},
}

// Progress takes what the sender reports of messages of warnings and
// notices (those of tasks are ignored): state sent when the gateway took
// them (queued → sent), delivered or failed on a receipt. One event per
// call lists the recipients it moved.
func (s *Service) Progress(ctx context.Context, msgs []notify.Message, state string) error {
	step, ok := progressSteps[state]
	if !ok {
		return dispatchd.Errorf(dispatchd.EINVALID, "unknown progress %q", state)
	}
	var ids []string
	for _, m := range msgs {
		if m.Kind == KindWarning || m.Kind == KindNotice {
			ids = append(ids, m.Subject)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	now := s.now()
	_, err := s.store.MarkRecipients(ctx, ids, step.from, step.to, now, func(moved []Recipient) *dispatchd.Event {
		var rids, warnings, regions []string
		for _, r := range moved {
			rids = append(rids, r.ID)
			if !slices.Contains(warnings, r.Warning) {
				warnings = append(warnings, r.Warning)
			}
			regions = append(regions, r.Region)
		}
		subject := ""
		if len(warnings) == 1 {
			subject = warnings[0]
		}
		ev := s.event("warning."+step.to, dispatchd.System, subject, map[string]any{"state": step.to,
			"recipients": rids, "warnings": warnings})
		return ev.Scoped("", regions...)
	})
	return err
}
