package plan_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/demo"
	"dispatchd/dispatch/plan"
	"dispatchd/dispatch/plan/plantest"
	"dispatchd/geo"
	"dispatchd/resources"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 0.2 }

// samePlan compares an indexed plan with the brute-force one: the same
// ETAs in the same order, own or needing support alike, and the same
// quantities. Ids may differ only between candidates at the same ETA.
func samePlan(t *testing.T, seed int, got, want *plan.Suggestion) {
	t.Helper()
	for i, tp := range got.Teams {
		wp := want.Teams[i]
		g, w := append(tp.Picks, tp.Alternates...), append(wp.Picks, wp.Alternates...)
		if len(g) != len(w) || tp.Shortfall != wp.Shortfall || len(tp.Picks) != len(wp.Picks) || tp.SupportCount != wp.SupportCount {
			t.Fatalf("seed %d need %s for %q: got %d picks+alternates (short %d, support %d), brute force %d (short %d, support %d)",
				seed, tp.Need, want.Incident, len(g), tp.Shortfall, tp.SupportCount, len(w), wp.Shortfall, wp.SupportCount)
		}
		for j := range g {
			if !near(g[j].EtaS, w[j].EtaS) || g[j].EtaS == w[j].EtaS && g[j].Team.ID != w[j].Team.ID ||
				g[j].NeedsSupport != w[j].NeedsSupport || g[j].Team.ID == w[j].Team.ID && g[j].Owner != w[j].Owner {
				t.Fatalf("seed %d need %s rank %d: got %s at %v s (support %v, owner %s), brute force %s at %v s (support %v, owner %s)",
					seed, tp.Need, j, g[j].Team.ID, g[j].EtaS, g[j].NeedsSupport, g[j].Owner, w[j].Team.ID, w[j].EtaS, w[j].NeedsSupport, w[j].Owner)
			}
		}
	}
	for i, ip := range got.Items {
		wp := want.Items[i]
		if len(ip.Plan) != len(wp.Plan) || ip.Shortfall != wp.Shortfall || ip.SupportQty != wp.SupportQty || ip.LateQty != wp.LateQty {
			t.Fatalf("seed %d item %s: got %d lines (short %d, support %d, late %d), brute force %d (short %d, support %d, late %d)",
				seed, ip.Item, len(ip.Plan), ip.Shortfall, ip.SupportQty, ip.LateQty, len(wp.Plan), wp.Shortfall, wp.SupportQty, wp.LateQty)
		}
		for j := range ip.Plan {
			g, w := ip.Plan[j], wp.Plan[j]
			if !near(g.EtaS, w.EtaS) || g.NeedsSupport != w.NeedsSupport || g.Depot.ID == w.Depot.ID && (g.Qty != w.Qty || g.Available != w.Available || g.Owner != w.Owner) {
				t.Fatalf("seed %d item %s line %d: got %+v, brute force %+v", seed, ip.Item, j, g, w)
			}
		}
	}
}

// jurisdiction returns whom the property test plans for: the whole
// deployment, the province (which owns all the demo's teams and depots), a
// city, the incident's county, and a township (which owns nothing).
func jurisdiction(r *rand.Rand, county string) string {
	switch r.IntN(5) {
	case 0:
		return ""
	case 1:
		return "330000"
	case 2:
		return dispatchd.RegionParent(county)
	case 3:
		return county
	}
	return county + "001"
}

// TestSuggestMatchesBruteForce is the property test of suggestions: on
// random teams (random statuses, some with fresh positions, some stale)
// and random stock, changed by events as the feed changes them (statuses,
// regions, stock), for random jurisdictions and deadlines, the indexed
// plan equals a full scan's.
func TestSuggestMatchesBruteForce(t *testing.T) {
	d := demo.Province()
	now := time.Now()
	// What the plans exercised: own picks and lines, outside ones for what
	// the own lack, outside ones for own that arrive late.
	var own, lack, late, lines, support int
	for seed := range 30 {
		r := rand.New(rand.NewPCG(uint64(seed), 9))
		teams := d.StressTeams(600 + r.IntN(4400))
		for i := range teams {
			if r.IntN(4) == 0 {
				teams[i].Status = resources.TeamStatuses[r.IntN(len(resources.TeamStatuses))]
			}
		}
		p := d.Projection(teams)
		for _, tm := range teams {
			switch r.IntN(3) {
			case 0: // a fresh position a few km from base
				p.SetPosition(tm.ID, geo.Point{Lon: tm.Base.Lon + r.Float64()*0.1, Lat: tm.Base.Lat + r.Float64()*0.1}, now.Add(-time.Minute))
			case 1: // a stale one, far away: must not be used
				p.SetPosition(tm.ID, geo.Point{Lon: tm.Base.Lon + 1, Lat: tm.Base.Lat}, now.Add(-time.Hour))
			}
		}
		churn(t, r, p, d, teams)
		cfg := plan.Config{AgreementLead: time.Duration(r.IntN(4)) * time.Hour}
		ins := d.InCounties(d.Incidents(10, uint64(seed)))
		for i, in := range ins {
			in.Needs.Items[0].Qty = 1_000_000 // a shortfall on every incident
			in.Jurisdiction = jurisdiction(r, in.Jurisdiction)
			if i%2 == 0 { // a deadline some teams and depots miss
				in.Deadline = now.Add(time.Duration(5+r.IntN(55)) * time.Minute)
			}
			got := p.Suggest(in, plan.Open{}, cfg, now)
			want := plantest.SuggestBrute(p, in, plan.Open{}, cfg, now)
			samePlan(t, seed, got, want)
			for _, tp := range got.Teams {
				n := len(tp.Picks) - tp.SupportCount
				own += n
				if tp.SupportCount > 0 && n < tp.Count {
					lack++
				}
				if tp.SupportCount > 0 && n == tp.Count {
					late++
				}
			}
			for _, ip := range got.Items {
				for _, l := range ip.Plan {
					if l.NeedsSupport {
						support++
					} else {
						lines++
					}
				}
			}
		}
	}
	if own == 0 || lack == 0 || late == 0 || lines == 0 || support == 0 {
		t.Fatalf("got %d own picks, %d needs short of own teams, %d with own teams late, %d own lines, %d lines needing support: want some of each",
			own, lack, late, lines, support)
	}
	t.Logf("%d own picks, %d needs short of own teams, %d with own teams late, %d own lines, %d lines needing support", own, lack, late, lines, support)
}

// churn changes the projection through the events that change it: team
// statuses and regions, depot regions, stock levels.
func churn(t *testing.T, r *rand.Rand, p *plan.Projection, d *demo.Data, teams []resources.Team) {
	t.Helper()
	apply := func(typ string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p.Apply(dispatchd.Event{ID: p.Last() + 1, Type: typ, Data: b})
	}
	region := func() string { return teams[r.IntN(len(teams))].Region }
	for range 200 {
		switch r.IntN(4) {
		case 0:
			tm := teams[r.IntN(len(teams))]
			apply("team.status", map[string]any{"team": tm.ID, "status": resources.TeamStatuses[r.IntN(len(resources.TeamStatuses))]})
		case 1:
			i := r.IntN(len(teams))
			teams[i].Region = region()
			apply("team.updated", teams[i])
		case 2:
			dp := d.Depots[r.IntN(len(d.Depots))]
			dp.Region = region()
			apply("depot.updated", dp)
		case 3:
			l := d.Stock[r.IntN(len(d.Stock))]
			apply("stock.adjusted", resources.StockEvent{Depot: l.Depot, Lines: []resources.LedgerLine{
				{Depot: l.Depot, Item: l.Item, OnHand: int64(r.IntN(2)) * l.OnHand}}})
		}
	}
}

func TestSuggestReasons(t *testing.T) {
	d := demo.Province()
	p := d.Projection(d.Teams)
	now := time.Now()
	teams := d.Teams
	in := plan.Request{Incident: "i1", Location: teams[0].Base, Deadline: now.Add(600 * time.Second),
		Needs: plan.Needs{
			Teams: []plan.TeamNeed{{Capability: "no_such_skill", Count: 1}, {Capability: "water_rescue", Count: 10000}},
			Items: []resources.ItemQty{{Item: "9999999", Qty: 5}, {Item: d.Items[0].Code, Qty: 1 << 40}},
		}}
	s := p.Suggest(in, plan.Open{}, plan.Config{}, now)
	codes := func(rs []plan.Reason) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			m[r.Code] = true
		}
		return m
	}
	if c := codes(s.Teams[0].Reasons); !c[plan.NoCapability] || s.Teams[0].Shortfall != 1 {
		t.Fatalf("got %+v, want no_capability", s.Teams[0])
	}
	if c := codes(s.Teams[1].Reasons); !c[plan.AllBusy] || !c[plan.Late] {
		t.Fatalf("got reasons %+v, want all_busy and late (10 minutes to the whole province)", s.Teams[1].Reasons)
	}
	if c := codes(s.Items[0].Reasons); !c[plan.UnknownItem] {
		t.Fatalf("got %+v, want unknown_item", s.Items[0])
	}
	if c := codes(s.Items[1].Reasons); !c[plan.StockExhausted] || s.Items[1].Shortfall == 0 {
		t.Fatalf("got %+v, want stock_exhausted", s.Items[1].Reasons)
	}
	for _, pk := range s.Teams[1].Picks {
		if pk.From != "base" {
			t.Fatalf("got pick %+v, want ranking from base", pk)
		}
	}
	var enc struct {
		Teams []struct{ Picks []struct{ Why string } }
		Items []struct{ Plan []struct{ Why string } }
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &enc); err != nil {
		t.Fatal(err)
	}
	if w := enc.Teams[1].Picks[0].Why; !strings.HasPrefix(w, "#1 by ETA of the available teams with water_rescue; ") || !strings.Contains(w, "km, ETA ") {
		t.Fatalf("got why %q", w)
	}
	if w := enc.Items[1].Plan[0].Why; !strings.Contains(w, " depot, ") {
		t.Fatalf("got why %q", w)
	}
	// What is already covered is not planned again.
	cov := p.Suggest(in, plan.Open{Teams: map[string]int{"water_rescue": 10000}}, plan.Config{}, now)
	if len(cov.Teams[1].Picks) != 0 || cov.Teams[1].Covered != 10000 {
		t.Fatalf("got %+v, want nothing planned for a covered need", cov.Teams[1])
	}
}

func TestStalePositionRanksFromBase(t *testing.T) {
	now := time.Now()
	p := plan.NewProjection(plan.ProjectionConfig{StaleAfter: 5 * time.Minute})
	base := geo.Point{Lon: 120, Lat: 30}
	p.Fill(nil, []resources.Team{
		{ID: "a", Name: "A", Kind: resources.FireRescue, Capabilities: []string{"hazmat"}, Base: base, Status: resources.TeamAvailable},
		{ID: "b", Name: "B", Kind: resources.FireRescue, Capabilities: []string{"hazmat"}, Base: geo.Point{Lon: 120.3, Lat: 30}, Status: resources.TeamAvailable},
	}, nil, nil, 0)
	in := plan.Request{Incident: "i", Location: geo.Point{Lon: 120.31, Lat: 30}, Deadline: now.Add(3600 * time.Second),
		Needs: plan.Needs{Teams: []plan.TeamNeed{{Capability: "hazmat", Count: 1}}}}
	// a reported a position right at the incident, then went quiet.
	p.SetPosition("a", geo.Point{Lon: 120.31, Lat: 30.001}, now.Add(-time.Minute))
	if got := p.Suggest(in, plan.Open{}, plan.Config{}, now).Teams[0].Picks[0]; got.Team.ID != "a" || got.From != "position" || got.Stale {
		t.Fatalf("got %+v, want a from its fresh position", got)
	}
	later := now.Add(10 * time.Minute)
	got := p.Suggest(in, plan.Open{}, plan.Config{}, later).Teams[0]
	if got.Picks[0].Team.ID != "b" || got.Alternates[0].Team.ID != "a" || !got.Alternates[0].Stale || got.Alternates[0].From != "base" {
		t.Fatalf("got %+v, want b first and a ranked from its base, marked stale", got)
	}
}

// benchSuggest times suggestions for commanders of the whole deployment
// (as ""), the province ("province": everything of the demo is its own,
// through the scoped path) or the county each incident lies in ("county").
func benchSuggest(b *testing.B, teams int, brute bool, as string) {
	d := demo.Province()
	p := d.Projection(d.StressTeams(teams))
	ins := d.Incidents(1000, 1)
	switch as {
	case "province":
		for i := range ins {
			ins[i].Jurisdiction = "330000"
		}
	case "county":
		ins = d.InCounties(ins)
	}
	now := time.Now()
	i := 0
	for b.Loop() {
		in := ins[i%len(ins)]
		if brute {
			plantest.SuggestBrute(p, in, plan.Open{}, plan.Config{}, now)
		} else {
			p.Suggest(in, plan.Open{}, plan.Config{}, now)
		}
		i++
	}
}

func BenchmarkSuggest600(b *testing.B)          { benchSuggest(b, 600, false, "") }
func BenchmarkSuggestBrute600(b *testing.B)     { benchSuggest(b, 600, true, "") }
func BenchmarkSuggest5000(b *testing.B)         { benchSuggest(b, 5000, false, "") }
func BenchmarkSuggestBrute5000(b *testing.B)    { benchSuggest(b, 5000, true, "") }
func BenchmarkSuggestProvince600(b *testing.B)  { benchSuggest(b, 600, false, "province") }
func BenchmarkSuggestProvince5000(b *testing.B) { benchSuggest(b, 5000, false, "province") }
func BenchmarkSuggestCounty600(b *testing.B)    { benchSuggest(b, 600, false, "county") }
func BenchmarkSuggestCounty5000(b *testing.B)   { benchSuggest(b, 5000, false, "county") }
