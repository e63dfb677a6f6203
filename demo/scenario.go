package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/resources"
)

// StockRows returns the demo stock levels as stock rows, nothing reserved.
func (d *Data) StockRows() []resources.Stock {
	out := make([]resources.Stock, len(d.Stock))
	for i, l := range d.Stock {
		out[i] = resources.Stock{Depot: l.Depot, Item: l.Item, OnHand: l.OnHand, Available: l.OnHand}
	}
	return out
}

// StressTeams returns the province's teams, copied with their bases moved a
// few kilometres, until there are n: the stress case of a province that
// tracks every unit.
func (d *Data) StressTeams(n int) []resources.Team {
	r := rand.New(rand.NewPCG(42, 1))
	out := slices.Clone(d.Teams)
	for i := 0; len(out) < n; i++ {
		t := d.Teams[i%len(d.Teams)]
		t.ID = fmt.Sprintf("%s-%d", t.ID, i/len(d.Teams)+1)
		t.Base.Lon += (r.Float64()*2 - 1) * 0.05
		t.Base.Lat += (r.Float64()*2 - 1) * 0.05
		out = append(out, t)
	}
	return out[:n]
}

// Projection returns a dispatch projection of the province with the teams
// given.
func (d *Data) Projection(teams []resources.Team) *plan.Projection {
	p := plan.NewProjection(plan.ProjectionConfig{})
	p.Fill(d.Items, teams, d.Depots, d.StockRows(), 0)
	return p
}

// Incidents returns the plan requests of n incidents across the province,
// deterministically from seed, each asking for teams of three capabilities
// and ten items: the load a suggestion benchmark measures.
func (d *Data) Incidents(n int, seed uint64) []plan.Request {
	r := rand.New(rand.NewPCG(seed, 2))
	caps := map[string]bool{}
	for _, t := range d.Teams {
		for _, c := range t.Capabilities {
			caps[c] = true
		}
	}
	capList := make([]string, 0, len(caps))
	for c := range caps {
		capList = append(capList, c)
	}
	slices.Sort(capList)
	// Ask for one to six times what a stocking depot holds on average, so
	// that a few depots cover each need, as in practice: 2,000 sandbags,
	// but 10 generators.
	mean := map[string]int64{}
	count := map[string]int64{}
	for _, l := range d.Stock {
		mean[l.Item] += l.OnHand
		count[l.Item]++
	}
	for k := range mean {
		mean[k] /= count[k]
	}
	now := time.Now().UTC()
	out := make([]plan.Request, n)
	for i := range out {
		base := d.Teams[r.IntN(len(d.Teams))].Base
		in := &dispatch.Incident{ID: fmt.Sprintf("bench-%d", i), Type: "flood", Level: 1 + r.IntN(4), Title: "bench",
			Location: geo.Point{Lon: base.Lon + (r.Float64()*2-1)*0.2, Lat: base.Lat + (r.Float64()*2-1)*0.2},
			Status:   dispatch.Reported, DeadlineS: dispatch.DefaultDeadline, ReportedAt: now}
		for _, j := range r.Perm(len(capList))[:3] {
			in.Needs.Teams = append(in.Needs.Teams, plan.TeamNeed{Capability: capList[j], Count: 1 + r.IntN(3)})
		}
		for _, j := range r.Perm(len(d.Items))[:10] {
			code := d.Items[j].Code
			in.Needs.Items = append(in.Needs.Items, resources.ItemQty{Item: code, Qty: max(1, mean[code]*int64(1+r.IntN(6)))})
		}
		out[i] = in.Request()
	}
	return out
}

// InCounties returns the requests as made by the commander of the county
// each incident lies in: its jurisdiction is the region of the team based
// nearest to the incident (near enough for benchmarks and tests).
func (d *Data) InCounties(ins []plan.Request) []plan.Request {
	out := slices.Clone(ins)
	for i := range out {
		best := math.Inf(1)
		for _, t := range d.Teams {
			if m := geo.Distance(t.Base, out[i].Location); m < best {
				best, out[i].Jurisdiction = m, t.Region
			}
		}
	}
	return out
}
