package web_test

import (
	"slices"
	"testing"
	"time"
)

// TestJurisdictionWebsocket subscribes real websockets of scoped callers in
// the walk's world and checks that each gets a snapshot of its own
// jurisdiction and desk only, then only the events it may see, and the
// positions of its own teams only; the whole deployment still sees all.
func TestJurisdictionWebsocket(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newJWorld(t, e)
		all := []string{"incidents", "teams", "positions", "tasks", "orders", "depots"}
		subscribe := func(user string, topics []string) (*wsClient, wsMsg) {
			c := e.ws(user)
			c.send(map[string]any{"op": "subscribe", "topics": topics})
			m, _ := c.until(isType("snapshot"))
			return c, m
		}
		ids := func(list []struct{ ID string }) []string {
			var out []string
			for _, x := range list {
				out = append(out, x.ID)
			}
			return out
		}
		county, cs := subscribe("county", all)
		whole, ws := subscribe("commander", all)
		flood, fs := subscribe("flood-viewer", []string{"incidents", "tasks", "orders"})
		lead, ls := subscribe("clead", []string{"incidents", "tasks", "orders"})
		manager, ms := subscribe("cmanager", []string{"orders"})

		type snapWant struct {
			who        string
			got        []string
			has, lacks []string
		}
		for _, c := range []snapWant{
			{"county incidents", ids(cs.Incidents), []string{"inA", "inM"}, []string{"inB", "inC", "inX"}},
			{"county tasks", taskIDs(cs), []string{"task@inA", "task@inM"}, []string{"task@inB"}},
			{"county orders", orderIDs(cs), []string{"order@inA", "order@inM"}, []string{"order@inB"}},
			{"county teams", ids(cs.Teams), []string{"tA", "tM"}, []string{"tB", "tC", "tX"}},
			{"county depots", ids(cs.Depots), []string{"dA", "dM"}, []string{"dB", "dC", "dX"}},
			{"whole incidents", ids(ws.Incidents), []string{"inA", "inB", "inC", "inX", "inM"}, nil},
			{"flood desk incidents", ids(fs.Incidents), []string{"inA", "inB", "inC"}, []string{"inM", "inX"}},
			{"flood desk tasks", taskIDs(fs), []string{"task@inA"}, []string{"task@inM", "task@inX"}},
			{"flood desk orders", orderIDs(fs), []string{"order@inA"}, []string{"order@inM"}},
			{"lead tasks", taskIDs(ls), []string{"task@inA"}, []string{"task@inM", "task@inB"}},
			{"lead orders", orderIDs(ls), []string{"order@inA"}, []string{"order@inM", "order@inB"}},
			{"lead incidents", ids(ls.Incidents), []string{"inA"}, []string{"inB"}},
			{"manager orders", orderIDs(ms), []string{"order@inA"}, []string{"order@inM", "order@inB"}},
		} {
			for _, n := range c.has {
				if !slices.Contains(c.got, w.id(n)) {
					t.Errorf("%s snapshot: misses %s", c.who, n)
				}
			}
			for _, n := range c.lacks {
				if slices.Contains(c.got, w.id(n)) {
					t.Errorf("%s snapshot: shows %s", c.who, n)
				}
			}
		}

		// Changes outside each caller's reach, then one inside as a
		// marker: nothing of the first may arrive before the marker.
		patch := func(in string) {
			e.mustJSON(e.as("admin", "PATCH", "/api/v1/incidents/"+w.id(in), map[string]any{"description": "ws " + in}), 200, nil)
		}
		order := func(in, depot string) string {
			var o struct{ ID string }
			e.mustJSON(e.as("admin", "POST", "/api/v1/incidents/"+w.id(in)+"/orders", map[string]any{"depot": depot,
				"lines": []any{map[string]any{"item": "1010101", "qty": 1}}}), 201, &o)
			return o.ID
		}
		patch("inB")                                                                               // another county
		patch("inM")                                                                               // another desk
		e.mustJSON(e.as("admin", "POST", "/api/v1/tasks/"+w.id("task@inM")+"/ack", nil), 200, nil) // another team
		outM := order("inM", "dM")                                                                 // another depot, an incident the lead's team does not work on
		outB := order("inB", "dB")                                                                 // another county
		patch("inA")                                                                               // the marker for the jurisdiction's screens
		e.mustJSON(e.as("admin", "POST", "/api/v1/tasks/"+w.id("task@inA")+"/ack", nil), 200, nil) // the lead's
		inA := order("inA", "dA")                                                                  // the manager's and the lead's marker
		outside := map[string][]string{
			"county":  {w.id("inB"), w.id("task@inB"), outB},
			"flood":   {w.id("inM"), w.id("task@inM"), outM},
			"lead":    {w.id("inB"), w.id("task@inM"), outM, outB},
			"manager": {outM, outB},
		}
		check := func(who string, c *wsClient, marker func(wsMsg) bool) []wsMsg {
			t.Helper()
			_, seen := c.until(marker)
			for _, m := range seen {
				if m.Type == "event" && slices.Contains(outside[who], m.Subject) {
					t.Errorf("%s got %s about %s, outside its reach", who, m.Event, m.Subject)
				}
			}
			return seen
		}
		isSubject := func(typ, subject string) func(wsMsg) bool {
			return func(m wsMsg) bool { return m.Type == "event" && m.Event == typ && m.Subject == subject }
		}
		check("county", county, isSubject("order.created", inA))
		check("flood", flood, isSubject("order.created", inA))
		check("lead", lead, isSubject("order.created", inA))
		check("manager", manager, isSubject("order.created", inA))
		// A screen that resumes from its snapshot is caught up with the
		// same events, read back from the store.
		for who, user := range map[string]string{"county": "county", "lead": "clead"} {
			c := e.ws(user)
			since := cs.EventID
			if who == "lead" {
				since = ls.EventID
			}
			c.send(map[string]any{"op": "subscribe", "topics": all, "since": since})
			seen := check(who, c, isType("resumed"))
			if !slices.ContainsFunc(seen, isSubject("order.created", inA)) {
				t.Errorf("%s resumed without the order inside", who)
			}
		}
		var wholeSaw []string
		_, seen := whole.until(isSubject("order.created", inA))
		for _, m := range seen {
			wholeSaw = append(wholeSaw, m.Subject)
		}
		for _, id := range []string{w.id("inB"), w.id("inM"), outM, outB} {
			if !slices.Contains(wholeSaw, id) {
				t.Errorf("the whole deployment missed an event about %s", id)
			}
		}

		// The lead's team is sent across the border, to 桐庐: from its
		// task on, the lead sees that incident and its orders.
		e.mustJSON(e.as("admin", "POST", "/api/v1/tasks/"+w.id("task@inA")+"/cancel", nil), 200, nil)
		var res struct {
			Orders []struct{ ID string }
		}
		e.mustJSON(e.as("admin", "POST", "/api/v1/incidents/"+w.id("inB")+"/dispatch", map[string]any{
			"tasks":  []any{map[string]any{"team": "tA"}},
			"orders": []any{map[string]any{"depot": "dB", "lines": []any{map[string]any{"item": "1010101", "qty": 1}}}}}), 201, &res)
		patch("inB")
		_, seen = lead.until(isSubject("incident.updated", w.id("inB")))
		if !slices.ContainsFunc(seen, isSubject("order.created", res.Orders[0].ID)) || !slices.ContainsFunc(seen, isEvent("task.created")) {
			t.Errorf("the lead sent across the border missed its task or the incident's order: saw %d messages", len(seen))
		}

		// Positions: the county's screen gets its own teams only.
		now := time.Now().UTC()
		e.mustJSON(e.as("admin", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
			{"team": "tB", "lon": 119.69, "lat": 29.79, "ts": now.Add(-2 * time.Second)},
			{"team": "tA", "lon": 119.04, "lat": 29.61, "ts": now.Add(-time.Second)}}}), 200, nil)
		teams := func(c *wsClient) []string {
			var got []string
			for !slices.Contains(got, "tA") {
				m, _ := c.until(isType("positions"))
				for _, p := range m.Items {
					got = append(got, p.Team)
				}
			}
			return got
		}
		if got := teams(county); slices.Contains(got, "tB") {
			t.Errorf("the county's screen got positions of %v, want its own teams' only", got)
		}
		got := teams(whole)
		for !slices.Contains(got, "tB") {
			m, _ := whole.until(isType("positions"))
			for _, p := range m.Items {
				got = append(got, p.Team)
			}
		}
	})
}

func taskIDs(m wsMsg) []string {
	var out []string
	for _, x := range m.Tasks {
		out = append(out, x.ID)
	}
	return out
}

func orderIDs(m wsMsg) []string {
	var out []string
	for _, x := range m.Orders {
		out = append(out, x.ID)
	}
	return out
}
