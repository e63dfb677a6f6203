package demo

import (
	"testing"

	"dispatchd"
	"dispatchd/regions"
)

// TestJurisdictions: the region tree holds every region the teams and
// depots name; every user's jurisdiction is a region of it, team leads and
// depot managers answer for their team's or depot's region, and the
// commanders and the flood desk of the story exist.
func TestJurisdictions(t *testing.T) {
	d := province
	tree := map[string]regions.Region{}
	for _, r := range d.Regions {
		if _, dup := tree[r.Code]; dup {
			t.Errorf("region %s listed twice", r.Code)
		}
		if r.Level != regions.LevelOf(r.Code) || (r.Parent != "" && r.Parent != dispatchd.RegionParent(r.Code)) {
			t.Errorf("region %+v: level or parent", r)
		}
		tree[r.Code] = r
	}
	for _, tm := range d.Teams {
		if _, ok := tree[tm.Region]; !ok {
			t.Errorf("team %s: region %s not in the tree", tm.ID, tm.Region)
		}
	}
	for _, dp := range d.Depots {
		if _, ok := tree[dp.Region]; !ok {
			t.Errorf("depot %s: region %s not in the tree", dp.ID, dp.Region)
		}
	}
	region := map[string]string{}
	for _, tm := range d.Teams {
		region[tm.ID] = tm.Region
	}
	for _, dp := range d.Depots {
		region[dp.ID] = dp.Region
	}
	users := map[string]User{}
	for _, u := range d.Users {
		users[u.Username] = u
		if _, ok := tree[u.Jurisdiction]; u.Jurisdiction != "" && !ok {
			t.Errorf("user %s: jurisdiction %s not in the tree", u.Username, u.Jurisdiction)
		}
		switch u.Role {
		case dispatchd.RoleTeamLead:
			if u.Jurisdiction != region[u.Team] {
				t.Errorf("user %s: jurisdiction %s, want its team's %s", u.Username, u.Jurisdiction, region[u.Team])
			}
		case dispatchd.RoleDepotManager:
			if u.Jurisdiction != region[u.Depots[0]] {
				t.Errorf("user %s: jurisdiction %s, want its depot's %s", u.Username, u.Jurisdiction, region[u.Depots[0]])
			}
		}
	}
	for name, want := range map[string]string{"commander": "", "admin": "", "commander-330100": "330100", "commander-331100": "331100",
		"commander-330102": "330102", "commander-330127": "330127", "commander-330182": "330182", "flood-desk": "330000"} {
		if u, ok := users[name]; !ok || u.Jurisdiction != want || u.Role != dispatchd.RoleAdmin && u.Role != dispatchd.RoleCommander {
			t.Errorf("user %s: got %+v, want a commander of %q", name, u, want)
		}
	}
	if users["flood-desk"].Desk != "flood" {
		t.Errorf("flood-desk: desk %q", users["flood-desk"].Desk)
	}
}

// TestOpenIncidents: the demo's incidents validate, name known items and
// lie in several counties, with floods and other types.
func TestOpenIncidents(t *testing.T) {
	d := province
	known := map[string]bool{}
	for _, it := range d.Items {
		known[it.Code] = true
	}
	counties, types := map[string]bool{}, map[string]bool{}
	for _, in := range d.OpenIncidents() {
		if err := in.Validate(); err != nil {
			t.Errorf("%s: %v", in.Title, err)
		}
		for _, l := range in.Needs.Items {
			if !known[l.Item] {
				t.Errorf("%s: unknown item %q", in.Title, l.Item)
			}
		}
		if regions.LevelOf(in.Region) != regions.County {
			t.Errorf("%s: region %s is not a county", in.Title, in.Region)
		}
		counties[in.Region], types[in.Type] = true, true
	}
	if len(counties) < 4 || !types["flood"] || len(types) < 3 {
		t.Errorf("counties %v, types %v: want several of each, flood among them", counties, types)
	}
}
