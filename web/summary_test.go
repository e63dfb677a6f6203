package web_test

import (
	"context"
	"fmt"
	"testing"

	"dispatchd/regions"
)

// summaryTree is the province with two cities and a county of each.
var summaryTree = []regions.Region{
	{Code: "330000", Name: "浙江省", Level: regions.Province},
	{Code: "330100", Name: "杭州市", Level: regions.City, Parent: "330000"},
	{Code: "330200", Name: "宁波市", Level: regions.City, Parent: "330000"},
	{Code: "330106", Name: "西湖区", Level: regions.County, Parent: "330100"},
	{Code: "330212", Name: "鄞州区", Level: regions.County, Parent: "330200"},
}

type summaryCounts struct {
	Incidents struct {
		Open     int            `json:"open"`
		ByLevel  map[string]int `json:"by_level"`
		ByStatus map[string]int `json:"by_status"`
	} `json:"incidents"`
	Teams struct {
		Total    int            `json:"total"`
		ByStatus map[string]int `json:"by_status"`
	} `json:"teams"`
	Stock []struct {
		Item      string `json:"item"`
		Name      string `json:"name"`
		OnHand    int64  `json:"on_hand"`
		Available int64  `json:"available"`
	} `json:"stock"`
}

type summaryBody struct {
	Region   regions.Ref   `json:"region"`
	Totals   summaryCounts `json:"totals"`
	Children []struct {
		Region regions.Ref `json:"region"`
		summaryCounts
	} `json:"children"`
}

// brief writes a summary as region[open incidents, teams] child{...}...
func (b summaryBody) brief() string {
	out := fmt.Sprintf("%s[%d %d]", b.Region.Code, b.Totals.Incidents.Open, b.Totals.Teams.Total)
	for _, c := range b.Children {
		out += fmt.Sprintf(" %s{%d %d}", c.Region.Code, c.Incidents.Open, c.Teams.Total)
	}
	return out
}

// TestSummary: GET /api/v1/summary rolls a region up per child, counting
// what the caller's jurisdiction and desk let it see, and answers 404 for
// a region outside the jurisdiction.
func TestSummary(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		if err := e.store.PutRegions(context.Background(), summaryTree, nil); err != nil {
			t.Fatal(err)
		}
		for _, in := range []map[string]any{
			{"type": "flood", "level": 2, "title": "西湖溢水", "location": map[string]float64{"lon": 120.13, "lat": 30.25}, "region": "330106"},
			{"type": "mine_accident", "level": 3, "title": "矿井透水", "location": map[string]float64{"lon": 121.5, "lat": 29.8}, "region": "330212"},
		} {
			e.mustJSON(e.as("commander", "POST", "/api/v1/incidents", in), 201, nil)
		}
		for _, u := range []map[string]any{
			{"username": "xihu", "role": "commander", "jurisdiction": "330106"},
			{"username": "floods", "role": "viewer", "jurisdiction": "330000", "desk": "flood"},
		} {
			u["password"] = "correct horse battery staple"
			e.mustJSON(e.as("admin", "POST", "/api/v1/users", u), 201, nil)
			var res struct{ Token string }
			e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]any{"username": u["username"], "password": u["password"]}), 200, &res)
			e.tokens[u["username"].(string)] = res.Token
		}
		for _, tc := range []struct{ user, query, want string }{
			{"commander", "", "330000[2 1] 330100{1 1} 330200{1 0}"},
			{"viewer", "?region=330100", "330100[1 1] 330106{1 1}"},
			{"admin", "?region=", "[2 1] 330000{2 1}"},
			{"xihu", "", "330106[1 1]"},
			{"floods", "", "330000[1 1] 330100{1 1} 330200{0 0}"},
		} {
			var b summaryBody
			e.mustJSON(e.as(tc.user, "GET", "/api/v1/summary"+tc.query, nil), 200, &b)
			if got := b.brief(); got != tc.want {
				t.Errorf("%s %s: got %s, want %s", tc.user, tc.query, got, tc.want)
			}
		}
		var b summaryBody
		e.mustJSON(e.as("commander", "GET", "/api/v1/summary?region=330100&items=1010101,2020101", nil), 200, &b)
		if b.Region.Name != "杭州市" || b.Region.Level != regions.City || len(b.Totals.Stock) != 2 || b.Totals.Stock[0].Name != "帐篷" ||
			b.Children[0].Region.Name != "西湖区" || b.Children[0].Incidents.ByLevel["2"] != 1 || b.Children[0].Incidents.ByStatus["reported"] != 1 ||
			b.Children[0].Teams.ByStatus["available"] != 1 {
			t.Errorf("got %+v", b)
		}
		for _, tc := range []struct{ user, query string }{
			{"xihu", "?region=330100"},
			{"xihu", "?region=330200"},
			{"xihu", "?region="},
			{"commander", "?region=330199"},
		} {
			e.mustProblem(e.as(tc.user, "GET", "/api/v1/summary"+tc.query, nil), 404)
		}
		e.mustProblem(e.as("commander", "GET", "/api/v1/summary?items=tent", nil), 400, "items")
		e.mustProblem(e.as("commander", "GET", "/api/v1/summary?items=9999999", nil), 400, "items")
	})
}
