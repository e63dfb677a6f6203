package demo

import (
	"testing"

	"dispatchd"
	"dispatchd/regions"
)

// TestRegionTree checks the demo's region tree: the province, its 11
// cities and their counties, each code once and well formed, and every
// team's and depot's region one of them (a county for teams and county
// depots, the city or the province for the depots of those levels).
func TestRegionTree(t *testing.T) {
	rows := Regions()
	levels := map[regions.Level]int{}
	tree := map[string]regions.Level{}
	for _, r := range rows {
		if !dispatchd.ValidRegion(r.Code) || r.Name == "" {
			t.Errorf("row %+v: not a region", r)
		}
		if _, dup := tree[r.Code]; dup {
			t.Errorf("%s is listed twice", r.Code)
		}
		tree[r.Code] = regions.LevelOf(r.Code)
		levels[regions.LevelOf(r.Code)]++
	}
	if levels[regions.Province] != 1 || levels[regions.City] != 11 || levels[regions.County] < 80 || levels[regions.Township] != 0 {
		t.Fatalf("got levels %v, want 1 province, 11 cities and their counties", levels)
	}
	for _, tm := range province.Teams {
		if tree[tm.Region] != regions.County {
			t.Errorf("team %s: region %q is not a county of the tree", tm.ID, tm.Region)
		}
	}
	for _, d := range province.Depots {
		if _, ok := tree[d.Region]; !ok {
			t.Errorf("depot %s: region %q is not in the tree", d.ID, d.Region)
		}
	}
}
