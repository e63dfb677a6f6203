package warning

import (
	"context"
	"slices"
	"strings"

	"dispatchd"
	"dispatchd/resources"
	"dispatchd/warning/cap"
)

// MaxUnanswered bounds the unanswered a summary names per region.
const MaxUnanswered = 50

// CAP returns the warning as a CAP 1.2 alert: the alert it was issued as,
// or the one built from its JSON.
func CAP(w *Warning) *cap.Alert { return w.Alert }

func warningNotFound(id string) error {
	return dispatchd.Errorf(dispatchd.ENOTFOUND, "warning %s not found", id)
}

// Warning returns a warning the actor may see; not_found.
func (s *Service) Warning(ctx context.Context, actor dispatchd.Actor, id string) (*Warning, error) {
	w, err := s.store.GetWarning(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(actor, w) {
		return nil, warningNotFound(id)
	}
	return w, nil
}

// Warnings lists the warnings the actor may see, newest first, and the
// cursor (Before) of the next page.
func (s *Service) Warnings(ctx context.Context, actor dispatchd.Actor, f WarningFilter) ([]Warning, string, error) {
	var fe dispatchd.Fields
	if f.State != "" && !slices.Contains([]string{Active, Updated, Cancelled}, f.State) {
		fe.Add("state", "must be one of %s, %s, %s", Active, Updated, Cancelled)
	}
	if f.Level != "" && !slices.Contains(cap.Levels, f.Level) {
		fe.Add("level", "must be one of %s", strings.Join(cap.Levels, ", "))
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	f.Prefix, f.Above = actor.Scope().Prefix, nil
	if f.Prefix != "" {
		f.Above = above(actor.Jurisdiction)
	}
	f.Limit = resources.ClampLimit(f.Limit, DefaultLimit, MaxLimit)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListWarnings(ctx, f)
	if err != nil {
		return nil, "", err
	}
	out, next := resources.Page(rows, limit, func(w Warning) string { return w.ID })
	return out, next, nil
}

// recipientCursor is the cursor of a page of recipients: region_id.
func recipientCursor(r Recipient) string { return r.Region + "_" + r.ID }

// WarningRecipients lists a warning's recipients within the actor's
// jurisdiction, by region then id, and the cursor (After) of the next
// page. The warning must be visible to the actor (not_found).
func (s *Service) WarningRecipients(ctx context.Context, actor dispatchd.Actor, f RecipientFilter) ([]Recipient, string, error) {
	if _, err := s.Warning(ctx, actor, f.Warning); err != nil {
		return nil, "", err
	}
	var fe dispatchd.Fields
	if f.Region != "" && !dispatchd.ValidRegion(f.Region) {
		fe.Add("region", "must be a GB/T 2260 region code")
	}
	if f.State != "" && !slices.Contains([]string{Queued, SentState, Delivered, Answered, Failed, Escalated}, f.State) {
		fe.Add("state", "must be one of queued, sent, delivered, answered, failed, escalated")
	}
	if f.Kind != "" && f.Kind != KindWarning && f.Kind != KindNotice {
		fe.Add("kind", "must be %s or %s", KindWarning, KindNotice)
	}
	f.AfterRegion, f.AfterID = "", ""
	if f.After != "" {
		var ok bool
		f.AfterRegion, f.AfterID, ok = strings.Cut(f.After, "_")
		if !ok || !dispatchd.ValidRegion(f.AfterRegion) || f.AfterID == "" {
			fe.Add("after", "is not a cursor this list returned")
		}
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	f.Prefix = actor.Scope().Prefix
	f.Limit = resources.ClampLimit(f.Limit, DefaultLimit, MaxLimit)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListRecipients(ctx, f)
	if err != nil {
		return nil, "", err
	}
	out, next := resources.Page(rows, limit, recipientCursor)
	if out == nil {
		out = []Recipient{}
	}
	return out, next, nil
}

// Summary returns the call-and-answer state of a warning the actor may
// see: one row per region the warning names that lies within the actor's
// jurisdiction (the jurisdiction itself for a region that holds it), each
// counting its subtree's recipients of the warning (not the notices) by
// state, and the totals over those rows' recipients. Escalated counts the
// recipients escalated and not answered since; Notices the notices sent to
// superiors within the actor's jurisdiction.
func (s *Service) Summary(ctx context.Context, actor dispatchd.Actor, id string) (*Summary, error) {
	w, err := s.Warning(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	tally, err := s.store.TallyRecipients(ctx, id)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Warning: w.ID, Level: w.Level, State: w.State, Regions: []RegionSummary{},
		Deadline: w.CreatedAt.Add(secondsOf(w.AnswerWithinS))}
	var rows []string
	for _, r := range w.Regions {
		switch {
		case actor.Covers(r):
		case dispatchd.InRegion(r, actor.Jurisdiction):
			r = actor.Jurisdiction
		default:
			continue
		}
		if !slices.Contains(rows, r) {
			rows = append(rows, r)
		}
	}
	var totals []TallyRow
	for _, t := range tally {
		if !actor.Covers(t.Region) {
			continue
		}
		if t.Kind == KindNotice {
			sum.Notices += t.Count // a superior may sit above the regions
			continue
		}
		if !slices.ContainsFunc(rows, func(r string) bool { return dispatchd.InRegion(r, t.Region) }) {
			continue
		}
		totals = append(totals, t)
		if t.State == Escalated {
			sum.Escalated += t.Count
		}
	}
	sum.Totals = count("", totals)
	for _, r := range rows {
		rs := count(r, totals)
		rs.Name = s.name(r)
		un, err := s.store.ListRecipients(ctx, RecipientFilter{Warning: id, Region: r, Prefix: actor.Scope().Prefix,
			Kind: KindWarning, Unanswered: true, Limit: MaxUnanswered})
		if err != nil {
			return nil, err
		}
		if un == nil {
			un = []Recipient{}
		}
		rs.Unanswered = un
		sum.Regions = append(sum.Regions, rs)
	}
	sum.Totals.Unanswered = []Recipient{}
	return sum, nil
}

// count sums the tally rows of region's subtree ("" for all).
func count(region string, tally []TallyRow) RegionSummary {
	rs := RegionSummary{Region: region}
	var answerS float64
	for _, t := range tally {
		if region != "" && !dispatchd.InRegion(region, t.Region) {
			continue
		}
		rs.Recipients += t.Count
		switch t.State {
		case Queued:
			rs.Queued += t.Count
		case SentState:
			rs.Sent += t.Count
		case Delivered:
			rs.Delivered += t.Count
		case Answered:
			rs.Answered += t.Count
		case Failed:
			rs.Failed += t.Count
		case Escalated:
			rs.Escalated += t.Count
		}
		answerS += t.AnswerS
	}
	if rs.Recipients > 0 {
		rs.AnswerRate = float64(rs.Answered) / float64(rs.Recipients)
	}
	if rs.Answered > 0 {
		rs.MeanAnswerS = answerS / float64(rs.Answered)
	}
	return rs
}
