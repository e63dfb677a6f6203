package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestProposedAndChosen dispatches from a suggestion with a different team
// for one pick, a reason for passing it over and less of one plan line, on
// both stores: the review sets what was proposed against what was chosen,
// in JSON and CSV; bad suggestion names are refused.
func TestProposedAndChosen(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for i, id := range []string{"t2", "t3", "t4"} {
			e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": id, "name": "水上救援队 " + id,
				"kind": "social", "capabilities": []string{"water_rescue"}, "base": map[string]float64{"lon": 120.21 + float64(i)/50, "lat": 30.22}}), 201, nil)
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/depots", map[string]any{"id": "d2", "name": "萧山区应急物资储备库",
			"tier": "county", "location": map[string]float64{"lon": 120.4, "lat": 30.1}, "region": "330109"}), 201, nil)
		for depot, qty := range map[string]int{"d1": 100, "d2": 300} {
			e.mustJSON(e.as("commander", "POST", "/api/v1/depots/"+depot+"/stock/adjustments",
				map[string]any{"reason": "采购入库", "lines": []map[string]any{{"item": "1010101", "delta": qty}}}), 200, nil)
		}
		id := newIncident(e, "inc-pc", map[string]any{"needs": map[string]any{
			"teams": []map[string]any{{"capability": "water_rescue", "count": 2}},
			"items": []map[string]any{{"item": "1010101", "qty": 250}}}})
		other := newIncident(e, "inc-pc-2", nil)

		var s struct {
			suggestion
			ID       string `json:"id"`
			EventID  int64  `json:"event_id"`
			Dispatch struct {
				Suggestion string `json:"suggestion"`
			} `json:"dispatch"`
		}
		r := e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil)
		e.mustJSON(r, 200, &s)
		var again struct {
			ID string `json:"id"`
		}
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &again)
		if s.ID == "" || again.ID != s.ID || s.Dispatch.Suggestion != s.ID || s.EventID == 0 {
			t.Fatalf("got ids %q, %q (dispatch %q) at event %d, want one id named by the dispatch", s.ID, again.ID, s.Dispatch.Suggestion, s.EventID)
		}
		var alts struct {
			Teams []struct {
				Alternates []struct {
					Team struct {
						ID string `json:"id"`
					} `json:"team"`
				} `json:"alternates"`
			} `json:"teams"`
		}
		if err := json.Unmarshal(r.body, &alts); err != nil || len(s.Teams) != 1 || len(s.Teams[0].Picks) != 2 || len(alts.Teams[0].Alternates) == 0 {
			t.Fatalf("got %s (%v), want two picks and an alternate", r.body, err)
		}
		first, passed, instead := s.Teams[0].Picks[0].Team.ID, s.Teams[0].Picks[1].Team.ID, alts.Teams[0].Alternates[0].Team.ID
		if len(s.Items) != 1 || len(s.Items[0].Plan) != 2 {
			t.Fatalf("got item plans %+v, want 250 tents from two depots", s.Items)
		}
		lines := s.Items[0].Plan
		body := map[string]any{"suggestion": s.ID,
			"tasks": []map[string]any{{"team": first, "need": "water_rescue"}, {"team": instead, "need": "water_rescue"}},
			"orders": []map[string]any{{"depot": lines[0].Depot.ID, "lines": []map[string]any{{"item": "1010101", "qty": lines[0].Qty}}},
				{"depot": lines[1].Depot.ID, "lines": []map[string]any{{"item": "1010101", "qty": lines[1].Qty - 10}}}},
			"skipped": []map[string]any{{"need": "water_rescue", "team": passed, "reason": "=队伍正在休整"}}}

		// Bad names are refused, and dispatch nothing.
		for _, tt := range []struct {
			name, path, field string
			change            func(b map[string]any)
		}{
			{"unknown", id, "suggestion", func(b map[string]any) { b["suggestion"] = "sg-unknown" }},
			{"another incident's", other, "suggestion", func(map[string]any) {}},
			{"a skip of no pick", id, "skipped[0].team", func(b map[string]any) {
				b["skipped"] = []map[string]any{{"team": "t-none", "reason": "x"}}
			}},
			{"a reason too long", id, "skipped[0].reason", func(b map[string]any) {
				b["skipped"] = []map[string]any{{"team": passed, "reason": strings.Repeat("长", 501)}}
			}},
		} {
			b := map[string]any{}
			for k, v := range body {
				b[k] = v
			}
			tt.change(b)
			e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/"+tt.path+"/dispatch", b), 400, tt.field)
		}
		e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/"+id+"/tasks",
			map[string]any{"team": first, "suggestion": "sg-unknown"}), 400, "suggestion")

		var res struct {
			Tasks []struct {
				Suggestion string `json:"suggestion"`
			} `json:"tasks"`
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", body), 201, &res)
		if len(res.Tasks) != 2 || res.Tasks[0].Suggestion != s.ID {
			t.Fatalf("got tasks %+v, want two naming %s", res.Tasks, s.ID)
		}
		// A single order names it too; one that names none is not from a
		// suggestion.
		var o struct {
			Suggestion string `json:"suggestion"`
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/orders", map[string]any{"depot": "d2", "suggestion": s.ID,
			"lines": []map[string]any{{"item": "1010101", "qty": 5}}}), 201, &o)
		if o.Suggestion != s.ID {
			t.Fatalf("got order suggestion %q, want %q", o.Suggestion, s.ID)
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/orders", map[string]any{"depot": "d2",
			"lines": []map[string]any{{"item": "1010101", "qty": 1}}}), 201, nil)

		var review struct {
			Proposals []struct {
				Suggestion string `json:"suggestion"`
				Note       string `json:"note"`
				EventID    *int64 `json:"event_id"`
				Teams      []struct {
					Rank    int    `json:"rank"`
					Team    string `json:"team"`
					Chosen  bool   `json:"chosen"`
					Instead string `json:"instead"`
					Reason  string `json:"reason"`
				} `json:"teams"`
				Items []struct {
					Depot    string `json:"depot"`
					Proposed int64  `json:"proposed"`
					Ordered  int64  `json:"ordered"`
				} `json:"items"`
			} `json:"proposals"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review", nil), 200, &review)
		ps := review.Proposals
		if len(ps) != 3 || ps[0].Suggestion != s.ID || ps[0].EventID == nil || *ps[0].EventID != s.EventID ||
			ps[1].Suggestion != s.ID || ps[2].Suggestion != "" || ps[2].Note != "not from a suggestion" {
			t.Fatalf("got proposals %+v, want two dispatches from %s and one not from a suggestion", ps, s.ID)
		}
		tm := ps[0].Teams
		if len(tm) != 2 || tm[0].Rank != 1 || tm[0].Team != first || !tm[0].Chosen ||
			tm[1].Rank != 2 || tm[1].Team != passed || tm[1].Chosen || tm[1].Instead != instead || tm[1].Reason != "=队伍正在休整" {
			t.Fatalf("got picks %+v, want %s chosen and %s passed over for %s, with the reason", tm, first, passed, instead)
		}
		it := ps[0].Items
		if len(it) != 2 || it[0].Proposed != lines[0].Qty || it[0].Ordered != lines[0].Qty || it[1].Proposed != lines[1].Qty || it[1].Ordered != lines[1].Qty-10 {
			t.Fatalf("got lines %+v, want the plan against what was ordered", it)
		}

		r = e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review?format=csv", nil)
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\ufeff")))).ReadAll()
		if r.status != 200 || err != nil {
			t.Fatalf("got %d %q (%v)", r.status, r.body, err)
		}
		var picks, items, none int
		var changed []string
		for _, row := range rows {
			switch row[0] {
			case "proposed_team":
				picks++
				if row[2] == passed && (row[4] != "passed_over" || !strings.Contains(row[14], instead) || !strings.Contains(row[14], "reason: =队伍正在休整")) {
					t.Errorf("got row %q, want %s passed over for %s, the reason guarded", row, passed, instead)
				}
			case "proposed_item":
				items++
				if row[1] == s.ID && row[2] == lines[1].Depot.ID {
					changed = append(changed, row[4]+" "+row[10]+" "+row[11]+" "+row[13])
				}
			case "dispatch":
				none++
			}
		}
		// The single order set against the tents only, not the teams.
		if picks != 2 || items != 4 || none != 1 {
			t.Fatalf("got %d pick rows, %d line rows, %d dispatches not from a suggestion, want 2, 4 and 1:\n%s", picks, items, none, r.body)
		}
		want := fmt.Sprintf("[changed %d %d 10 changed %d 5 %d]", lines[1].Qty, lines[1].Qty-10, lines[1].Qty, lines[1].Qty-5)
		if fmt.Sprint(changed) != want {
			t.Errorf("got %s's rows %v, want %s", lines[1].Depot.ID, changed, want)
		}
	})
}
