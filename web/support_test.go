package web_test

import (
	"encoding/json"
	"testing"
	"time"
)

type supportOut struct {
	ID            string `json:"id"`
	Incident      string `json:"incident"`
	From          string `json:"from"`
	To            string `json:"to"`
	Status        string `json:"status"`
	Escalated     bool   `json:"escalated"`
	EscalatedFrom string `json:"escalated_from"`
	Reason        string `json:"reason"`
	Answered      struct {
		Teams int `json:"teams"`
		Items []struct {
			Item string `json:"item"`
			Qty  int64  `json:"qty"`
		} `json:"items"`
	} `json:"answered"`
	Tasks  []string `json:"tasks"`
	Orders []string `json:"orders"`
}

type supportList struct {
	Items []supportOut `json:"items"`
}

// jurisdictionUsers adds commanders of 淳安县 (county), 杭州市 (its city),
// 浙江省 (the province) and 建德市 (an unrelated county of the city), and
// logs them in.
func jurisdictionUsers(e *env) {
	e.t.Helper()
	for name, j := range map[string]string{"county": "330127", "city": "330100", "province": "330000", "other": "330182"} {
		e.mustJSON(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": name, "password": "harbour-lamp-42",
			"role": "commander", "jurisdiction": j}), 201, nil)
		var res struct{ Token string }
		e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": name, "password": "harbour-lamp-42"}), 200, &res)
		e.tokens[name] = res.Token
	}
}

// TestSupportRequestStory runs the support story of step 8 over HTTP on
// both stores: 淳安县 asks 杭州市 for help; the city sees the request,
// answers it with a team of another of its counties, and the county's
// screen sees the answer live; a second request is declined with a
// reason; a third, unanswered, climbs to the province. A commander of an
// unrelated county neither sees nor answers any of them.
func TestSupportRequestStory(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		jurisdictionUsers(e)
		var in struct{ ID string }
		e.mustJSON(e.as("county", "POST", "/api/v1/incidents", map[string]any{"type": "flood", "level": 2, "title": "千岛湖山洪",
			"region": "330127", "location": map[string]float64{"lon": 119.04, "lat": 29.61},
			"needs": map[string]any{"teams": []map[string]any{{"capability": "fire_fighting", "count": 1}}}}), 201, &in)
		screen := e.ws("county")
		screen.send(map[string]any{"op": "subscribe", "topics": []string{"support"}})
		screen.until(isType("snapshot"))

		ask := map[string]any{"incident": in.ID, "needs": map[string]any{"teams": []map[string]any{{"capability": "fire_fighting", "count": 1}}},
			"respond_within_s": 600, "note": "山洪围困，需消防支援"}
		var r supportOut
		e.mustJSON(e.as("county", "POST", "/api/v1/support-requests", ask, "Idempotency-Key", "sr-1"), 201, &r)
		if r.From != "330127" || r.To != "330100" || r.Status != "requested" {
			t.Fatalf("got %+v, want requested from 330127 to 330100", r)
		}
		var again supportOut
		e.mustJSON(e.as("county", "POST", "/api/v1/support-requests", ask, "Idempotency-Key", "sr-1"), 201, &again)
		if again.ID != r.ID {
			t.Fatalf("a retry made request %s, want %s", again.ID, r.ID)
		}
		screen.until(func(m wsMsg) bool {
			return m.Type == "event" && m.Event == "support_request.created" && m.Subject == r.ID
		})
		// Asking within one's own jurisdiction is refused; so is asking
		// about an incident one does not see.
		e.mustProblem(e.as("city", "POST", "/api/v1/support-requests", map[string]any{"incident": in.ID, "to": "330127",
			"needs": ask["needs"]}), 400, "to")
		e.mustProblem(e.as("other", "POST", "/api/v1/support-requests", ask), 404)

		var incoming supportList
		e.mustJSON(e.as("city", "GET", "/api/v1/support-requests?direction=incoming&status=requested", nil), 200, &incoming)
		if len(incoming.Items) != 1 || incoming.Items[0].ID != r.ID {
			t.Fatalf("the city's incoming: got %+v, want %s", incoming.Items, r.ID)
		}
		e.mustJSON(e.as("county", "GET", "/api/v1/support-requests?direction=incoming", nil), 200, &incoming)
		if len(incoming.Items) != 0 {
			t.Fatalf("the county's incoming: got %+v, want none", incoming.Items)
		}
		e.mustJSON(e.as("other", "GET", "/api/v1/support-requests", nil), 200, &incoming)
		if len(incoming.Items) != 0 {
			t.Fatalf("an unrelated county lists %+v, want none", incoming.Items)
		}
		e.mustProblem(e.as("other", "GET", "/api/v1/support-requests/"+r.ID, nil), 404)
		e.mustProblem(e.as("other", "POST", "/api/v1/incidents/"+in.ID+"/tasks", map[string]any{"team": "t1", "support_request": r.ID}), 404)

		// The city answers with 西湖区's team; the county sees it live.
		var task struct {
			ID             string `json:"id"`
			SupportRequest string `json:"support_request"`
		}
		e.mustJSON(e.as("city", "POST", "/api/v1/incidents/"+in.ID+"/tasks", map[string]any{"team": "t1", "need": "fire_fighting",
			"support_request": r.ID}), 201, &task)
		if task.SupportRequest != r.ID {
			t.Fatalf("got task %+v, want it to name %s", task, r.ID)
		}
		m, _ := screen.until(func(m wsMsg) bool { return m.Type == "event" && m.Event == "support_request.answered" })
		var live supportOut
		if err := json.Unmarshal(m.Data, &live); err != nil || live.Status != "answered" || len(live.Tasks) != 1 || live.Tasks[0] != task.ID {
			t.Fatalf("got %s (%v), want the request answered by task %s", m.Data, err, task.ID)
		}
		e.mustJSON(e.as("county", "GET", "/api/v1/support-requests/"+r.ID, nil), 200, &r)
		if r.Status != "answered" || r.Answered.Teams != 1 {
			t.Fatalf("got %+v, want answered by one team", r)
		}
		var orderOut struct {
			SupportRequest string `json:"support_request"`
		}
		e.mustJSON(e.as("city", "POST", "/api/v1/incidents/"+in.ID+"/orders", map[string]any{"depot": "d1", "support_request": r.ID,
			"lines": []map[string]any{{"item": "1010101", "qty": 20}}}), 201, &orderOut)
		e.mustJSON(e.as("viewer", "GET", "/api/v1/support-requests/"+r.ID, nil), 200, &r)
		if len(r.Orders) != 1 || len(r.Answered.Items) != 1 || r.Answered.Items[0].Qty != 20 || orderOut.SupportRequest != r.ID {
			t.Fatalf("got %+v, want 20 tents ordered against it", r)
		}
		e.mustJSON(e.as("county", "POST", "/api/v1/support-requests/"+r.ID+"/close", nil), 200, &r)
		if r.Status != "closed" {
			t.Fatalf("got %s, want closed", r.Status)
		}

		// Declined, with a reason, by the receiving side only.
		var r2 supportOut
		e.mustJSON(e.as("county", "POST", "/api/v1/support-requests", ask), 201, &r2)
		e.mustProblem(e.as("county", "POST", "/api/v1/support-requests/"+r2.ID+"/decline", map[string]string{"reason": "x"}), 403)
		e.mustProblem(e.as("other", "POST", "/api/v1/support-requests/"+r2.ID+"/decline", map[string]string{"reason": "x"}), 404)
		e.mustProblem(e.as("city", "POST", "/api/v1/support-requests/"+r2.ID+"/decline", map[string]string{}), 400, "reason")
		e.mustJSON(e.as("city", "POST", "/api/v1/support-requests/"+r2.ID+"/decline", map[string]string{"reason": "本市力量已全部出动"}), 200, &r2)
		if r2.Status != "declined" || r2.Reason != "本市力量已全部出动" {
			t.Fatalf("got %+v, want declined with the reason", r2)
		}
		screen.until(func(m wsMsg) bool {
			return m.Type == "event" && m.Event == "support_request.declined" && m.Subject == r2.ID
		})

		// Unanswered by its deadline, the third climbs to the province.
		ask["respond_within_s"] = 60
		var r3 supportOut
		e.mustJSON(e.as("county", "POST", "/api/v1/support-requests", ask), 201, &r3)
		later := time.Now().UTC().Add(61 * time.Second)
		e.board.SetClock(func() time.Time { return later })
		if n, err := e.board.EscalateDueSupport(t.Context()); err != nil || n != 1 {
			t.Fatalf("escalated %d (%v), want 1", n, err)
		}
		screen.until(func(m wsMsg) bool {
			return m.Type == "event" && m.Event == "support_request.escalated" && m.Subject == r3.ID
		})
		e.mustJSON(e.as("province", "GET", "/api/v1/support-requests?direction=incoming&status=escalated,requested", nil), 200, &incoming)
		if len(incoming.Items) != 1 || incoming.Items[0].ID != r3.ID || incoming.Items[0].To != "330000" ||
			incoming.Items[0].EscalatedFrom != "330100" || incoming.Items[0].Status != "escalated" {
			t.Fatalf("the province's incoming: got %+v, want %s escalated from 330100", incoming.Items, r3.ID)
		}
	})
}
