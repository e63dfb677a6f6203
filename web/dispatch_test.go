package web_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

type taskOut struct {
	ID        string `json:"id"`
	Team      string `json:"team"`
	Status    string `json:"status"`
	Escalated bool   `json:"escalated"`
	Exercise  bool   `json:"exercise"`
}

type orderOut struct {
	ID     string `json:"id"`
	Depot  string `json:"depot"`
	Status string `json:"status"`
	Lines  []struct {
		Item      string `json:"item"`
		Qty       int64  `json:"qty"`
		Committed int64  `json:"committed"`
	} `json:"lines"`
}

type suggestion struct {
	Teams []struct {
		Need  string `json:"need"`
		Picks []struct {
			Team struct {
				ID string `json:"id"`
			} `json:"team"`
			EtaS          float64 `json:"eta_s"`
			MeetsDeadline bool    `json:"meets_deadline"`
			Why           string  `json:"why"`
		} `json:"picks"`
		Shortfall int `json:"shortfall"`
		Reasons   []struct {
			Code string `json:"code"`
		} `json:"reasons"`
	} `json:"teams"`
	Items []struct {
		Item string `json:"item"`
		Plan []struct {
			Depot struct {
				ID string `json:"id"`
			} `json:"depot"`
			Qty int64 `json:"qty"`
		} `json:"plan"`
		Shortfall int64 `json:"shortfall"`
	} `json:"items"`
}

// setupBoard adds a second team and stock, over the API.
func setupBoard(e *env) {
	e.t.Helper()
	e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": "t2", "name": "钱塘江水上救援队",
		"kind": "social", "capabilities": []string{"water_rescue"}, "base": map[string]float64{"lon": 120.21, "lat": 30.22}}), 201, nil)
	e.mustJSON(e.as("manager", "POST", "/api/v1/depots/d1/stock/adjustments", map[string]any{"reason": "采购入库",
		"lines": []map[string]any{{"item": "1010101", "delta": 300}}}), 200, nil)
}

func newIncident(e *env, key string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"type": "flood", "level": 2, "title": "钱塘江堤坝管涌", "location": map[string]float64{"lon": 120.2, "lat": 30.23},
		"needs": map[string]any{"teams": []map[string]any{{"capability": "water_rescue", "count": 1}},
			"items": []map[string]any{{"item": "1010101", "qty": 200}}}}
	for k, v := range extra {
		body[k] = v
	}
	var in struct{ ID string }
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents", body, "Idempotency-Key", key), 201, &in)
	return in.ID
}

// TestDispatchStory walks the story of step 2 over HTTP on both stores: an
// incident, its plan, a one-call dispatch, the team's answer, the depot's
// confirmation, the delivery and the review.
func TestDispatchStory(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		id := newIncident(e, "inc-1", nil)
		// A retry with the same key creates nothing new.
		var again struct{ ID string }
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents", map[string]any{"type": "flood", "level": 2, "title": "x",
			"location": map[string]float64{"lon": 120.2, "lat": 30.23}}, "Idempotency-Key", "inc-1"), 201, &again)
		if again.ID != id {
			t.Fatalf("a retried create made incident %s, want %s", again.ID, id)
		}
		var list struct{ Items []struct{ ID string } }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents", nil), 200, &list)
		if len(list.Items) != 1 {
			t.Fatalf("got %d incidents, want 1", len(list.Items))
		}

		var s suggestion
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)
		if len(s.Teams) != 1 || len(s.Teams[0].Picks) != 1 || s.Teams[0].Picks[0].Team.ID != "t2" || s.Teams[0].Picks[0].Why == "" {
			t.Fatalf("got team plan %+v, want t2 picked with a reason", s.Teams)
		}
		if len(s.Items) != 1 || len(s.Items[0].Plan) != 1 || s.Items[0].Plan[0].Qty != 200 || s.Items[0].Plan[0].Depot.ID != "d1" {
			t.Fatalf("got item plan %+v, want 200 from d1", s.Items)
		}
		// The large screen shows shortfalls to viewers too; a team lead
		// may not read plans.
		e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)
		e.mustProblem(e.as("lead", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 403)

		// Too much asked: nothing is created, and the answer says what is short.
		short := map[string]any{"tasks": []map[string]any{{"team": "t2", "need": "water_rescue"}},
			"orders": []map[string]any{{"depot": "d1", "lines": []map[string]any{{"item": "1010101", "qty": 301}}}}}
		p := e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", short), 409, "orders[0].lines[0].qty")
		if !strings.Contains(p.Detail, "nothing was dispatched") {
			t.Fatalf("got detail %q", p.Detail)
		}
		plan := map[string]any{"tasks": []map[string]any{{"team": s.Teams[0].Picks[0].Team.ID, "need": "water_rescue", "instructions": "封堵管涌"}},
			"orders": []map[string]any{{"depot": "d1", "lines": []map[string]any{{"item": "1010101", "qty": 200}}}}}
		var res struct {
			Tasks  []taskOut  `json:"tasks"`
			Orders []orderOut `json:"orders"`
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", plan, "Idempotency-Key", "plan-1"), 201, &res)
		var retry struct{ Tasks []taskOut }
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", plan, "Idempotency-Key", "plan-1"), 201, &retry)
		if retry.Tasks[0].ID != res.Tasks[0].ID {
			t.Fatalf("a retried dispatch created task %s, want the first answer %s", retry.Tasks[0].ID, res.Tasks[0].ID)
		}
		var tasks struct{ Items []taskOut }
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/tasks", nil), 200, &tasks)
		if len(tasks.Items) != 1 {
			t.Fatalf("got %d tasks after a retried dispatch, want 1", len(tasks.Items))
		}
		var stock struct {
			Items []struct {
				Item      string
				Reserved  int64
				Available int64
			}
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/depots/d1/stock", nil), 200, &stock)
		if stock.Items[0].Reserved != 200 || stock.Items[0].Available != 100 {
			t.Fatalf("got stock %+v, want 200 reserved", stock.Items)
		}
		// Once covered, the plan asks for nothing more.
		e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+id+"/suggestions", nil), 200, &s)
		if len(s.Teams[0].Picks) != 0 || len(s.Items[0].Plan) != 0 {
			t.Fatalf("got %+v, want nothing more planned", s)
		}

		task, order := res.Tasks[0], res.Orders[0]
		// The lead of t1 cannot see t2's task; t2 has no lead, so the
		// commander answers for it.
		e.mustProblem(e.as("lead", "POST", "/api/v1/tasks/"+task.ID+"/ack", nil), 404)
		e.mustProblem(e.as("manager", "POST", "/api/v1/tasks/"+task.ID+"/ack", nil), 403)
		var tk taskOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+task.ID+"/ack", nil), 200, &tk)
		if tk.Status != "acknowledged" {
			t.Fatalf("got %+v", tk)
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+task.ID+"/status", map[string]string{"status": "on_scene"}), 200, &tk)
		e.mustProblem(e.as("commander", "POST", "/api/v1/tasks/"+task.ID+"/status", map[string]string{"status": "lost"}), 400, "status")

		e.mustProblem(e.as("commander", "POST", "/api/v1/orders/"+order.ID+"/confirm", nil), 403)
		var od orderOut
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+order.ID+"/confirm", map[string]any{
			"lines": []map[string]any{{"item": "1010101", "qty": 150, "reason": "50 顶在检修"}}}), 200, &od)
		if od.Status != "confirmed" || od.Lines[0].Committed != 150 {
			t.Fatalf("got %+v", od)
		}
		e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+order.ID+"/ship", nil), 200, &od)
		e.mustJSON(e.as("commander", "POST", "/api/v1/orders/"+order.ID+"/deliver", nil), 200, &od)
		if od.Status != "delivered" {
			t.Fatalf("got %+v", od)
		}
		var mine struct{ Items []orderOut }
		e.mustJSON(e.as("manager", "GET", "/api/v1/orders", nil), 200, &mine)
		if len(mine.Items) != 1 {
			t.Fatalf("the depot manager sees %d orders, want 1", len(mine.Items))
		}

		var review struct {
			ToFirstTaskS *float64 `json:"to_first_task_s"`
			Tasks        []struct {
				ToAckS    *float64 `json:"to_ack_s"`
				ToArriveS *float64 `json:"to_arrive_s"`
			} `json:"tasks"`
			Needs struct {
				Items []struct {
					Asked, Ordered, Delivered, Short int64
				} `json:"items"`
			} `json:"needs"`
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review", nil), 200, &review)
		if review.ToFirstTaskS == nil || review.Tasks[0].ToAckS == nil || review.Tasks[0].ToArriveS == nil {
			t.Fatalf("got review %+v, want every time measured", review)
		}
		if it := review.Needs.Items[0]; it.Asked != 200 || it.Ordered != 150 || it.Delivered != 150 || it.Short != 50 {
			t.Fatalf("got item review %+v, want 150 of 200 delivered, 50 short", it)
		}
		r := e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review?format=csv", nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("got %d %s", r.status, r.header.Get("Content-Type"))
		}
		if rows := readCSV(t, r.body); len(rows) < 5 || rows[0][0] != "section" {
			t.Fatalf("got csv %q", r.body)
		}

		var tl struct{ Items []struct{ Type string } }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents/"+id+"/timeline", nil), 200, &tl)
		var types []string
		for _, ev := range tl.Items {
			types = append(types, ev.Type)
		}
		want := "[incident.created incident.status task.created order.created task.acknowledged task.on_scene order.confirmed order.shipped order.delivered]"
		if fmt.Sprint(types) != want {
			t.Fatalf("got timeline %v, want %s", types, want)
		}
	})
}

func TestDispatchBadInput(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents", map[string]any{"type": "Flood", "level": 9,
		"location": map[string]float64{"lon": 200, "lat": 0}, "deadline_s": 5}), 400, "type", "level", "title", "location", "deadline_s")
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents", map[string]any{"type": "flood", "level": 1, "title": "x",
		"location": map[string]float64{"lon": 120, "lat": 30}, "needs": map[string]any{"items": []map[string]any{{"item": "9999999", "qty": 1}}}}),
		400, "needs.items[0].item")
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents", `{"type":"flood","level":1,"title":"x","location":{"lon":120,"lat":30},"oops":1}`), 400)
	e.mustProblem(e.as("commander", "GET", "/api/v1/incidents?status=burning&level=0&exercise=maybe&from=yesterday", nil), 400,
		"status", "level", "exercise", "from")
	e.mustProblem(e.as("commander", "GET", "/api/v1/incidents/nope", nil), 404)
	e.mustProblem(e.as("commander", "GET", "/api/v1/incidents/nope/suggestions", nil), 404)
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/nope/dispatch", map[string]any{"tasks": []map[string]any{{"team": "t1"}}}), 404)
	id := newIncident(e, "k", nil)
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{}), 400, "tasks")
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{
		"tasks": []map[string]any{{"team": "t1"}, {"team": "t1", "ack_within_s": 1}}}), 400, "tasks[1].team", "tasks[1].ack_within_s")
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{
		"tasks": []map[string]any{{"team": "ghost"}}}), 400, "tasks[0].team")
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/"+id+"/status", map[string]string{"status": "closed"}), 409)
	e.mustProblem(e.as("commander", "POST", "/api/v1/incidents/"+id+"/status", map[string]string{"status": "gone"}), 400, "status")
	e.mustProblem(e.as("commander", "POST", "/api/v1/tasks/nope/ack", nil), 404)
	e.mustProblem(e.as("manager", "POST", "/api/v1/orders/nope/confirm", nil), 404)
	e.mustProblem(e.as("commander", "GET", "/api/v1/incidents/"+id+"/review?format=xml", nil), 400, "format")
}

// TestEscalationOverHTTP lets a task's acknowledgement deadline pass: the
// escalator marks it once, the task shows it, and the next-best team is
// put on it in one call.
func TestEscalationOverHTTP(t *testing.T) {
	e := newEnv(t, "sqlite")
	setupBoard(e)
	e.mustJSON(e.as("commander", "POST", "/api/v1/teams", map[string]any{"id": "t3", "name": "西湖水上救援队",
		"kind": "social", "capabilities": []string{"water_rescue"}, "base": map[string]float64{"lon": 120.1, "lat": 30.25}}), 201, nil)
	id := newIncident(e, "k", nil)
	var tk taskOut
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/tasks", map[string]any{"team": "t2", "need": "water_rescue", "ack_within_s": 10}), 201, &tk)
	if n, err := e.board.EscalateDue(t.Context()); err != nil || n != 0 {
		t.Fatalf("escalated %d (%v) before the deadline", n, err)
	}
	later := time.Now().Add(11 * time.Second)
	e.board.SetClock(func() time.Time { return later })
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := e.board.EscalateDue(t.Context())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 1 {
		t.Fatalf("escalated %d times, want once", total)
	}
	e.mustJSON(e.as("commander", "GET", "/api/v1/tasks/"+tk.ID, nil), 200, &tk)
	if !tk.Escalated || tk.Status != "assigned" {
		t.Fatalf("got %+v, want escalated", tk)
	}
	var rep struct {
		Replaced taskOut `json:"replaced"`
		Task     taskOut `json:"task"`
	}
	e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+tk.ID+"/replace", nil, "Idempotency-Key", "rep-1"), 201, &rep)
	if rep.Task.Team != "t3" || rep.Replaced.Status != "cancelled" {
		t.Fatalf("got %+v, want t3 to take over and the old task cancelled", rep)
	}
	// A body-less cancel from a client that still says it sends JSON.
	var cancelled taskOut
	e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+rep.Task.ID+"/cancel", nil, "Content-Type", "application/json"), 200, &cancelled)
	if cancelled.Status != "cancelled" {
		t.Fatalf("got %+v, want cancelled", cancelled)
	}
	if offer := e.lastOffer(id, "task.escalated"); len(offer) == 0 || offer[0].Team.ID != "t3" {
		t.Fatalf("the escalation does not offer t3: %+v", offer)
	}
}

// offerOut is a pick of a take-over offer, as task events carry it.
type offerOut struct {
	Team    struct{ ID string }                 `json:"team"`
	RedZone []struct{ At, Zone, Hazard string } `json:"red_zone"`
}

// lastOffer returns the offer of the incident's last event of type typ
// in its timeline, nil when there is none.
func (e *env) lastOffer(incident, typ string) []offerOut {
	e.t.Helper()
	var tl struct {
		Items []struct {
			Type string
			Data struct {
				Offer []offerOut `json:"offer"`
			}
		}
	}
	e.mustJSON(e.as("commander", "GET", "/api/v1/incidents/"+incident+"/timeline", nil), 200, &tl)
	var offer []offerOut
	for _, ev := range tl.Items {
		if ev.Type == typ {
			offer = ev.Data.Offer
		}
	}
	return offer
}

// TestDrillOverHTTP checks that a drill is marked everywhere and takes no
// real stock.
func TestDrillOverHTTP(t *testing.T) {
	e := newEnv(t, "sqlite")
	setupBoard(e)
	id := newIncident(e, "k", map[string]any{"exercise": true})
	var od orderOut
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/orders", map[string]any{"depot": "d1",
		"lines": []map[string]any{{"item": "1010101", "qty": 5000}}}), 201, &od)
	var st struct {
		Items []struct {
			Reserved int64 `json:"reserved"`
			OnHand   int64 `json:"on_hand"`
		}
	}
	e.mustJSON(e.as("viewer", "GET", "/api/v1/depots/d1/stock", nil), 200, &st)
	if st.Items[0].Reserved != 0 || st.Items[0].OnHand != 300 {
		t.Fatalf("a drill touched stock: %+v", st.Items)
	}
	var list struct{ Items []struct{ Exercise bool } }
	e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents?exercise=true", nil), 200, &list)
	if len(list.Items) != 1 || !list.Items[0].Exercise {
		t.Fatalf("got %+v", list.Items)
	}
}
