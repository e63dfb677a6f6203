package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
)

// TestOwnCountsFollowEvents: the counts of available teams and of depots
// with stock by region prefix, which tell a plan when it has met all of a
// jurisdiction's own, stay what the teams and depots make them through
// every event that changes a status, a region, a capability, a reserve or
// a stock level, and through deletions and a reload. A count too low would
// end a plan before it met an own team; one too high would search on.
func TestOwnCountsFollowEvents(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	regions := []string{"", "330102", "330106", "330127", "330203", "330000", "330100", "330127001"}
	caps := []string{"water_rescue", "medical", "hazmat"}
	items := []string{"1010101", "2020101"}
	team := func(i int) resources.Team {
		return resources.Team{ID: fmt.Sprintf("t%d", i), Name: "T", Kind: resources.TeamKinds[r.IntN(len(resources.TeamKinds))],
			Capabilities: []string{caps[r.IntN(3)], caps[r.IntN(3)]}[:1+r.IntN(2)], Region: regions[r.IntN(len(regions))],
			Base: geo.Point{Lon: 120 + r.Float64(), Lat: 30 + r.Float64()}, Status: resources.TeamStatuses[r.IntN(len(resources.TeamStatuses))]}
	}
	depot := func(i int) resources.Depot {
		return resources.Depot{ID: fmt.Sprintf("d%d", i), Name: "D", Tier: resources.County, Region: regions[r.IntN(len(regions))],
			Reserve: []resources.Reserve{resources.Physical, resources.Agreement}[r.IntN(2)], Location: geo.Point{Lon: 120 + r.Float64(), Lat: 30 + r.Float64()}}
	}
	var teams []resources.Team
	var depots []resources.Depot
	var stock []resources.Stock
	for i := range 40 {
		teams, depots = append(teams, team(i)), append(depots, depot(i))
		stock = append(stock, resources.Stock{Depot: depots[i].ID, Item: items[r.IntN(2)], Available: int64(r.IntN(3))})
	}
	p := NewProjection(ProjectionConfig{})
	p.Fill(nil, teams, depots, stock, 0)
	check := func(step int) {
		t.Helper()
		wantTeams, wantStock := map[scopeKey]int{}, map[scopeKey]int{}
		for _, tm := range p.teams {
			if tm.Status == resources.TeamAvailable {
				for _, c := range tm.Capabilities {
					addScoped(wantTeams, c, tm.Region, 1)
				}
			}
		}
		for _, d := range p.depots {
			for item, n := range d.avail {
				if n > 0 {
					addScoped(wantStock, item, d.Region, 1)
				}
			}
		}
		if !maps.Equal(p.ownTeams, wantTeams) || !maps.Equal(p.ownStock, wantStock) {
			t.Fatalf("step %d: got counts %v and %v, want %v and %v", step, p.ownTeams, p.ownStock, wantTeams, wantStock)
		}
	}
	check(0)
	apply := func(typ, subject string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p.Apply(dispatchd.Event{ID: p.Last() + 1, Type: typ, Subject: subject, Data: b})
	}
	for step := 1; step <= 2000; step++ {
		i := r.IntN(60) // some ids are new
		switch r.IntN(7) {
		case 0:
			apply("team.status", "", map[string]any{"team": fmt.Sprintf("t%d", i), "status": resources.TeamStatuses[r.IntN(len(resources.TeamStatuses))]})
		case 1:
			apply([]string{"team.created", "team.updated", "team.imported"}[r.IntN(3)], "", team(i))
		case 2:
			apply("team.deleted", fmt.Sprintf("t%d", i), nil)
		case 3:
			apply([]string{"depot.created", "depot.updated", "depot.imported"}[r.IntN(3)], "", depot(i))
		case 4:
			apply("depot.deleted", fmt.Sprintf("d%d", i), nil)
		case 5:
			id := fmt.Sprintf("d%d", i)
			apply("stock.adjusted", "", resources.StockEvent{Depot: id, Lines: []resources.LedgerLine{{Depot: id, Item: items[r.IntN(2)], OnHand: int64(r.IntN(3))}}})
		case 6:
			p.SetPosition(fmt.Sprintf("t%d", i), geo.Point{Lon: 120.5, Lat: 30.5}, time.Now())
		}
		check(step)
	}
	p.Fill(nil, teams, depots, stock, p.Last())
	check(-1)
}
