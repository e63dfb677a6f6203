package warning

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/resources"
	"dispatchd/warning/cap"
)

// Summary is the call-and-answer state of a warning: the totals and one
// row per region the warning names.
type Summary struct {
	Warning   string          `json:"warning"`
	Level     string          `json:"level"`
	State     string          `json:"state"`
	Deadline  time.Time       `json:"deadline"`
	Totals    RegionSummary   `json:"totals"`
	Regions   []RegionSummary `json:"regions"`
	Escalated int             `json:"escalated"`
	Notices   int             `json:"notices"`
}

// RegionSummary counts the recipients of one region's subtree by state,
// with the answer rate, the mean seconds to answer and the first of those
// who have not answered.
type RegionSummary struct {
	Region      string      `json:"region"`
	Name        string      `json:"name"`
	Recipients  int         `json:"recipients"`
	Queued      int         `json:"queued"`
	Sent        int         `json:"sent"`
	Delivered   int         `json:"delivered"`
	Answered    int         `json:"answered"`
	Failed      int         `json:"failed"`
	Escalated   int         `json:"escalated"`
	AnswerRate  float64     `json:"answer_rate"`
	MeanAnswerS float64     `json:"mean_answer_s"`
	Unanswered  []Recipient `json:"unanswered"`
}

// Answer is what a one-tap link shows and what answering it returns.
type Answer struct {
	Recipient Recipient `json:"recipient"`
	Warning   Warning   `json:"warning"`
}

// Issue issues a warning given as JSON within the actor's jurisdiction:
// an Alert, or an Update or Cancel naming by References the warning it
// replaces. It resolves the recipients and writes the warning, the
// recipients, their outbox messages and the event in one transaction.
// Errors: invalid (fields), conflict (identifier already issued, or the
// referenced warning no longer active), not_found (a reference).
//
// The areas may be given in short as "regions" beside the other fields,
// for one area of those regions. An identifier left out is generated, a
// sender left out is the actor's name, a sent time left out is now; times
// are kept to the second, as CAP writes them. The warning's CAP alert is
// built from the JSON (toAlert) and checked by cap.Validate, so that it
// reads back as CAP too.
func (s *Service) Issue(ctx context.Context, actor dispatchd.Actor, w Warning) (*Warning, error) {
	if w.Identifier = strings.TrimSpace(w.Identifier); w.Identifier == "" {
		w.Identifier = dispatchd.NewID()
	}
	if w.Sender = strings.TrimSpace(w.Sender); w.Sender == "" {
		w.Sender = actor.Name()
	}
	if w.Sent.IsZero() {
		w.Sent = s.now()
	}
	w.Sent = w.Sent.Truncate(time.Second)
	for _, t := range []**time.Time{&w.Effective, &w.Expires} {
		if *t != nil {
			v := (*t).Truncate(time.Second)
			*t = &v
		}
	}
	if len(w.Areas) == 0 && len(w.Regions) > 0 {
		// The short form: "regions" beside the fields, one area.
		w.Areas = []Area{{Regions: w.Regions}}
	}
	for i := range w.Areas {
		ar := &w.Areas[i]
		if ar.Desc = strings.TrimSpace(ar.Desc); ar.Desc == "" {
			names := make([]string, len(ar.Regions))
			for j, r := range ar.Regions {
				names[j] = s.name(r)
			}
			ar.Desc = cmp.Or(strings.Join(names, "、"), "多边形区域")
		}
	}
	a, err := toAlert(&w)
	if err != nil {
		return nil, err
	}
	if a, err = cap.Validate(a); err != nil {
		return nil, err
	}
	nw, err := fromAlert(a)
	if err != nil {
		return nil, err
	}
	nw.Duties, nw.AnswerWithinS = w.Duties, w.AnswerWithinS
	if nw.Duties == nil {
		nw.Duties = []Duty{}
	}
	return s.issue(ctx, actor, nw, jsonAreaPath)
}

// IssueCAP issues a warning given as a CAP 1.2 alert, as Issue does. The
// warning is read from the alert's first info block in Chinese (else its
// first): the level by cap.Info.Level, the type from the eventCode
// TypeCodeName, the areas from their GB/T 2260 geocodes and polygons
// (circles select no region). It reaches every duty, and its answer
// deadline is its level's.
func (s *Service) IssueCAP(ctx context.Context, actor dispatchd.Actor, a *cap.Alert) (*Warning, error) {
	w, err := fromAlert(a)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, actor, w, capAreaPath(a))
}

// issue resolves what a checked warning reaches and writes it.
func (s *Service) issue(ctx context.Context, actor dispatchd.Actor, w *Warning, areaPath func(int) string) (*Warning, error) {
	now := s.now()
	_, err := s.store.WarningByIdentifier(ctx, w.Sender, w.Identifier)
	if err == nil {
		return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "sender %s already issued a warning with identifier %s", w.Sender, w.Identifier)
	}
	if dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		return nil, err
	}
	if w.Expires != nil && !w.Expires.After(now) && w.MsgType != "Cancel" {
		field := "expires"
		if p := areaPath(0); strings.HasPrefix(p, "info") {
			field = p[:strings.Index(p, ".")+1] + field
		}
		return nil, fieldError(field, "has passed: the warning would reach nobody in time")
	}
	var replaced *Warning
	if w.MsgType != "Alert" {
		if replaced, err = s.referenced(ctx, actor, w); err != nil {
			return nil, err
		}
		w.Replaces = replaced.ID
	}
	w.ID, w.CreatedAt, w.UpdatedAt, w.IssuedBy, w.State = dispatchd.NewID(), now, now, actor.Name(), Active
	is := &Issue{Warning: w}
	var body string
	if w.MsgType == "Cancel" {
		// A cancel reaches whom the cancelled warning reached, with a
		// notice that needs no answer; it is itself no longer active.
		w.State, w.Regions, w.AnswerWithinS = Cancelled, replaced.Regions, 0
		w.Level, w.Type = cmp.Or(w.Level, replaced.Level), cmp.Or(w.Type, replaced.Type)
		w.Event, w.Headline = cmp.Or(w.Event, replaced.Event), cmp.Or(w.Headline, replaced.Headline)
		if len(w.Areas) == 0 {
			w.Areas = replaced.Areas
		}
		if is.Recipients, err = s.cancelRecipients(ctx, w, replaced, now); err != nil {
			return nil, err
		}
		body = cancelBody(replaced)
	} else {
		if w.Regions, err = s.resolveRegions(ctx, actor, w, areaPath); err != nil {
			return nil, err
		}
		if w.AnswerWithinS == 0 {
			w.AnswerWithinS = int(s.deadlineOf(w.Level).Seconds())
		}
		if is.Recipients, err = s.resolveRecipients(ctx, w, now); err != nil {
			return nil, err
		}
		if len(is.Recipients) == 0 {
			field := strings.TrimSuffix(areaPath(0), "[0]")
			return nil, fieldError(field, "no responsible person in these regions: the warning would reach nobody")
		}
		body = warningBody(w)
	}
	is.Messages = s.messages(is.Recipients, body, w, now)
	ev := s.event("warning.issued", actor, w.ID, issued{ID: w.ID, Identifier: w.Identifier, Sender: w.Sender,
		MsgType: w.MsgType, Level: w.Level, Type: w.Type, Headline: w.Headline, Regions: w.Regions,
		Recipients: len(is.Recipients), Replaces: w.Replaces, State: w.State}).Scoped("", w.Regions...)
	is.Events = append(is.Events, *ev)
	if replaced != nil {
		r := *replaced
		r.State, r.UpdatedAt = Updated, now
		if w.MsgType == "Cancel" {
			r.State = Cancelled
		}
		is.Replaced = &r
		ev := s.event("warning."+r.State, actor, r.ID, map[string]string{"id": r.ID, "state": r.State, "by": w.ID}).Scoped("", r.Regions...)
		is.Events = append(is.Events, *ev)
	}
	if err := s.store.IssueWarning(ctx, is); err != nil {
		return nil, err
	}
	return w, nil
}

// issued is the data of a warning.issued event: what the screen shows,
// not the recipients.
type issued struct {
	ID         string   `json:"id"`
	Identifier string   `json:"identifier"`
	Sender     string   `json:"sender"`
	MsgType    string   `json:"msg_type"`
	State      string   `json:"state"`
	Level      string   `json:"level"`
	Type       string   `json:"type"`
	Headline   string   `json:"headline"`
	Regions    []string `json:"regions"`
	Recipients int      `json:"recipients"`
	Replaces   string   `json:"replaces"`
}

// referenced returns the warning an Update or Cancel replaces: of those
// its references name (each must exist and be visible to the actor, else
// not_found), the newest active one, which must lie within the actor's
// jurisdiction. CAP's references list the earlier messages of a chain, so
// the older ones may be no longer active.
func (s *Service) referenced(ctx context.Context, actor dispatchd.Actor, w *Warning) (*Warning, error) {
	var newest *Warning
	var state string
	field := ""
	for i, ref := range w.Alert.References {
		f := resources.Indexed("references", i)
		got, err := s.store.WarningByIdentifier(ctx, ref.Sender, ref.Identifier)
		if err == nil && (!got.Sent.Equal(ref.Sent) || !visible(actor, got)) {
			err = dispatchd.Errorf(dispatchd.ENOTFOUND, "not found")
		}
		if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
			msg := fmt.Sprintf("no warning %s of %s sent at %s", ref.Identifier, ref.Sender, cap.FormatTime(ref.Sent))
			return nil, &dispatchd.Error{Code: dispatchd.ENOTFOUND, Message: msg,
				Fields: []dispatchd.FieldError{{Field: f, Message: msg}}}
		}
		if err != nil {
			return nil, err
		}
		state = got.State
		if got.State == Active && (newest == nil || got.Sent.After(newest.Sent)) {
			newest, field = got, f
		}
	}
	if newest == nil {
		return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "the warning this %s replaces is %s, no longer active", strings.ToLower(w.MsgType), state)
	}
	for _, r := range newest.Regions {
		if !actor.Covers(r) {
			return nil, fieldError(field, "names a warning for %s, outside your jurisdiction", r)
		}
	}
	return newest, nil
}

// messages returns one message per recipient and channel.
func (s *Service) messages(rs []Recipient, body string, w *Warning, now time.Time) []notify.Message {
	if len(s.channels) == 0 {
		return nil
	}
	var exp time.Time
	if strings.Contains(body, notify.Link) {
		exp = linkExpires(w)
	}
	out := make([]notify.Message, 0, len(rs)*len(s.channels))
	for i := range rs {
		for _, ch := range s.channels {
			out = append(out, notify.NewMessage(ch, rs[i].Phone, body, rs[i].Kind, rs[i].ID, exp, now))
		}
	}
	return out
}
