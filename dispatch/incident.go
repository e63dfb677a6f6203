// Package dispatch is the incident board: incidents and their needs, the
// ranked plans that cover them, the tasks teams must acknowledge, the
// material orders depots confirm, escalation of what goes unanswered, and the
// review afterwards. It holds the rules; a Store makes them atomic. The
// plans come from the planner's in-memory model, package plan, which the
// board decides from but does not contain.
package dispatch

import (
	"slices"
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/resources"
)

// IncidentStatus is where an incident is in its life.
type IncidentStatus string

// The incident statuses, in the order an incident goes through them;
// cancelled ends an incident that proved false or was merged into another.
const (
	Reported   IncidentStatus = "reported"
	Confirmed  IncidentStatus = "confirmed"
	Responding IncidentStatus = "responding"
	Stabilized IncidentStatus = "stabilized"
	Closed     IncidentStatus = "closed"
	Cancelled  IncidentStatus = "cancelled"
)

// IncidentStatuses lists every incident status.
var IncidentStatuses = []IncidentStatus{Reported, Confirmed, Responding, Stabilized, Closed, Cancelled}

// incidentNext lists the statuses each status may move to.
var incidentNext = map[IncidentStatus][]IncidentStatus{
	Reported:   {Confirmed, Responding, Cancelled},
	Confirmed:  {Responding, Cancelled},
	Responding: {Stabilized, Cancelled},
	Stabilized: {Closed, Responding, Cancelled},
}

// Open reports whether the incident may still get tasks and orders.
func (s IncidentStatus) Open() bool { return s != Closed && s != Cancelled }

// IncidentTypes lists the incident types the board knows; a type is any
// lowercase word, these are the common ones.
var IncidentTypes = []string{
	"flood", "typhoon", "forest_fire", "fire", "hazmat", "building_collapse",
	"earthquake", "mine_accident", "geological_hazard", "traffic_accident",
	"drowning", "power_outage", "epidemic", "other",
}

// MaxDeadline bounds an incident's delivery deadline: three days.
const MaxDeadline = 3 * 24 * 3600

// DefaultDeadline is the delivery deadline of an incident that names none:
// the three hours bureaus hold material deliveries to.
const DefaultDeadline = 3 * 3600

// Incident is one emergency from first report to closure.
type Incident struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Level       int       `json:"level"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Location    geo.Point `json:"location"`
	Address     string    `json:"address"`
	Region      string    `json:"region"`
	// RegionSource says where the region came from: given, location or
	// jurisdiction (region.go); the board sets it.
	RegionSource string         `json:"region_source,omitempty"`
	Status       IncidentStatus `json:"status"`
	Needs        plan.Needs     `json:"needs"`
	// DeadlineS is the time from the report within which help must arrive.
	DeadlineS int `json:"deadline_s"`
	// Scene is where its teams count as arrived (scene.go); an incident
	// recorded without one gets a circle of the configured radius.
	Scene      *Scene    `json:"scene,omitempty"`
	Exercise   bool      `json:"exercise"`
	ReportedAt time.Time `json:"reported_at"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// ClosedAt is when it was closed or cancelled.
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// Kind is "" for an incident and KindPreposition for a
	// pre-positioning (preposition.go), which is stored with the incidents
	// so its tasks and orders take every path theirs do, and Preposition
	// then names the forecast zone it is for.
	Kind        string        `json:"kind,omitempty"`
	Preposition *ForecastZone `json:"preposition,omitempty"`
}

// Deadline returns the time by which help must arrive.
func (in *Incident) Deadline() time.Time {
	return in.ReportedAt.Add(time.Duration(in.DeadlineS) * time.Second)
}

// Request is what a plan for the incident is made for.
func (in *Incident) Request() plan.Request {
	return plan.Request{Incident: in.ID, Exercise: in.Exercise, Location: in.Location, Deadline: in.Deadline(), Needs: in.Needs}
}

// IncidentPatch changes the description of an incident; nil fields are
// left alone. Status moves through Transition, not here.
type IncidentPatch struct {
	Type        *string     `json:"type"`
	Level       *int        `json:"level"`
	Title       *string     `json:"title"`
	Description *string     `json:"description"`
	Location    *geo.Point  `json:"location"`
	Address     *string     `json:"address"`
	Region      *string     `json:"region"`
	Needs       *plan.Needs `json:"needs"`
	DeadlineS   *int        `json:"deadline_s"`
	Scene       *Scene      `json:"scene"`
}

// IncidentFilter selects incidents, newest first. After is the id to
// continue after.
type IncidentFilter struct {
	Status   []IncidentStatus
	Type     string
	Level    int
	BBox     *geo.BBox
	From, To time.Time
	Exercise *bool
	// Scope limits the list to incidents whose region has its prefix and
	// whose type it works; Team, when set, adds the incidents that team
	// has or had a task on (a team lead's, across the border).
	Scope dispatchd.Scope
	Team  string
	// Kind keeps the rows of one kind: "" the incidents, KindPreposition
	// the pre-positionings.
	Kind  string
	After string
	Limit int
}

// Validate checks the incident and normalizes it.
func (in *Incident) Validate() error {
	var f dispatchd.Fields
	if !typeRE.MatchString(in.Type) {
		f.Add("type", "must be a lowercase word such as %s", "flood or building_collapse")
	}
	if in.Level < 1 || in.Level > 4 {
		f.Add("level", "must be 1 (I, particularly serious) to 4 (IV, ordinary)")
	}
	resources.CheckText(&f, "title", &in.Title, true, 200)
	resources.CheckText(&f, "description", &in.Description, false, 5000)
	resources.CheckPoint(&f, "location", &in.Location)
	resources.CheckText(&f, "address", &in.Address, false, 300)
	resources.CheckRegion(&f, "region", &in.Region)
	validateNeeds(&f, &in.Needs)
	if in.Scene != nil {
		in.Scene.check(&f, "scene")
	}
	if in.DeadlineS == 0 {
		in.DeadlineS = DefaultDeadline
	}
	if in.DeadlineS < 60 || in.DeadlineS > MaxDeadline {
		f.Add("deadline_s", "must be between 60 and %d seconds", MaxDeadline)
	}
	if in.Status == "" {
		in.Status = Reported
	}
	if !slices.Contains(IncidentStatuses, in.Status) {
		f.Add("status", "must be one of %s", resources.JoinEnum(IncidentStatuses))
	}
	return f.Err()
}

func validateNeeds(f *dispatchd.Fields, n *plan.Needs) {
	if n.Teams == nil {
		n.Teams = []plan.TeamNeed{}
	}
	if n.Items == nil {
		n.Items = []resources.ItemQty{}
	}
	if len(n.Teams) > 50 {
		f.Add("needs.teams", "must list at most 50 team needs")
	}
	if len(n.Items) > 200 {
		f.Add("needs.items", "must list at most 200 item needs")
	}
	seen := map[string]bool{}
	for i, t := range n.Teams {
		p := resources.Indexed("needs.teams", i)
		if !typeRE.MatchString(t.Capability) {
			f.Add(p+".capability", "must be a capability such as water_rescue")
		} else if seen[t.Capability] {
			f.Add(p+".capability", "%s is listed twice", t.Capability)
		}
		seen[t.Capability] = true
		if t.Count < 1 || t.Count > 1000 {
			f.Add(p+".count", "must be between 1 and 1000")
		}
	}
	resources.CheckItemQtys(f, "needs.items", n.Items)
}

// apply sets the fields of the patch.
func (p IncidentPatch) apply(in *Incident) {
	setIf(&in.Type, p.Type)
	setIf(&in.Level, p.Level)
	setIf(&in.Title, p.Title)
	setIf(&in.Description, p.Description)
	setIf(&in.Location, p.Location)
	setIf(&in.Address, p.Address)
	setIf(&in.Region, p.Region)
	setIf(&in.Needs, p.Needs)
	setIf(&in.DeadlineS, p.DeadlineS)
	if p.Scene != nil {
		in.Scene = p.Scene
	}
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// canMove reports whether an incident may go from one status to another.
func canMove(from, to IncidentStatus) bool {
	return slices.Contains(incidentNext[from], to)
}
