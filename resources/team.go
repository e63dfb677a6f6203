package resources

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/geo"
)

// TeamKind is the kind of rescue force.
type TeamKind string

// The team kinds.
const (
	FireRescue   TeamKind = "fire_rescue"
	Professional TeamKind = "professional"
	Social       TeamKind = "social"
	Aviation     TeamKind = "aviation"
	Militia      TeamKind = "militia"
	Medical      TeamKind = "medical"
)

// TeamKinds lists every team kind.
var TeamKinds = []TeamKind{FireRescue, Professional, Social, Aviation, Militia, Medical}

// TeamStatus is what a team is doing. Dispatch moves a team through assigned,
// en_route and on_scene; a commander sets off_duty and unavailable.
type TeamStatus string

// The team statuses.
const (
	TeamAvailable   TeamStatus = "available"
	TeamAssigned    TeamStatus = "assigned"
	TeamEnRoute     TeamStatus = "en_route"
	TeamOnScene     TeamStatus = "on_scene"
	TeamReturning   TeamStatus = "returning"
	TeamOffDuty     TeamStatus = "off_duty"
	TeamUnavailable TeamStatus = "unavailable"
)

// TeamStatuses lists every team status.
var TeamStatuses = []TeamStatus{TeamAvailable, TeamAssigned, TeamEnRoute, TeamOnScene, TeamReturning, TeamOffDuty, TeamUnavailable}

// Capabilities lists the incident types teams are commonly good at. Others
// may be used: a capability is any lowercase snake_case word.
var Capabilities = []string{
	"water_rescue", "flood_control", "collapse_search", "hazmat", "forest_fire",
	"fire_fighting", "medical", "mine_rescue", "earthquake", "traffic_rescue",
	"high_angle_rescue", "geological_hazard", "power_restoration", "communications",
	"air_rescue", "logistics",
}

// Contact is a named person and a phone number.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// ItemQty is a quantity of one item type.
type ItemQty struct {
	Item string `json:"item"`
	Qty  int64  `json:"qty"`
}

// Team is a rescue team with the fields bureaus are required to keep: name,
// address, the incident types it handles (capabilities), leader and contact,
// 24-hour duty phone, headcount, equipment and status.
type Team struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Kind         TeamKind   `json:"kind"`
	Capabilities []string   `json:"capabilities"`
	Headcount    int        `json:"headcount"`
	Leader       Contact    `json:"leader"`
	DutyPhone    string     `json:"duty_phone"`
	Base         geo.Point  `json:"base"`
	Address      string     `json:"address"`
	Region       string     `json:"region"`
	Equipment    []ItemQty  `json:"equipment"`
	Status       TeamStatus `json:"status"`
	// PositionStale reports that the team has had a position but sent none
	// for the server's stale-after time. Only the server sets it, with the
	// events team.stale and team.fresh; input leaves it alone.
	PositionStale bool      `json:"position_stale"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// TeamPatch is a partial update of a team; nil fields are left alone.
type TeamPatch struct {
	Name         *string     `json:"name"`
	Kind         *TeamKind   `json:"kind"`
	Capabilities *[]string   `json:"capabilities"`
	Headcount    *int        `json:"headcount"`
	Leader       *Contact    `json:"leader"`
	DutyPhone    *string     `json:"duty_phone"`
	Base         *geo.Point  `json:"base"`
	Address      *string     `json:"address"`
	Region       *string     `json:"region"`
	Equipment    *[]ItemQty  `json:"equipment"`
	Status       *TeamStatus `json:"status"`
}

// TeamFilter selects teams. Region matches the code and every division
// below it. After is the id to continue after.
type TeamFilter struct {
	// Prefix keeps the teams whose region starts with it: the caller's
	// jurisdiction (dispatchd.RegionPrefix); "" keeps every team.
	Prefix     string
	Region     string
	Capability string
	Kind       TeamKind
	Status     TeamStatus
	Q          string
	BBox       *geo.BBox
	After      string
	Limit      int
}

var (
	capabilityRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	regionRE     = regexp.MustCompile(`^[1-9][0-9]{5}$`)
	phoneRE      = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{2,24}$`)
)

// Validate checks the team and normalizes it: trims text, converts the base
// to WGS-84, sorts capabilities and makes a missing equipment list empty. It does not check that equipment items
// exist; the service does.
func (t *Team) Validate() error {
	var f dispatchd.Fields
	CheckText(&f, "name", &t.Name, true, 200)
	if !slices.Contains(TeamKinds, t.Kind) {
		f.Add("kind", "must be one of %s", JoinEnum(TeamKinds))
	}
	t.Capabilities = normalizeWords(t.Capabilities)
	for i, c := range t.Capabilities {
		if !capabilityRE.MatchString(c) {
			f.Add(Indexed("capabilities", i), "must be a lowercase word such as water_rescue")
		}
	}
	if len(t.Capabilities) > 32 {
		f.Add("capabilities", "must list at most 32 capabilities")
	}
	if t.Headcount < 0 || t.Headcount > 100000 {
		f.Add("headcount", "must be between 0 and 100000")
	}
	CheckText(&f, "leader.name", &t.Leader.Name, false, 100)
	CheckPhone(&f, "leader.phone", &t.Leader.Phone)
	CheckPhone(&f, "duty_phone", &t.DutyPhone)
	CheckPoint(&f, "base", &t.Base)
	CheckText(&f, "address", &t.Address, false, 300)
	CheckRegion(&f, "region", &t.Region)
	CheckItemQtys(&f, "equipment", t.Equipment)
	if t.Equipment == nil {
		t.Equipment = []ItemQty{} // sent as [], as the store reads it back
	}
	if t.Status == "" {
		t.Status = TeamAvailable
	}
	if !slices.Contains(TeamStatuses, t.Status) {
		f.Add("status", "must be one of %s", JoinEnum(TeamStatuses))
	}
	return f.Err()
}

func (p TeamPatch) apply(t *Team) {
	setIf(&t.Name, p.Name)
	setIf(&t.Kind, p.Kind)
	setIf(&t.Capabilities, p.Capabilities)
	setIf(&t.Headcount, p.Headcount)
	setIf(&t.Leader, p.Leader)
	setIf(&t.DutyPhone, p.DutyPhone)
	setIf(&t.Base, p.Base)
	setIf(&t.Address, p.Address)
	setIf(&t.Region, p.Region)
	setIf(&t.Equipment, p.Equipment)
	setIf(&t.Status, p.Status)
}

// HasCapability reports whether the team lists c.
func (t *Team) HasCapability(c string) bool { return slices.Contains(t.Capabilities, c) }

// RegionPrefix returns the prefix shared by a GB/T 2260 code and every
// division below it: 330000 (a province) gives 33, 330100 (a city) 3301.
func RegionPrefix(code string) string {
	for len(code) > 2 && strings.HasSuffix(code, "00") {
		code = code[:len(code)-2]
	}
	return code
}

func normalizeWords(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// CheckPhone trims s and checks it is empty or a phone number.
func CheckPhone(f *dispatchd.Fields, field string, s *string) {
	*s = strings.TrimSpace(*s)
	if *s != "" && !phoneRE.MatchString(*s) {
		f.Add(field, "must be a phone number of digits, spaces, dashes and an optional leading +")
	}
}

// CheckRegion trims s and checks it is empty or a GB/T 2260 division code.
func CheckRegion(f *dispatchd.Fields, field string, s *string) {
	*s = strings.TrimSpace(*s)
	if *s != "" && !regionRE.MatchString(*s) {
		f.Add(field, "must be a 6-digit GB/T 2260 administrative division code")
	}
}

// CheckPoint validates p and converts it to WGS-84 in place.
func CheckPoint(f *dispatchd.Fields, field string, p *geo.Point) {
	w, err := p.WGS84()
	if err != nil {
		f.Add(field, "%v", err)
		return
	}
	*p = w
}

// CheckItemQtys checks item codes and quantities of lines, each item once.
func CheckItemQtys(f *dispatchd.Fields, field string, lines []ItemQty) {
	seen := map[string]bool{}
	for i, l := range lines {
		if !ValidItemCode(l.Item) {
			f.Add(Indexed(field, i)+".item", "must be a 7-digit item code")
		} else if seen[l.Item] {
			f.Add(Indexed(field, i)+".item", "item %s is listed twice", l.Item)
		}
		seen[l.Item] = true
		if l.Qty <= 0 || l.Qty > maxQty {
			f.Add(Indexed(field, i)+".qty", "must be between 1 and %d", int64(maxQty))
		}
	}
}

// Indexed names element i of a list field, as in lines[2].
func Indexed(field string, i int) string {
	return field + "[" + itoa(i) + "]"
}

// JoinEnum lists the values of an enumeration for an error message.
func JoinEnum[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
