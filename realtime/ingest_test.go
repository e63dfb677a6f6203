package realtime_test

import (
	"fmt"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/realtime"
)

// TestIngestJurisdiction: a commander with a jurisdiction reports only for
// the teams within it, the others refused as unknown; without the teams'
// regions it reports for none; trackers, team leads and the whole
// deployment's commanders are not limited by it.
func TestIngestJurisdiction(t *testing.T) {
	regions := map[string]string{"hz": "330106", "nb": "330203", "none": ""}
	known := func(team string) bool { _, ok := regions[team]; return ok }
	now := time.Now().UTC()
	batch := func() []realtime.Position {
		var ps []realtime.Position
		for i, team := range []string{"hz", "nb", "none"} {
			ps = append(ps, realtime.Position{Team: team, Lon: 120.1, Lat: 30.2, TS: now.Add(time.Duration(i-10) * time.Second)})
		}
		return ps
	}
	city := dispatchd.Actor{Username: "hz", Role: dispatchd.RoleCommander, Jurisdiction: "330100"}
	tests := []struct {
		name       string
		actor      dispatchd.Actor
		withRegion bool
		want       string
	}{
		{"city commander", city, true, "accepted 1 [1:unknown_team 2:unknown_team]"},
		{"without regions", city, false, "accepted 0 [0:unknown_team 1:unknown_team 2:unknown_team]"},
		{"province commander", dispatchd.Actor{Username: "c", Role: dispatchd.RoleCommander}, true, "accepted 3 []"},
		{"scoped tracker", dispatchd.Actor{Username: "tr", Role: dispatchd.RoleTracker, Team: "nb", Jurisdiction: "330106"}, true,
			"accepted 1 [0:other_team 2:other_team]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := realtime.NewIngest(realtime.NewFilter(realtime.FilterConfig{}), known, func(_, _ []realtime.Position) {})
			if tt.withRegion {
				in.SetTeamRegion(func(team string) (string, bool) { r, ok := regions[team]; return r, ok })
			}
			res := in.Accept(tt.actor, batch())
			var rej []string
			for _, r := range res.Rejected {
				rej = append(rej, fmt.Sprintf("%d:%s", r.Index, r.Reason))
			}
			if got := fmt.Sprintf("accepted %d %v", res.Accepted, rej); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
