package demo

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
)

// province is generated once for the tests that only read it.
var province = Province()

func TestProvinceIsDeterministic(t *testing.T) {
	a, b := Province(), Province()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls of Province returned different data")
	}
	a.Teams[0].Name = "changed"
	if c := Province(); c.Teams[0].Name == "changed" {
		t.Fatal("Province shares slices between calls")
	}
}

func TestCounts(t *testing.T) {
	d := province
	teams := map[resources.TeamKind]int{}
	for _, tm := range d.Teams {
		teams[tm.Kind]++
	}
	tiers := map[resources.Tier]int{}
	agreement := 0
	for _, dp := range d.Depots {
		tiers[dp.Tier]++
		if dp.Reserve == resources.Agreement {
			agreement++
		}
	}
	tests := []struct {
		name   string
		got    int
		lo, hi int
	}{
		{"items", len(d.Items), 90, 130},
		{"teams", len(d.Teams), 570, 630},
		{"fire_rescue teams", teams[resources.FireRescue], 125, 140},
		{"professional teams", teams[resources.Professional], 175, 195},
		{"social teams", teams[resources.Social], 235, 255},
		{"aviation teams", teams[resources.Aviation], 12, 14},
		{"militia teams", teams[resources.Militia], 10, 30},
		{"medical teams", teams[resources.Medical], 10, 30},
		{"depots", len(d.Depots), 3500, 3900},
		{"national depots", tiers[resources.National], 0, 0},
		{"provincial depots", tiers[resources.Provincial], 1, 1},
		{"municipal depots", tiers[resources.Municipal], 11 + 33, 22 + 33},
		{"county depots", tiers[resources.County], 90 + 360, 180 + 630},
		{"township depots", tiers[resources.Township], 2500, 3300},
		{"agreement reserves, per cent", agreement * 100 / len(d.Depots), 15, 20},
		{"stock lines", len(d.Stock), 60000, 90000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got < tt.lo || tt.got > tt.hi {
				t.Errorf("got %d, want %d to %d", tt.got, tt.lo, tt.hi)
			}
		})
	}
}

func TestEveryRowValidates(t *testing.T) {
	for _, it := range province.Items {
		c := it
		if err := c.Validate(); err != nil {
			t.Errorf("item %s: %v", it.Code, err)
		}
	}
	for _, tm := range province.Teams {
		c := tm
		c.Capabilities = slices.Clone(tm.Capabilities)
		if err := c.Validate(); err != nil {
			t.Errorf("team %s: %v", tm.ID, err)
		}
		for _, cp := range tm.Capabilities {
			if !slices.Contains(resources.Capabilities, cp) {
				t.Errorf("team %s: capability %q is not one of resources.Capabilities", tm.ID, cp)
			}
		}
	}
	for _, dp := range province.Depots {
		c := dp
		if err := c.Validate(); err != nil {
			t.Errorf("depot %s: %v", dp.ID, err)
		}
	}
}

func TestItemCodes(t *testing.T) {
	seen := map[string]bool{}
	names := map[string]bool{}
	category := map[string]string{} // by the first five digits
	for _, it := range province.Items {
		if !resources.ValidItemCode(it.Code) || it.Code[0] < '1' || it.Code[0] > '3' {
			t.Errorf("item %s: want 7 digits, the first 1 to 3", it.Code)
		}
		if seen[it.Code] {
			t.Errorf("item %s: code used twice", it.Code)
		}
		seen[it.Code] = true
		if names[it.Name] {
			t.Errorf("item %s: name %s used twice", it.Code, it.Name)
		}
		names[it.Name] = true
		g := it.Code[:5]
		if c, ok := category[g]; ok && c != it.Category {
			t.Errorf("item %s: category %s, want %s like the rest of group %s", it.Code, it.Category, c, g)
		}
		category[g] = it.Category
	}
}

func TestReferentialIntegrity(t *testing.T) {
	d := province
	items := map[string]resources.Item{}
	for _, it := range d.Items {
		items[it.Code] = it
	}
	teamIDs, teamNames := map[string]bool{}, map[string]bool{}
	for _, tm := range d.Teams {
		if teamIDs[tm.ID] || teamNames[tm.Name] {
			t.Errorf("team %s %s: id or name used twice", tm.ID, tm.Name)
		}
		teamIDs[tm.ID], teamNames[tm.Name] = true, true
		if len(tm.Equipment) < 1 || len(tm.Equipment) > 5 {
			t.Errorf("team %s: %d equipment lines, want 1 to 5", tm.ID, len(tm.Equipment))
		}
		for _, e := range tm.Equipment {
			if it, ok := items[e.Item]; !ok || it.Kind != resources.Equipment {
				t.Errorf("team %s: equipment %s is not an equipment item", tm.ID, e.Item)
			}
		}
	}
	depots := map[string]bool{}
	depotNames := map[string]bool{}
	for _, dp := range d.Depots {
		if depots[dp.ID] || depotNames[dp.Name] {
			t.Errorf("depot %s %s: id or name used twice", dp.ID, dp.Name)
		}
		depots[dp.ID], depotNames[dp.Name] = true, true
	}
	pairs := map[[2]string]bool{}
	stocked := map[string]bool{}
	for _, s := range d.Stock {
		if !depots[s.Depot] {
			t.Errorf("stock %s/%s: no such depot", s.Depot, s.Item)
		}
		if _, ok := items[s.Item]; !ok {
			t.Errorf("stock %s/%s: no such item", s.Depot, s.Item)
		}
		if s.OnHand <= 0 {
			t.Errorf("stock %s/%s: on hand %d, want > 0", s.Depot, s.Item, s.OnHand)
		}
		k := [2]string{s.Depot, s.Item}
		if pairs[k] {
			t.Errorf("stock %s/%s: listed twice", s.Depot, s.Item)
		}
		pairs[k] = true
		stocked[s.Depot] = true
	}
	for id := range depots {
		if !stocked[id] {
			t.Errorf("depot %s holds nothing", id)
		}
	}
}

var (
	mobileRE   = regexp.MustCompile(`^1[358][0-9]{9}$`)
	landlineRE = regexp.MustCompile(`^0[0-9]{3}-8[0-9]{7}$`)
)

func TestTeamFields(t *testing.T) {
	heads := map[resources.TeamKind][2]int{
		resources.FireRescue:   {30, 120},
		resources.Professional: {20, 100},
		resources.Social:       {15, 80},
		resources.Aviation:     {10, 40},
		resources.Militia:      {30, 120},
		resources.Medical:      {15, 50},
	}
	offDuty := 0
	for _, tm := range province.Teams {
		if h := heads[tm.Kind]; tm.Headcount < h[0] || tm.Headcount > h[1] {
			t.Errorf("team %s (%s): headcount %d, want %d to %d", tm.ID, tm.Kind, tm.Headcount, h[0], h[1])
		}
		if !mobileRE.MatchString(tm.Leader.Phone) || tm.Leader.Name == "" {
			t.Errorf("team %s: leader %+v", tm.ID, tm.Leader)
		}
		if !landlineRE.MatchString(tm.DutyPhone) {
			t.Errorf("team %s: duty phone %q", tm.ID, tm.DutyPhone)
		}
		if !strings.HasPrefix(tm.Address, "浙江省") {
			t.Errorf("team %s: address %q", tm.ID, tm.Address)
		}
		if tm.Status == resources.TeamOffDuty {
			offDuty++
		} else if tm.Status != resources.TeamAvailable {
			t.Errorf("team %s: status %s", tm.ID, tm.Status)
		}
	}
	if offDuty == 0 || offDuty > len(province.Teams)/10 {
		t.Errorf("got %d teams off duty, want a few", offDuty)
	}
}

// TestPlaces checks that every city has teams and depots, every county has
// depots, every point is inside Zhejiang, and everything is near the place
// its region names.
func TestPlaces(t *testing.T) {
	counties := map[string]county{}
	cities := map[string]*city{}
	for i := range zhejiang {
		c := &zhejiang[i]
		cities[c.code] = c
		for _, k := range c.counties {
			counties[k.code] = k
		}
	}
	inside := func(p geo.Point) bool {
		return p.Lon >= 118.0 && p.Lon <= 123.0 && p.Lat >= 27.0 && p.Lat <= 31.2
	}
	teamsIn, depotsIn := map[string]int{}, map[string]int{}
	for _, tm := range province.Teams {
		k, ok := counties[tm.Region]
		if !ok {
			t.Errorf("team %s: region %s is not a county of Zhejiang", tm.ID, tm.Region)
			continue
		}
		teamsIn[tm.Region[:4]]++
		if !inside(tm.Base) {
			t.Errorf("team %s: base %v outside Zhejiang", tm.ID, tm.Base)
		}
		if m := geo.Distance(tm.Base, geo.Point{Lon: k.lon, Lat: k.lat}); m > (k.r+10)*1000 {
			t.Errorf("team %s: base %.0f km from %s", tm.ID, m/1000, k.name)
		}
	}
	for _, dp := range province.Depots {
		if !inside(dp.Location) {
			t.Errorf("depot %s: location %v outside Zhejiang", dp.ID, dp.Location)
		}
		var want geo.Point
		var km float64
		switch dp.Tier {
		case resources.Provincial:
			if dp.Region != provinceCode {
				t.Errorf("depot %s: provincial depot in region %s", dp.ID, dp.Region)
			}
			continue
		case resources.Municipal:
			c, ok := cities[dp.Region]
			if !ok {
				t.Errorf("depot %s: municipal depot in region %s, not a city", dp.ID, dp.Region)
				continue
			}
			want, km = geo.Point{Lon: c.lon, Lat: c.lat}, 7
		default:
			k, ok := counties[dp.Region]
			if !ok {
				t.Errorf("depot %s: %s depot in region %s, not a county", dp.ID, dp.Tier, dp.Region)
				continue
			}
			depotsIn[dp.Region]++
			want, km = geo.Point{Lon: k.lon, Lat: k.lat}, k.r+3
		}
		depotsIn[dp.Region[:4]]++
		if m := geo.Distance(dp.Location, want); m > km*1000 {
			t.Errorf("depot %s: %.1f km from the center of region %s", dp.ID, m/1000, dp.Region)
		}
	}
	for code, c := range cities {
		if teamsIn[code[:4]] == 0 || depotsIn[code[:4]] == 0 {
			t.Errorf("%s: %d teams, %d depots", c.name, teamsIn[code[:4]], depotsIn[code[:4]])
		}
		for _, k := range c.counties {
			if depotsIn[k.code] < 10 {
				t.Errorf("%s: %d depots, want at least 10", k.name, depotsIn[k.code])
			}
		}
	}
	if n := len(counties); n < 85 || n > 95 {
		t.Errorf("got %d counties, want about 90", n)
	}
}

func TestUsers(t *testing.T) {
	d := province
	teams := map[string]resources.Team{}
	for _, tm := range d.Teams {
		teams[tm.ID] = tm
	}
	depots := map[string]resources.Depot{}
	for _, dp := range d.Depots {
		depots[dp.ID] = dp
	}
	seen := map[string]bool{}
	roles := map[dispatchd.Role]int{}
	for _, u := range d.Users {
		if seen[u.Username] {
			t.Errorf("user %s listed twice", u.Username)
		}
		seen[u.Username] = true
		roles[u.Role]++
		switch u.Role {
		case dispatchd.RoleTeamLead:
			tm, ok := teams[u.Team]
			if !ok || u.Username != "lead-"+u.Team || !strings.HasPrefix(tm.Region, FirstCity) {
				t.Errorf("user %s: team %q", u.Username, u.Team)
			}
			if u.Jurisdiction != tm.Region || len(u.Jurisdiction) != 6 || strings.HasSuffix(u.Jurisdiction, "00") {
				t.Errorf("user %s: jurisdiction %q, want its team's county %s", u.Username, u.Jurisdiction, tm.Region)
			}
		case dispatchd.RoleDepotManager:
			if len(u.Depots) != 1 || u.Username != "mgr-"+u.Depots[0] {
				t.Errorf("user %s: depots %v", u.Username, u.Depots)
				continue
			}
			if dp, ok := depots[u.Depots[0]]; !ok {
				t.Errorf("user %s: no depot %s", u.Username, u.Depots[0])
			} else if u.Jurisdiction != dp.Region {
				t.Errorf("user %s: jurisdiction %q, want its depot's region %s", u.Username, u.Jurisdiction, dp.Region)
			}
		default:
			if u.Team != "" || len(u.Depots) > 0 {
				t.Errorf("user %s (%s) is bound to %q %v", u.Username, u.Role, u.Team, u.Depots)
			}
		}
	}
	for _, name := range []string{"admin", "commander", "viewer"} {
		if !seen[name] {
			t.Errorf("no user %s", name)
		}
	}
	for _, tm := range d.Teams {
		if strings.HasPrefix(tm.Region, FirstCity) && !seen["lead-"+tm.ID] {
			t.Errorf("team %s of the first city has no lead", tm.ID)
		}
	}
	for _, dp := range d.Depots {
		if strings.HasPrefix(dp.Region, FirstCity) && !seen["mgr-"+dp.ID] {
			t.Errorf("depot %s of the first city has no manager", dp.ID)
		}
	}
	if roles[dispatchd.RoleTeamLead] < 50 || roles[dispatchd.RoleDepotManager] < 300 {
		t.Errorf("got %d team leads and %d depot managers", roles[dispatchd.RoleTeamLead], roles[dispatchd.RoleDepotManager])
	}
}

func BenchmarkProvince(b *testing.B) {
	for b.Loop() {
		Province()
	}
}
