package plan

import (
	"time"

	"dispatchd/geo"
	"dispatchd/resources"
)

// TeamRef names a team in a plan.
type TeamRef struct {
	ID   string             `json:"id"`
	Name string             `json:"name"`
	Kind resources.TeamKind `json:"kind"`
}

// Pick is one team proposed for a need, and why.
type Pick struct {
	Team          *TeamRef `json:"team"`
	DistanceM     float64  `json:"distance_m"`
	EtaS          float64  `json:"eta_s"`
	MeetsDeadline bool     `json:"meets_deadline"`
	// From is where the team was ranked from: "position" (its fresh last
	// position) or "base".
	From string `json:"from"`
	// Stale is set when the team has a position, but too old to rank from.
	Stale bool `json:"stale"`
	// NeedsSupport marks a team outside the jurisdiction the plan is for:
	// it is not dispatched directly but asked for with a support request.
	NeedsSupport bool `json:"needs_support"`
	// Owner is the region the team belongs to (a township's team: its
	// county), and OwnerName that region's name when it is known.
	Owner     string `json:"owner"`
	OwnerName string `json:"owner_name,omitempty"`
	// Coverage is what the team's dispatch would cost its home county's
	// coverage of the need's capability, when coverage is kept.
	Coverage *CoverageCost `json:"coverage,omitempty"`
	// Why says in words why the team was chosen. It is written when the
	// pick is encoded: a plan is computed far more often than it is read.
	Why string `json:"why"`
	// RedZone lists the red risk zones the team's route starts or ends in.
	RedZone []RedZone `json:"red_zone,omitempty"`
	why     pickWhy
}

// CoverageCost is the share of a county (Region) that some available team
// of Capability reaches within its target time now (Share), and once the
// pick is dispatched (After).
type CoverageCost struct {
	Region     string  `json:"region"`
	Capability string  `json:"capability"`
	Share      float64 `json:"share"`
	After      float64 `json:"after"`
	// PopulationShare and PopulationAfter are the same shares of the
	// county's population, when it has some loaded.
	PopulationShare *float64 `json:"population_share,omitempty"`
	PopulationAfter *float64 `json:"population_after,omitempty"`
}

// Coverer tells what dispatching a team costs the coverage of its home
// county (the coverage package). It is asked under the projection's lock:
// it must not call the projection.
type Coverer interface {
	CoverageCost(team, capability string) (CoverageCost, bool)
}

// pickWhy is what Why is written from.
type pickWhy struct {
	alt        bool
	rank       int
	capability string
	age        float64 // of a stale position, in seconds
	// scoped is set for a plan made for a jurisdiction, not the whole
	// deployment.
	scoped bool
}

// Reason says why a need is short, or late, so the commander can act.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// support is what the message of a needs_support reason is written
	// from, when the reason is encoded: most plans are never read.
	support supportNote
}

// supportNote is what a needs_support reason says: of a team need (team),
// n picks for capability what need support, lack for want teams its own
// lack, the rest for own picks that arrive late; of an item, n units what
// need support, lack for what its own cannot deliver, late for what they
// deliver late.
type supportNote struct {
	team                bool
	what                string
	n, want, lack, late int64
}

// The reason codes.
const (
	NoCapability       = "no_capability"
	AllBusy            = "all_busy"
	NoneWithinDeadline = "none_within_deadline"
	Late               = "late"
	StockExhausted     = "stock_exhausted"
	UnknownItem        = "unknown_item"
	// NeedsSupport says that the jurisdiction's own resources cannot meet
	// the need, and the plan proposes outside ones.
	NeedsSupport = "needs_support"
)

// TeamPlan is the plan for one team need.
type TeamPlan struct {
	Need string `json:"need"`
	// Count is what the incident asks; Covered what its active tasks
	// already cover; the picks are for the rest. The picks are the best of
	// the jurisdiction's own teams, then the outside teams that need
	// support: one for each team its own cannot provide, and one that
	// arrives in time for each own pick that does not. The alternates are
	// own teams.
	Count      int    `json:"count"`
	Covered    int    `json:"covered"`
	Picks      []Pick `json:"picks"`
	Alternates []Pick `json:"alternates"`
	// SupportCount is how many picks need support.
	SupportCount int `json:"support_count"`
	// Shortfall is how many teams no one can provide, own or outside.
	Shortfall int      `json:"shortfall"`
	Reasons   []Reason `json:"reasons"`
}

// DepotRef names a depot in a plan.
type DepotRef struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Tier    resources.Tier    `json:"tier"`
	Reserve resources.Reserve `json:"reserve"`
}

// PlanLine is a quantity of one item from one depot.
type PlanLine struct {
	Depot         *DepotRef `json:"depot"`
	Qty           int64     `json:"qty"`
	Available     int64     `json:"available"`
	DistanceM     float64   `json:"distance_m"`
	EtaS          float64   `json:"eta_s"`
	MeetsDeadline bool      `json:"meets_deadline"`
	// NeedsSupport, Owner and OwnerName are as for Pick. The Available of
	// a line that needs support is its Qty: the stock of other
	// jurisdictions is not shown.
	NeedsSupport bool   `json:"needs_support"`
	Owner        string `json:"owner"`
	OwnerName    string `json:"owner_name,omitempty"`
	// Why is written when the line is encoded, as for Pick.
	Why string `json:"why"`
	// RedZone lists the red risk zones the route starts or ends in.
	RedZone []RedZone `json:"red_zone,omitempty"`
	lead    float64
	scoped  bool
}

// ItemPlan is the plan for one item need.
type ItemPlan struct {
	Item string `json:"item"`
	Name string `json:"name"`
	Unit string `json:"unit"`
	// Needed is what the incident asks; Covered what its live orders
	// already hold; the plan is for the rest: from the jurisdiction's own
	// depots first, then from outside ones (lines that need support) for
	// what its own cannot deliver, and for what its own deliver late as
	// much again as arrives in time.
	Needed  int64      `json:"needed"`
	Covered int64      `json:"covered"`
	Plan    []PlanLine `json:"plan"`
	// SupportQty is the quantity of the lines that need support.
	SupportQty int64 `json:"support_qty"`
	// Shortfall is what no depot can deliver, own or outside.
	Shortfall int64 `json:"shortfall"`
	// LateQty is how much of the plan arrives after the deadline.
	LateQty int64    `json:"late_qty"`
	Reasons []Reason `json:"reasons"`
}

// Suggestion is a ranked plan for an incident's open needs.
type Suggestion struct {
	// ID names the suggestion as served (dispatch.Proposal): the same for
	// an unchanged suggestion served again. The projection leaves it empty.
	ID       string    `json:"id"`
	Incident string    `json:"incident"`
	Exercise bool      `json:"exercise"`
	Deadline time.Time `json:"deadline"`
	// EventID is the event the plan is current to.
	EventID int64      `json:"event_id"`
	At      time.Time  `json:"computed_at"`
	Teams   []TeamPlan `json:"teams"`
	Items   []ItemPlan `json:"items"`
}

// Config tunes suggestions.
type Config struct {
	Router geo.Router
	// AgreementLead is added to the ETA of agreement reserves: the time a
	// supplier needs to release stock held under contract.
	AgreementLead time.Duration
	// Alternates is how many teams to offer beyond each need's count.
	Alternates int
	// MaxLines bounds the depots in one item's plan.
	MaxLines int
}

// Defaults for Config.
const (
	DefaultAgreementLead = 2 * time.Hour
	DefaultAlternates    = 3
	DefaultMaxLines      = 100
	// DepotMode is the Router mode of a material shipment.
	DepotMode = "truck"
)

// defaultRouter is shared: a GreatCircle is only read.
var defaultRouter = geo.DefaultRouter()

// WithDefaults returns the config with its zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.Router == nil {
		c.Router = defaultRouter
	}
	if c.AgreementLead < 0 {
		c.AgreementLead = 0
	}
	if c.Alternates <= 0 {
		c.Alternates = DefaultAlternates
	}
	if c.MaxLines <= 0 {
		c.MaxLines = DefaultMaxLines
	}
	return c
}

// TeamNeed asks for Count teams that have Capability.
type TeamNeed struct {
	Capability string `json:"capability"`
	Count      int    `json:"count"`
}

// Needs is what an incident asks for.
type Needs struct {
	Teams []TeamNeed          `json:"teams"`
	Items []resources.ItemQty `json:"items"`
}

// Request is what a plan is made for: an incident's place, deadline and
// needs.
type Request struct {
	Incident string
	Exercise bool
	Location geo.Point
	// Deadline is the time by which help must arrive.
	Deadline time.Time
	Needs    Needs
	// Jurisdiction is the region code of whom the plan is for: its own
	// teams and depots (of its region's subtree) are planned first. ""
	// is the whole deployment, which owns everything.
	Jurisdiction string
}

// Open is what an incident still needs: its needs less what its active
// tasks and live orders cover.
type Open struct {
	Teams map[string]int   // capability -> teams covering it
	Items map[string]int64 // item -> quantity held by live orders
}
