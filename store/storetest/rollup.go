package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/geo"
	"dispatchd/regions"
)

// rollupTree is Zhejiang with two cities and Hangzhou's counties that the
// board uses; 330103 (a team's) and 330203 are not listed.
var rollupTree = []regions.Region{
	{Code: "330000", Name: "浙江省", Level: regions.Province},
	{Code: "330100", Name: "杭州市", Level: regions.City, Parent: "330000"},
	{Code: "330200", Name: "宁波市", Level: regions.City, Parent: "330000"},
	{Code: "330106", Name: "西湖区", Level: regions.County, Parent: "330100"},
	{Code: "330108", Name: "滨江区", Level: regions.County, Parent: "330100"},
	{Code: "330109", Name: "萧山区", Level: regions.County, Parent: "330100"},
	{Code: "330110", Name: "余杭区", Level: regions.County, Parent: "330100"},
	{Code: "330111", Name: "富阳区", Level: regions.County, Parent: "330100"},
}

// rollupBoard is the board with the tree and five incidents: open floods
// in 萧山 (level 2), in 海曙 of 宁波 (level 2) and with no region (level 4),
// a confirmed mine accident in 富阳 (level 3), and a cancelled flood in
// 萧山.
func rollupBoard(t *testing.T, s Store) (*board, map[string]*dispatch.Incident) {
	t.Helper()
	c := ctx(t)
	b := newBoard(t, s)
	noErr(t, s.PutRegions(c, rollupTree, nil))
	ins := map[string]*dispatch.Incident{}
	for _, in := range []struct {
		name, typ, region string
		level             int
	}{
		{"xiaoshan", "flood", "330109", 2},
		{"fuyang", "mine_accident", "330111", 3},
		{"cancelled", "flood", "330109", 1},
		{"nowhere", "flood", "", 4},
		{"haishu", "flood", "330203", 2},
	} {
		ins[in.name] = ok(b.svc.CreateIncident(c, commander, dispatch.Incident{Type: in.typ, Level: in.level, Title: in.name,
			Location: geo.Point{Lon: 120.2, Lat: 30.2}, Region: in.region})).get(t)
	}
	ok(b.svc.SetIncidentStatus(c, commander, ins["fuyang"].ID, dispatch.Confirmed, "")).get(t)
	ok(b.svc.SetIncidentStatus(c, commander, ins["cancelled"].ID, dispatch.Cancelled, "duplicate")).get(t)
	return b, ins
}

// counts writes the counts a test compares: open incidents and by level
// 1-4, teams, incoming and outgoing requests, then on hand of each item.
func counts(c regions.Counts) string {
	l := c.Incidents.ByLevel
	out := fmt.Sprintf("i%d(%d%d%d%d) t%d r%d/%d", c.Incidents.Open, l["1"], l["2"], l["3"], l["4"], c.Teams.Total,
		c.SupportRequests.Incoming, c.SupportRequests.Outgoing)
	for _, st := range c.Stock {
		out += fmt.Sprintf(" %s=%d/%d", st.Item, st.OnHand, st.Available)
	}
	return out
}

func summary(s *regions.Summary) string {
	out := fmt.Sprintf("%s[%s]", s.Region.Code, counts(s.Totals))
	for _, ch := range s.Children {
		out += fmt.Sprintf(" %s{%s}", ch.Region.Code, counts(ch.Counts))
	}
	return out
}

func testRollup(t *testing.T, s Store) {
	c := ctx(t)
	rollupBoard(t, s)
	r := regions.NewRollup(s)
	everywhere := dispatchd.Actor{Username: "commander", Role: dispatchd.RoleCommander}
	flood := dispatchd.Actor{Username: "flood-desk", Role: dispatchd.RoleCommander, Jurisdiction: "330000", Types: []string{"flood", "typhoon"}}
	xiaoshan := dispatchd.Actor{Username: "commander-330109", Role: dispatchd.RoleCommander, Jurisdiction: "330109"}
	none := dispatchd.Actor{Username: "mine", Role: dispatchd.RoleViewer, Types: []string{}}
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name   string
		actor  dispatchd.Actor
		region *string
		items  []string
		want   string
	}{
		// The only top-level region is the default of a whole-deployment
		// actor; 330103 and 330203 count in their cities.
		{"province", everywhere, nil, []string{"1010101"},
			"330000[i3(0210) t4 r0/0 1010101=300/300] 330100{i2(0110) t4 r0/0 1010101=300/300} 330200{i1(0100) t0 r0/0 1010101=0/0}"},
		// The top level counts the incident with no region in its totals.
		{"top", everywhere, str(""), nil, "[i4(0211) t4 r0/0] 330000{i3(0210) t4 r0/0}"},
		// The city's depot (330100) and the team of 330103 are in no county.
		{"city", everywhere, str("330100"), []string{"3010101", "1010101"},
			"330100[i2(0110) t4 r0/0 3010101=3000/3000 1010101=300/300] " +
				"330106{i0(0000) t1 r0/0 3010101=0/0 1010101=0/0} 330108{i0(0000) t1 r0/0 3010101=0/0 1010101=0/0} " +
				"330109{i1(0100) t0 r0/0 3010101=1000/1000 1010101=100/100} 330110{i0(0000) t1 r0/0 3010101=0/0 1010101=0/0} " +
				"330111{i1(0010) t0 r0/0 3010101=1000/1000 1010101=100/100}"},
		{"desk", flood, nil, nil, "330000[i2(0200) t4 r0/0] 330100{i1(0100) t4 r0/0} 330200{i1(0100) t0 r0/0}"},
		{"county default", xiaoshan, nil, nil, "330109[i1(0100) t0 r0/0]"},
		{"no types", none, str("330100"), nil, "330100[i0(0000) t4 r0/0] 330106{i0(0000) t1 r0/0} 330108{i0(0000) t1 r0/0} " +
			"330109{i0(0000) t0 r0/0} 330110{i0(0000) t1 r0/0} 330111{i0(0000) t0 r0/0}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ok(r.Summarize(c, tc.actor, tc.region, tc.items)).get(t)
			if summary(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", summary(got), tc.want)
			}
		})
	}
	got := ok(r.Summarize(c, everywhere, str("330100"), nil)).get(t)
	if got.Region.Name != "杭州市" || got.Region.Level != regions.City || got.Children[0].Region.Name != "西湖区" ||
		got.Children[0].Teams.ByStatus["available"] != 1 || got.Totals.Incidents.ByStatus["confirmed"] != 1 {
		t.Fatalf("names and statuses: got %+v", got)
	}
	for _, tc := range []struct {
		name   string
		actor  dispatchd.Actor
		region string
		items  []string
		code   string
	}{
		{"outside", xiaoshan, "330100", nil, dispatchd.ENOTFOUND},
		{"sibling", xiaoshan, "330111", nil, dispatchd.ENOTFOUND},
		{"top for a county", xiaoshan, "", nil, dispatchd.ENOTFOUND},
		{"unknown", everywhere, "330199", nil, dispatchd.ENOTFOUND},
		{"unknown item", everywhere, "330100", []string{"9999999"}, dispatchd.EINVALID},
		{"bad item", everywhere, "330100", []string{"tent"}, dispatchd.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Summarize(c, tc.actor, &tc.region, tc.items)
			wantCode(t, err, tc.code)
		})
	}
}

// RollupRequests checks that the roll-up counts open support requests to
// and from each region. exec runs a statement on the same database as s:
// the suite writes the requests' rows directly, whatever service makes
// them.
func RollupRequests(t *testing.T, s Store, exec func(ctx context.Context, sql string, args ...any) error) {
	c := ctx(t)
	_, ins := rollupBoard(t, s)
	now := time.Now().UTC()
	for i, rq := range []struct {
		incident, from, to, status string
	}{
		{ins["xiaoshan"].ID, "330109", "330100", "requested"}, // within 杭州
		{ins["xiaoshan"].ID, "330109", "330000", "escalated"}, // to the province
		{ins["haishu"].ID, "330203", "330100", "answered"},    // 宁波 asks 杭州
		{ins["fuyang"].ID, "330111", "330200", "requested"},   // a mine accident: not the flood desk's
		{ins["xiaoshan"].ID, "330109", "330200", "declined"},  // closed ones do not count
		{ins["xiaoshan"].ID, "330109", "330200", "closed"},
	} {
		doc, _ := json.Marshal(map[string]string{"id": fmt.Sprint("sr", i)})
		noErr(t, exec(c, `INSERT INTO support_requests (id, incident_id, from_region, to_region, status, respond_by, escalated, hazard, doc)
			VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8)`, fmt.Sprint("sr", i), rq.incident, rq.from, rq.to, rq.status, now, false, string(doc)))
	}
	r := regions.NewRollup(s)
	flood := dispatchd.Actor{Username: "flood-desk", Role: dispatchd.RoleCommander, Jurisdiction: "330000", Types: []string{"flood"}}
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name   string
		actor  dispatchd.Actor
		region *string
		want   string
	}{
		{"province", dispatchd.Actor{Role: dispatchd.RoleAdmin}, nil,
			"330000[i3(0210) t4 r4/4] 330100{i2(0110) t4 r2/3} 330200{i1(0100) t0 r1/1}"},
		{"desk", flood, nil, "330000[i2(0200) t4 r3/3] 330100{i1(0100) t4 r2/2} 330200{i1(0100) t0 r0/1}"},
		{"city", dispatchd.Actor{Role: dispatchd.RoleAdmin}, str("330100"),
			"330100[i2(0110) t4 r2/3] 330106{i0(0000) t1 r0/0} 330108{i0(0000) t1 r0/0} " +
				"330109{i1(0100) t0 r0/2} 330110{i0(0000) t1 r0/0} 330111{i1(0010) t0 r0/1}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ok(r.Summarize(c, tc.actor, tc.region, nil)).get(t)
			if summary(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", summary(got), tc.want)
			}
		})
	}
}
