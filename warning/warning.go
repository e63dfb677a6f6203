package warning

import (
	"context"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/warning/cap"
)

// Warning states: active until an update replaces it (updated), a cancel
// ends it (cancelled), or it expires.
const (
	Active    = "active"
	Updated   = "updated"
	Cancelled = "cancelled"
)

// DefaultAnswerWithin is the answer deadline of each GB/T 35965 level when
// a warning names none: red 5 minutes, orange 10, yellow 30, blue 60.
var DefaultAnswerWithin = map[string]time.Duration{
	cap.Red:    5 * time.Minute,
	cap.Orange: 10 * time.Minute,
	cap.Yellow: 30 * time.Minute,
	cap.Blue:   60 * time.Minute,
}

// Warning is one issued warning (预警): the fields of its CAP 1.2 alert
// that clients read, its GB/T 35965 level and type, the regions it
// reached and the deadline its recipients must answer by. Alert is the
// CAP document kept whole, so that it reads back as CAP as it came in.
type Warning struct {
	ID         string    `json:"id"`
	Identifier string    `json:"identifier"`
	Sender     string    `json:"sender"`
	Sent       time.Time `json:"sent"`
	Status     string    `json:"status"`
	MsgType    string    `json:"msg_type"`
	Scope      string    `json:"scope"`
	// References are CAP's "sender,identifier,sent" of the warnings this
	// one updates or cancels; Replaces is the id of the one it replaced.
	References []string `json:"references"`
	Replaces   string   `json:"replaces"`
	// Level is red, orange, yellow or blue; Type the GB/T 35965 warning
	// type, such as rainstorm (暴雨) or mountain_torrent (山洪).
	Level       string     `json:"level"`
	Type        string     `json:"type"`
	Category    []string   `json:"category"`
	Event       string     `json:"event"`
	Urgency     string     `json:"urgency"`
	Severity    string     `json:"severity"`
	Certainty   string     `json:"certainty"`
	Headline    string     `json:"headline"`
	Description string     `json:"description"`
	Instruction string     `json:"instruction"`
	Effective   *time.Time `json:"effective"`
	Expires     *time.Time `json:"expires"`
	Areas       []Area     `json:"areas"`
	// Regions are the regions the warning reached: those its areas name
	// and those their polygons cover. Duties, when not empty, keep the
	// persons of those duties only.
	Regions []string `json:"regions"`
	Duties  []Duty   `json:"duties"`
	// AnswerWithinS is the answer deadline in seconds after issue.
	AnswerWithinS int       `json:"answer_within_s"`
	State         string    `json:"state"`
	IssuedBy      string    `json:"issued_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`

	Alert *cap.Alert `json:"-"`
}

// Area is an affected area: a description, the regions it names (GB/T
// 2260 codes) and its polygons, each a closed ring of [lon, lat] WGS-84
// positions as GeoJSON orders them.
type Area struct {
	Desc     string         `json:"area_desc"`
	Regions  []string       `json:"regions"`
	Polygons [][][2]float64 `json:"polygons"`
}

// Recipient states. A recipient is queued when the warning is issued, sent
// when the gateway took the message, delivered when the phone got it, and
// answered when the person answered; failed when no channel could reach
// it, escalated when its deadline passed unanswered (it was sent again
// and its superior told). An escalated recipient may still answer.
const (
	Queued    = "queued"
	SentState = "sent"
	Delivered = "delivered"
	Answered  = "answered"
	Failed    = "failed"
	Escalated = "escalated"
)

// Recipient kinds: the warning itself, or a "not answered" notice to the
// superior of a recipient who did not answer (About), itself to be
// answered.
const (
	KindWarning = notify.KindWarning
	KindNotice  = notify.KindNotice
)

// Recipient is one person a warning reached, as the registry had it when
// the warning was issued.
type Recipient struct {
	ID          string     `json:"id"`
	Warning     string     `json:"warning"`
	Person      string     `json:"person"`
	Name        string     `json:"name"`
	Phone       string     `json:"phone"`
	Region      string     `json:"region"`
	Duty        Duty       `json:"duty"`
	Superior    string     `json:"superior"`
	Kind        string     `json:"kind"`
	About       string     `json:"about"`
	State       string     `json:"state"`
	Deadline    time.Time  `json:"deadline"`
	SentAt      *time.Time `json:"sent_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
	AnsweredAt  *time.Time `json:"answered_at"`
	// AnsweredVia is page (the one-tap link), sms (a reply) or console (a
	// commander recorded a phone call).
	AnsweredVia string     `json:"answered_via"`
	EscalatedAt *time.Time `json:"escalated_at"`
	Resent      int        `json:"resent"`
	Error       string     `json:"error"`
	// AnswerS is the seconds from the call (the warning's issue, or the
	// notice's) to the answer; 0 until answered.
	AnswerS float64 `json:"answer_s"`
}

// WarningFilter selects warnings, newest first. Prefix is the caller's
// jurisdiction: a warning is listed when any of its regions lies within
// it, or when it names one of Above, the regions above the jurisdiction
// (a county commander sees the province's warning that reached his
// county). State and Level filter when set; Before is the id to continue
// before.
type WarningFilter struct {
	Prefix string
	Above  []string
	State  string
	Level  string
	Before string
	Limit  int
}

// RecipientFilter selects a warning's recipients by region then id.
// Prefix is the caller's jurisdiction (dispatchd.RegionPrefix); Region
// keeps that region's subtree; State one state; Unanswered those not
// answered; Kind one kind (KindWarning, KindNotice). After is the cursor
// the service returned; the service reads
// it into AfterRegion and AfterID, which the store continues after.
type RecipientFilter struct {
	Warning     string
	Prefix      string
	Region      string
	State       string
	Kind        string
	Unanswered  bool
	After       string
	AfterRegion string
	AfterID     string
	Limit       int
}

// Issue is what one transaction writes when a warning is issued: the
// warning, its recipients, their outbox messages, and the event; and, for
// an update or cancel, the state of the warning it replaces (Replaced,
// with its new State).
type Issue struct {
	Warning    *Warning
	Recipients []Recipient
	Messages   []notify.Message
	Replaced   *Warning
	Events     []dispatchd.Event
}

// Change is one recipient's step: the recipient as decide left it, the
// new recipients to insert with it (the "not answered" notice to its
// superior), the messages to queue and the events to append.
type Change struct {
	Recipient *Recipient
	Notices   []Recipient
	Messages  []notify.Message
	Events    []dispatchd.Event
}

// WarningStore keeps warnings and their recipients.
type WarningStore interface {
	// IssueWarning writes everything in is in one transaction; conflict
	// when the sender already issued the identifier, or when Replaced is
	// no longer active.
	IssueWarning(ctx context.Context, is *Issue) error
	// GetWarning returns one warning; not_found.
	GetWarning(ctx context.Context, id string) (*Warning, error)
	// WarningByIdentifier returns the warning a sender issued under the
	// identifier; not_found.
	WarningByIdentifier(ctx context.Context, sender, identifier string) (*Warning, error)
	// ListWarnings lists warnings, newest first.
	ListWarnings(ctx context.Context, f WarningFilter) ([]Warning, error)
	// ListRecipients lists recipients by region then id.
	ListRecipients(ctx context.Context, f RecipientFilter) ([]Recipient, error)
	// GetRecipient returns one recipient; not_found.
	GetRecipient(ctx context.Context, id string) (*Recipient, error)
	// UpdateRecipient locks the recipient and its warning, lets decide
	// change it (nil Change: nothing to write) and writes the recipient,
	// the messages and the events in one transaction; not_found.
	UpdateRecipient(ctx context.Context, id string, decide func(*Recipient, *Warning) (*Change, error)) (*Recipient, error)
	// UpdateRecipients does what UpdateRecipient does for each of ids, in
	// one transaction, skipping ids it does not find; it returns the
	// recipients decide changed.
	UpdateRecipients(ctx context.Context, ids []string, decide func(*Recipient, *Warning) (*Change, error)) ([]Recipient, error)
	// MarkRecipients moves the recipients among ids whose state is one of
	// from to the state to at at (queued → sent when the gateway took
	// them, setting sent_at; sent → delivered, setting delivered_at, or
	// failed on a receipt), and appends the event that event makes of
	// those it moved (none when it moved none), in one transaction; it
	// returns how many changed.
	MarkRecipients(ctx context.Context, ids []string, from []string, to string, at time.Time, event func(moved []Recipient) *dispatchd.Event) (int, error)
	// DueRecipients lists at most limit recipients of active warnings,
	// neither answered nor escalated, whose deadline is not after now.
	DueRecipients(ctx context.Context, now time.Time, limit int) ([]Recipient, error)
	// OpenByPhone lists the recipients with the phone that have not
	// answered, of active warnings, newest warning first.
	OpenByPhone(ctx context.Context, phone string) ([]Recipient, error)
	// TallyRecipients counts a warning's recipients per region, kind and state.
	TallyRecipients(ctx context.Context, warning string) ([]TallyRow, error)
}

// TallyRow is one region's count of recipients of one kind in one state,
// with the sum of the seconds those answered took (AnswerS) and how many
// answered.
type TallyRow struct {
	Region   string
	Kind     string
	State    string
	Count    int
	AnswerS  float64
	Answered int
}
