package coverage_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/coverage"
	"dispatchd/demo"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/regions"
	"dispatchd/resources"
)

// demoRegions is the demo province's tree with its outlines, as the
// regions service gives them.
type demoRegions struct {
	idx   *regions.Index
	names map[string]string
}

func (d *demoRegions) Index(context.Context) (*regions.Index, error) { return d.idx, nil }
func (d *demoRegions) Name(_ context.Context, code string) string    { return d.names[code] }

// demoProvince returns the demo province's teams in a dispatch view and
// its coverage, synced.
func demoProvince(tb testing.TB) (*plan.Projection, *coverage.Service, *demo.Data) {
	tb.Helper()
	proj, rs, d := demoView(tb)
	cov := coverage.NewService(coverage.Config{}, proj, rs)
	if err := cov.Sync(context.Background(), time.Now()); err != nil {
		tb.Fatal(err)
	}
	proj.SetCoverage(cov)
	return proj, cov, d
}

// demoView returns the demo province's teams in a dispatch view, and its
// regions with their outlines.
func demoView(tb testing.TB) (*plan.Projection, *demoRegions, *demo.Data) {
	tb.Helper()
	d := demo.Province()
	bs, err := regions.ParseBoundaries(demo.Outlines(), geo.WGS84)
	if err != nil {
		tb.Fatal(err)
	}
	outline := map[string]string{}
	for _, b := range bs {
		outline[b.Code] = b.Geometry
	}
	rs := &demoRegions{names: map[string]string{}}
	var tree []regions.Region
	for _, r := range d.Regions {
		r.Boundary = outline[r.Code]
		tree = append(tree, r)
		rs.names[r.Code] = r.Name
	}
	rs.idx = regions.NewIndex(tree)
	proj := plan.NewProjection(plan.ProjectionConfig{})
	proj.Fill(d.Items, d.Teams, nil, nil, 1)
	return proj, rs, d
}

// setStatus applies a team.status event to the view, as a dispatch does.
func setStatus(tb testing.TB, proj *plan.Projection, id int64, team string, st resources.TeamStatus) {
	tb.Helper()
	data, _ := json.Marshal(map[string]any{"team": team, "status": st})
	proj.Apply(dispatchd.Event{ID: id, Type: "team.status", Subject: team, Data: data})
}

func TestDemoProvinceDispatch(t *testing.T) {
	proj, cov, d := demoProvince(t)
	ctx := context.Background()
	caps := cov.Capabilities()
	if len(caps) < 5 {
		t.Fatalf("got capabilities %v, want the demo's", caps)
	}
	rep, err := cov.Report(ctx, dispatchd.Actor{}, "330000", caps[0])
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cells < 20000 || len(rep.Counties) < 80 || rep.Share <= 0 {
		t.Fatalf("got %d cells, %d counties, share %v: want the province", rep.Cells, len(rep.Counties), rep.Share)
	}
	t.Logf("the province: %d counties, %d cells, %s share %v", len(rep.Counties), rep.Cells, caps[0], rep.Share)
	if city, err := cov.Report(ctx, dispatchd.Actor{}, "330100", "mine_rescue"); err == nil {
		t.Logf("330100 mine_rescue: %+v", *city)
	}
	// Dispatching a team costs its county what its pick's coverage said.
	var tm resources.Team
	for _, x := range d.Teams {
		if len(x.Capabilities) > 0 {
			c, ok := cov.CoverageCost(x.ID, x.Capabilities[0])
			if ok && c.After < c.Share {
				tm = x
				break
			}
		}
	}
	if tm.ID == "" {
		t.Fatal("no team whose dispatch costs coverage")
	}
	c, _ := cov.CoverageCost(tm.ID, tm.Capabilities[0])
	start := time.Now()
	setStatus(t, proj, 2, tm.ID, resources.TeamAssigned)
	if err := cov.Sync(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	after, err := cov.Report(ctx, dispatchd.Actor{}, c.Region, c.Capability)
	if err != nil {
		t.Fatal(err)
	}
	if after.Share != c.After {
		t.Fatalf("team %s dispatched: county %s share %v, the pick said %v", tm.ID, c.Region, after.Share, c.After)
	}
	t.Logf("dispatch of %s: %s %s %v -> %v, recomputed in %v", tm.ID, c.Region, c.Capability, c.Share, c.After, took)
	// Scoping: a county outside the jurisdiction is not found.
	_, err = cov.Report(ctx, dispatchd.Actor{Jurisdiction: "330100"}, "330200", c.Capability)
	if dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		t.Fatalf("got %v, want not_found", err)
	}
	if _, err := cov.Report(ctx, dispatchd.Actor{}, "330000", "no_such"); dispatchd.ErrorCode(err) != dispatchd.EINVALID {
		t.Fatalf("got %v, want invalid", err)
	}
}

// BenchmarkCoverageAfterDispatch measures the recompute after one
// dispatch on the demo province (602 teams, about 90 counties): the team
// leaves (assigned) and comes back, each followed by a Sync.
func BenchmarkCoverageAfterDispatch(b *testing.B) {
	proj, cov, d := demoProvince(b)
	ctx := context.Background()
	id := int64(2)
	b.ResetTimer()
	for i := range b.N {
		tm := d.Teams[i%len(d.Teams)].ID
		st := resources.TeamAssigned
		if (i/len(d.Teams))%2 == 1 {
			st = resources.TeamAvailable
		}
		setStatus(b, proj, id, tm, st)
		id++
		if err := cov.Sync(ctx, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCoverageFromScratch is the baseline of
// BenchmarkCoverageAfterDispatch: the demo province's coverage computed
// whole, the grid laid and every team's discs drawn, as at start.
func BenchmarkCoverageFromScratch(b *testing.B) {
	proj, rs, _ := demoView(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := coverage.NewService(coverage.Config{}, proj, rs).Sync(ctx, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
