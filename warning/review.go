package warning

import (
	"context"
	"io"
	"strconv"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

// Review returns the after-action record of a warning the actor may see:
// its summary and every recipient within the actor's jurisdiction, by
// region then id.
func (s *Service) Review(ctx context.Context, actor dispatchd.Actor, id string) (*Summary, []Recipient, error) {
	sum, err := s.Summary(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	var all []Recipient
	f := RecipientFilter{Warning: id, Limit: MaxLimit}
	for {
		page, next, err := s.WarningRecipients(ctx, actor, f)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, page...)
		if next == "" {
			return sum, all, nil
		}
		f.After = next
	}
}

// reviewHeader names the columns of WriteReviewCSV.
var reviewHeader = []string{"section", "region", "region_name", "name", "duty", "kind", "state",
	"recipients", "answered", "answer_rate", "mean_answer_s", "escalated", "failed",
	"deadline", "sent_at", "delivered_at", "answered_at", "answer_s", "answered_via", "escalated_at", "resent"}

// WriteReviewCSV writes a warning's after-action record as one table for
// a spreadsheet: a row for the whole warning and one per region it named
// (recipients, answered, answer rate, mean seconds to answer, escalated,
// failed), then one per recipient with the time of each step.
func WriteReviewCSV(w io.Writer, sum *Summary, rs []Recipient) error {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	num := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	itoa := strconv.Itoa
	region := func(section string, r RegionSummary) []string {
		return []string{section, r.Region, r.Name, "", "", "", "", itoa(r.Recipients), itoa(r.Answered),
			num(r.AnswerRate, 3), num(r.MeanAnswerS, 0), itoa(r.Escalated), itoa(r.Failed),
			ts(&sum.Deadline), "", "", "", "", "", "", ""}
	}
	rows := [][]string{reviewHeader, region("warning", sum.Totals)}
	rows[1][6] = sum.State
	for _, r := range sum.Regions {
		rows = append(rows, region("region", r))
	}
	for _, r := range rs {
		answerS := ""
		if r.AnsweredAt != nil {
			answerS = num(r.AnswerS, 0)
		}
		rows = append(rows, []string{"recipient", r.Region, "", r.Name, string(r.Duty), r.Kind, r.State,
			"", "", "", "", "", "", ts(&r.Deadline), ts(r.SentAt), ts(r.DeliveredAt), ts(r.AnsweredAt), answerS,
			r.AnsweredVia, ts(r.EscalatedAt), itoa(r.Resent)})
	}
	return resources.WriteCSV(w, rows)
}
