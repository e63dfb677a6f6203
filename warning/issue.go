package warning

import (
	"context"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/warning/cap"
)

// The contract of the warning service that web and cmd build on. The
// bodies are filled in by the warnings work (branch s9-warn); until then
// each answers unavailable.

var errNotYet = dispatchd.Errorf(dispatchd.EUNAVAILABLE, "warnings are not available yet")

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
func (s *Service) Issue(ctx context.Context, actor dispatchd.Actor, w Warning) (*Warning, error) {
	return nil, errNotYet
}

// IssueCAP issues a warning given as a CAP 1.2 alert, as Issue does.
func (s *Service) IssueCAP(ctx context.Context, actor dispatchd.Actor, a *cap.Alert) (*Warning, error) {
	return nil, errNotYet
}

// CAP returns the warning as a CAP 1.2 alert.
func CAP(w *Warning) *cap.Alert { return w.Alert }

// Warning returns a warning the actor may see; not_found.
func (s *Service) Warning(ctx context.Context, actor dispatchd.Actor, id string) (*Warning, error) {
	return nil, errNotYet
}

// Warnings lists the warnings the actor may see, newest first.
func (s *Service) Warnings(ctx context.Context, actor dispatchd.Actor, f WarningFilter) ([]Warning, string, error) {
	return nil, "", errNotYet
}

// WarningRecipients lists a warning's recipients within the actor's
// jurisdiction, by region then id.
func (s *Service) WarningRecipients(ctx context.Context, actor dispatchd.Actor, f RecipientFilter) ([]Recipient, string, error) {
	return nil, "", errNotYet
}

// Summary returns the call-and-answer state of a warning.
func (s *Service) Summary(ctx context.Context, actor dispatchd.Actor, id string) (*Summary, error) {
	return nil, errNotYet
}

// AnswerByConsole records an answer a commander took by phone.
func (s *Service) AnswerByConsole(ctx context.Context, actor dispatchd.Actor, recipient string) (*Recipient, error) {
	return nil, errNotYet
}

// ShowCode returns what a one-tap code answers, without answering;
// not_found for an unknown or expired code, or one of a task.
func (s *Service) ShowCode(ctx context.Context, code string) (*Answer, error) {
	return nil, errNotYet
}

// AnswerCode answers the recipient a one-tap code names (via page). A
// second answer changes nothing and returns the first.
func (s *Service) AnswerCode(ctx context.Context, code string) (*Answer, error) {
	return nil, errNotYet
}

// AnswerSMS answers, for a reply from phone whose text means "received"
// ("1", "收到"), the newest unanswered recipient with that phone; it
// reports whether it answered one.
func (s *Service) AnswerSMS(ctx context.Context, phone, text string) (bool, error) {
	return false, errNotYet
}

// Progress takes what the sender reports: messages the gateway took
// (sent), and receipts (delivered, failed).
func (s *Service) Progress(ctx context.Context, msgs []notify.Message, state string) error {
	return errNotYet
}

// Escalate escalates the recipients whose deadline passed unanswered:
// each is sent the warning again and its superior a notice to answer.
// It returns how many it escalated.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	return 0, errNotYet
}
