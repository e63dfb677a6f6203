package resources

import (
	"slices"
	"strconv"
	"time"

	"dispatchd"
	"dispatchd/geo"
)

// Tier is the level of government a depot serves: the provincial depot at the
// center, municipal depots as the backbone, county and township below.
type Tier string

// The depot tiers.
const (
	National   Tier = "national"
	Provincial Tier = "provincial"
	Municipal  Tier = "municipal"
	County     Tier = "county"
	Township   Tier = "township"
)

// Tiers lists every tier, highest first.
var Tiers = []Tier{National, Provincial, Municipal, County, Township}

// Reserve says whether the stock is held by the bureau (physical) or by a
// supplier under contract (agreement), which takes longer to release.
type Reserve string

// The reserve kinds.
const (
	Physical  Reserve = "physical"
	Agreement Reserve = "agreement"
)

// Depot is a material storage point.
type Depot struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Tier      Tier      `json:"tier"`
	Reserve   Reserve   `json:"reserve"`
	Location  geo.Point `json:"location"`
	Address   string    `json:"address"`
	Manager   Contact   `json:"manager"`
	Region    string    `json:"region"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DepotPatch is a partial update of a depot; nil fields are left alone.
type DepotPatch struct {
	Name     *string    `json:"name"`
	Tier     *Tier      `json:"tier"`
	Reserve  *Reserve   `json:"reserve"`
	Location *geo.Point `json:"location"`
	Address  *string    `json:"address"`
	Manager  *Contact   `json:"manager"`
	Region   *string    `json:"region"`
}

// DepotFilter selects depots. After is the id to continue after.
type DepotFilter struct {
	// Prefix keeps the depots whose region starts with it: the caller's
	// jurisdiction (dispatchd.RegionPrefix); "" keeps every depot.
	Prefix  string
	Region  string
	Tier    Tier
	Reserve Reserve
	Q       string
	BBox    *geo.BBox
	After   string
	Limit   int
}

// Validate checks the depot and normalizes it.
func (d *Depot) Validate() error {
	var f dispatchd.Fields
	CheckText(&f, "name", &d.Name, true, 200)
	if !slices.Contains(Tiers, d.Tier) {
		f.Add("tier", "must be one of %s", JoinEnum(Tiers))
	}
	if d.Reserve == "" {
		d.Reserve = Physical
	}
	if d.Reserve != Physical && d.Reserve != Agreement {
		f.Add("reserve", "must be physical or agreement")
	}
	CheckPoint(&f, "location", &d.Location)
	CheckText(&f, "address", &d.Address, false, 300)
	CheckText(&f, "manager.name", &d.Manager.Name, false, 100)
	CheckPhone(&f, "manager.phone", &d.Manager.Phone)
	CheckRegion(&f, "region", &d.Region)
	return f.Err()
}

func (p DepotPatch) apply(d *Depot) {
	setIf(&d.Name, p.Name)
	setIf(&d.Tier, p.Tier)
	setIf(&d.Reserve, p.Reserve)
	setIf(&d.Location, p.Location)
	setIf(&d.Address, p.Address)
	setIf(&d.Manager, p.Manager)
	setIf(&d.Region, p.Region)
}

func itoa(i int) string { return strconv.Itoa(i) }
