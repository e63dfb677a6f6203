package plan_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"dispatchd/demo"
	"dispatchd/dispatch/plan"
	"dispatchd/dispatch/plan/plantest"
	"dispatchd/geo"
	"dispatchd/resources"
)

// The county of the tests (淳安县), a neighbour in the same city (建德市),
// and the incident in the first.
const (
	county    = "330127"
	neighbour = "330182"
)

var scene = geo.Point{Lon: 119.0, Lat: 29.6}

// east returns a point km kilometres east of the incident.
func east(km float64) geo.Point { return geo.Point{Lon: scene.Lon + km/97, Lat: scene.Lat} }

// ownScene is a projection where the county's own water rescue teams and
// its depot are farther from the incident than the neighbour's: a1 at 30
// km and a2 at 40 (the county's), b1 at 5 km and b2 at 10 (the
// neighbour's); hazmat only in the neighbour (h1); depot dA of the county
// at 30 km with 100 tents, dB of the neighbour at 5 km with 500.
func ownScene(t *testing.T) *plan.Projection {
	t.Helper()
	team := func(id, region, capability string, km float64) resources.Team {
		return resources.Team{ID: id, Name: id, Kind: resources.Social, Capabilities: []string{capability}, Base: east(km),
			Region: region, Status: resources.TeamAvailable}
	}
	p := plan.NewProjection(plan.ProjectionConfig{})
	p.Fill([]resources.Item{{Code: "1010101", Name: "帐篷", Unit: "顶", Kind: resources.Material}},
		[]resources.Team{team("a1", county, "water_rescue", 30), team("a2", county, "water_rescue", 40),
			team("b1", neighbour, "water_rescue", 5), team("b2", neighbour, "water_rescue", 10), team("h1", neighbour, "hazmat", 8)},
		[]resources.Depot{{ID: "dA", Name: "dA", Tier: resources.County, Reserve: resources.Physical, Location: east(30), Region: county},
			{ID: "dB", Name: "dB", Tier: resources.County, Reserve: resources.Physical, Location: east(5), Region: neighbour}},
		[]resources.Stock{{Depot: "dA", Item: "1010101", Available: 100}, {Depot: "dB", Item: "1010101", Available: 500}}, 1)
	return p
}

type pickOut struct {
	team    string
	support bool
	owner   string
	meets   bool
}

func picksOf(tp plan.TeamPlan) []pickOut {
	var out []pickOut
	for _, pk := range tp.Picks {
		out = append(out, pickOut{pk.Team.ID, pk.NeedsSupport, pk.Owner, pk.MeetsDeadline})
	}
	return out
}

type lineOut struct {
	depot     string
	qty       int64
	available int64
	support   bool
	owner     string
}

func linesOf(ip plan.ItemPlan) []lineOut {
	var out []lineOut
	for _, l := range ip.Plan {
		out = append(out, lineOut{l.Depot.ID, l.Qty, l.Available, l.NeedsSupport, l.Owner})
	}
	return out
}

// TestOwnFirst: a county's plan takes its own teams and depots before
// nearer ones of its neighbour; when its own are too few, too late, or
// none, it adds the best outside ones, marked as needing support with
// their owner, and shows no more of their stock than it proposes. The
// whole deployment's plan is ranked by ETA alone.
func TestOwnFirst(t *testing.T) {
	p := ownScene(t)
	now := time.Now()
	later := now.Add(6 * time.Hour)
	// The ETA of a road team at 20 km: b1 and b2 arrive before it, a1 and a2 after.
	probe := p.Suggest(plan.Request{Incident: "probe", Location: scene, Deadline: later,
		Needs: plan.Needs{Teams: []plan.TeamNeed{{Capability: "water_rescue", Count: 4}}}}, plan.Open{}, plan.Config{}, now)
	etas := map[string]float64{}
	for _, pk := range probe.Teams[0].Picks {
		etas[pk.Team.ID] = pk.EtaS
	}
	tight := now.Add(time.Duration((etas["b2"] + etas["a1"]) / 2 * float64(time.Second)))

	for _, tt := range []struct {
		name         string
		jurisdiction string
		deadline     time.Time
		need         plan.TeamNeed
		tents        int64
		picks        []pickOut
		alternates   []string
		shortfall    int
		lines        []lineOut
		short        int64
		support      int64
	}{
		{name: "own first", jurisdiction: county, deadline: later, need: plan.TeamNeed{Capability: "water_rescue", Count: 1}, tents: 80,
			picks: []pickOut{{"a1", false, county, true}}, alternates: []string{"a2"},
			lines: []lineOut{{"dA", 80, 100, false, county}}},
		{name: "too few", jurisdiction: county, deadline: later, need: plan.TeamNeed{Capability: "water_rescue", Count: 3}, tents: 150,
			picks:      []pickOut{{"a1", false, county, true}, {"a2", false, county, true}, {"b1", true, neighbour, true}},
			alternates: []string{},
			lines:      []lineOut{{"dA", 100, 100, false, county}, {"dB", 50, 50, true, neighbour}}, support: 50},
		{name: "too late", jurisdiction: county, deadline: tight, need: plan.TeamNeed{Capability: "water_rescue", Count: 1}, tents: 150,
			picks: []pickOut{{"a1", false, county, false}, {"b1", true, neighbour, true}}, alternates: []string{"a2"},
			// dA's 100 arrive late: dB sends the 50 dA lacks and 100 more in time.
			lines: []lineOut{{"dA", 100, 100, false, county}, {"dB", 150, 150, true, neighbour}}, support: 150},
		{name: "none of its own", jurisdiction: county, deadline: later, need: plan.TeamNeed{Capability: "hazmat", Count: 2}, tents: 600,
			picks: []pickOut{{"h1", true, neighbour, true}}, alternates: []string{}, shortfall: 1,
			lines: []lineOut{{"dA", 100, 100, false, county}, {"dB", 500, 500, true, neighbour}}, support: 500},
		{name: "whole deployment", jurisdiction: "", deadline: later, need: plan.TeamNeed{Capability: "water_rescue", Count: 1}, tents: 150,
			picks: []pickOut{{"b1", false, neighbour, true}}, alternates: []string{"b2", "a1", "a2"},
			lines: []lineOut{{"dB", 150, 500, false, neighbour}}},
		{name: "the city owns both", jurisdiction: "330100", deadline: later, need: plan.TeamNeed{Capability: "water_rescue", Count: 1}, tents: 150,
			picks: []pickOut{{"b1", false, neighbour, true}}, alternates: []string{"b2", "a1", "a2"},
			lines: []lineOut{{"dB", 150, 500, false, neighbour}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := plan.Request{Incident: "i", Location: scene, Deadline: tt.deadline, Jurisdiction: tt.jurisdiction,
				Needs: plan.Needs{Teams: []plan.TeamNeed{tt.need}, Items: []resources.ItemQty{{Item: "1010101", Qty: tt.tents}}}}
			s := p.Suggest(in, plan.Open{}, plan.Config{}, now)
			tp, ip := s.Teams[0], s.Items[0]
			var alts []string
			for _, pk := range tp.Alternates {
				alts = append(alts, pk.Team.ID)
			}
			if got := picksOf(tp); !slices.Equal(got, tt.picks) || !slices.Equal(alts, tt.alternates) && len(alts)+len(tt.alternates) > 0 || tp.Shortfall != tt.shortfall {
				t.Fatalf("got picks %+v alternates %v shortfall %d, want %+v %v %d", got, alts, tp.Shortfall, tt.picks, tt.alternates, tt.shortfall)
			}
			support := 0
			for _, pk := range tt.picks {
				if pk.support {
					support++
				}
			}
			if tp.SupportCount != support {
				t.Errorf("got support_count %d, want %d", tp.SupportCount, support)
			}
			if got := linesOf(ip); !slices.Equal(got, tt.lines) || ip.Shortfall != tt.short || ip.SupportQty != tt.support {
				t.Fatalf("got lines %+v shortfall %d support %d, want %+v %d %d", got, ip.Shortfall, ip.SupportQty, tt.lines, tt.short, tt.support)
			}
			hasReason := slices.ContainsFunc(append(tp.Reasons, ip.Reasons...), func(r plan.Reason) bool { return r.Code == plan.NeedsSupport })
			if hasReason != (support > 0 || tt.support > 0) {
				t.Errorf("got reasons %+v %+v: want needs_support exactly when a pick or line needs it", tp.Reasons, ip.Reasons)
			}
			samePlan(t, 0, s, plantest.SuggestBrute(p, in, plan.Open{}, plan.Config{}, now))
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if support > 0 && !strings.Contains(string(b), `"why":"needs support from `+neighbour+`: #1 by ETA`) {
				t.Errorf("got %s, want the outside pick's why to name its owner", b)
			}
			if tt.support > 0 && !strings.Contains(string(b), `{"code":"needs_support","message":"`+strconv.FormatInt(tt.support, 10)+` 顶 need support from outside the jurisdiction: `) {
				t.Errorf("got %s, want the item's needs_support reason written", b)
			}
		})
	}
}

// TestWholeDeploymentUnchanged: on the demo province, whose teams and
// depots all lie in 330000, the province's plan is the whole deployment's,
// pick for pick and line for line, and nothing needs support.
func TestWholeDeploymentUnchanged(t *testing.T) {
	d := demo.Province()
	p := d.Projection(d.Teams)
	now := time.Now()
	for _, in := range d.Incidents(50, 3) {
		in.Deadline = now.Add(time.Hour)
		all := p.Suggest(in, plan.Open{}, plan.Config{}, now)
		in.Jurisdiction = "330000"
		prov := p.Suggest(in, plan.Open{}, plan.Config{}, now)
		for i, tp := range all.Teams {
			pp := prov.Teams[i]
			if !slices.Equal(picksOf(tp), picksOf(pp)) || len(tp.Alternates) != len(pp.Alternates) || tp.Shortfall != pp.Shortfall || tp.SupportCount != 0 || pp.SupportCount != 0 {
				t.Fatalf("need %s: got %+v for the province, want %+v as for the whole deployment", tp.Need, pp, tp)
			}
		}
		for i, ip := range all.Items {
			pp := prov.Items[i]
			if !slices.Equal(linesOf(ip), linesOf(pp)) || ip.Shortfall != pp.Shortfall || ip.SupportQty != 0 || pp.SupportQty != 0 {
				t.Fatalf("item %s: got %+v for the province, want %+v as for the whole deployment", ip.Item, linesOf(pp), linesOf(ip))
			}
			for _, l := range ip.Plan {
				if l.NeedsSupport {
					t.Fatalf("item %s: got a line needing support in the whole deployment's plan", ip.Item)
				}
			}
		}
	}
}
