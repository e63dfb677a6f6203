package web_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestSuggestionOwnFirst: on both stores, a county commander (淳安县,
// 330127) gets a plan of its own team and depot first, and the nearer team
// and stock of 建德市 (330182) it lacks marked as needing support, with
// their owner and its name; its dispatch member names only its own team
// and depot, and its support member asks 杭州市 (330100) for the rest. The
// province-wide commander gets the plan by ETA alone, all of it to
// dispatch and nothing to ask.
func TestSuggestionOwnFirst(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.board.SetRegionNames(func(code string) string {
			return map[string]string{"330127": "淳安县", "330182": "建德市"}[code]
		})
		for _, tm := range []struct {
			id, region string
			lon        float64
		}{{"own", "330127", 119.35}, {"next", "330182", 119.1}} {
			e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": tm.id, "name": "水上救援队 " + tm.id,
				"kind": "social", "capabilities": []string{"water_rescue"}, "region": tm.region,
				"base": map[string]float64{"lon": tm.lon, "lat": 29.6}}), 201, nil)
		}
		for _, dp := range []struct {
			id, region string
			lon        float64
			qty        int
		}{{"dc", "330127", 119.35, 100}, {"dn", "330182", 119.1, 300}} {
			e.mustJSON(e.as("commander", "POST", "/api/v1/depots", map[string]any{"id": dp.id, "name": "应急物资储备库 " + dp.id,
				"tier": "county", "location": map[string]float64{"lon": dp.lon, "lat": 29.6}, "region": dp.region}), 201, nil)
			e.mustJSON(e.as("commander", "POST", "/api/v1/depots/"+dp.id+"/stock/adjustments",
				map[string]any{"reason": "采购入库", "lines": []map[string]any{{"item": "1010101", "delta": dp.qty}}}), 200, nil)
		}
		e.mustJSON(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "commander-330127",
			"password": "harbour-lamp-42", "role": "commander", "jurisdiction": "330127"}), 201, nil)
		var login struct{ Token string }
		e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "commander-330127", "password": "harbour-lamp-42"}), 200, &login)
		e.tokens["commander-330127"] = login.Token

		id := newIncident(e, "inc-own", map[string]any{"region": "330127", "location": map[string]float64{"lon": 119.0, "lat": 29.6},
			"needs": map[string]any{"teams": []map[string]any{{"capability": "water_rescue", "count": 2}},
				"items": []map[string]any{{"item": "1010101", "qty": 250}}}})

		type owned struct {
			ID           string
			NeedsSupport bool
			Owner        string
			OwnerName    string
			Qty          int64
		}
		var county struct {
			ID    string `json:"id"`
			Teams []struct {
				Picks []struct {
					Team         struct{ ID string } `json:"team"`
					NeedsSupport bool                `json:"needs_support"`
					Owner        string              `json:"owner"`
					OwnerName    string              `json:"owner_name"`
				} `json:"picks"`
				SupportCount int `json:"support_count"`
				Shortfall    int `json:"shortfall"`
			} `json:"teams"`
			Items []struct {
				Plan []struct {
					Depot        struct{ ID string } `json:"depot"`
					Qty          int64               `json:"qty"`
					Available    int64               `json:"available"`
					NeedsSupport bool                `json:"needs_support"`
					Owner        string              `json:"owner"`
					OwnerName    string              `json:"owner_name"`
				} `json:"plan"`
				SupportQty int64 `json:"support_qty"`
				Shortfall  int64 `json:"shortfall"`
			} `json:"items"`
			Dispatch json.RawMessage `json:"dispatch"`
			Support  json.RawMessage `json:"support"`
		}
		e.mustJSON(e.as("commander-330127", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &county)
		var picks, lines []owned
		for _, pk := range county.Teams[0].Picks {
			picks = append(picks, owned{pk.Team.ID, pk.NeedsSupport, pk.Owner, pk.OwnerName, 0})
		}
		for _, l := range county.Items[0].Plan {
			lines = append(lines, owned{l.Depot.ID, l.NeedsSupport, l.Owner, l.OwnerName, l.Qty})
			if l.NeedsSupport && l.Available != l.Qty {
				t.Errorf("got available %d on a line that needs support, want its qty %d: another county's stock is not shown", l.Available, l.Qty)
			}
		}
		wantPicks := []owned{{"own", false, "330127", "淳安县", 0}, {"next", true, "330182", "建德市", 0}}
		wantLines := []owned{{"dc", false, "330127", "淳安县", 100}, {"dn", true, "330182", "建德市", 150}}
		if !slices.Equal(picks, wantPicks) || !slices.Equal(lines, wantLines) {
			t.Fatalf("got picks %+v and lines %+v, want %+v and %+v", picks, lines, wantPicks, wantLines)
		}
		if tp, ip := county.Teams[0], county.Items[0]; tp.SupportCount != 1 || tp.Shortfall != 0 || ip.SupportQty != 150 || ip.Shortfall != 0 {
			t.Errorf("got support_count %d shortfall %d, support_qty %d shortfall %d; want 1 0 150 0", tp.SupportCount, tp.Shortfall, ip.SupportQty, ip.Shortfall)
		}
		wantDispatch := `{"tasks":[{"team":"own","need":"water_rescue"}],"orders":[{"depot":"dc","lines":[{"item":"1010101","qty":100}]}],"suggestion":"` + county.ID + `"}`
		if !jsonEqual(t, county.Dispatch, wantDispatch) {
			t.Errorf("got dispatch %s, want only the county's own: %s", county.Dispatch, wantDispatch)
		}
		wantSupport := `{"to":"330100","needs":{"teams":[{"capability":"water_rescue","count":1}],"items":[{"item":"1010101","qty":150}]}}`
		if !jsonEqual(t, county.Support, wantSupport) {
			t.Errorf("got support %s, want %s", county.Support, wantSupport)
		}

		// The whole deployment owns both counties: nearest first, nothing to ask.
		var all struct {
			ID    string `json:"id"`
			Teams []struct {
				Picks []struct {
					Team         struct{ ID string } `json:"team"`
					NeedsSupport bool                `json:"needs_support"`
				} `json:"picks"`
			} `json:"teams"`
			Dispatch json.RawMessage `json:"dispatch"`
			Support  json.RawMessage `json:"support"`
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &all)
		if p := all.Teams[0].Picks; len(p) != 2 || p[0].Team.ID != "next" || p[1].Team.ID != "own" || p[0].NeedsSupport || p[1].NeedsSupport {
			t.Errorf("got picks %+v for the whole deployment, want next then own, neither needing support", p)
		}
		if all.Support != nil {
			t.Errorf("got support %s for the whole deployment, want none", all.Support)
		}
		wantAll := `{"tasks":[{"team":"next","need":"water_rescue"},{"team":"own","need":"water_rescue"}],"orders":[{"depot":"dn","lines":[{"item":"1010101","qty":250}]}],"suggestion":"` + all.ID + `"}`
		if !jsonEqual(t, all.Dispatch, wantAll) {
			t.Errorf("got dispatch %s, want %s", all.Dispatch, wantAll)
		}
	})
}

func jsonEqual(t *testing.T, got json.RawMessage, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}
