package storetest

import (
	"fmt"
	"testing"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/geo"
	"dispatchd/resources"
)

// testBoardScope checks the lists of the incident board limited to a
// jurisdiction and a desk: incidents by region prefix and type (and, for a
// team lead, those its team works on), tasks and orders by their
// incident's, orders by the incidents a team works on; and that a cursor
// pages through the scoped list without skipping or repeating.
func testBoardScope(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	mk := func(typ, region string) *dispatch.Incident {
		t.Helper()
		in := ok(b.svc.CreateIncident(c, actor, dispatch.Incident{Type: typ, Level: 3, Title: typ + " " + region, Region: region,
			Location: geo.Point{Lon: 120.2, Lat: 30.22}})).get(t)
		b.sync(t)
		return in
	}
	xihu := mk("flood", "330106")
	binjiang := mk("mine_accident", "330108")
	ningbo := mk("flood", "330203")
	xihu2 := mk("flood", "330106")
	r1 := ok(b.svc.Dispatch(c, actor, xihu.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{{Team: "t1"}},
		Orders: []dispatch.OrderRequest{{Depot: "d1", Lines: []resources.ItemQty{{Item: "1010101", Qty: 1}}}}})).get(t)
	r2 := ok(b.svc.Dispatch(c, actor, binjiang.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{{Team: "t2"}},
		Orders: []dispatch.OrderRequest{{Depot: "d2", Lines: []resources.ItemQty{{Item: "1010101", Qty: 1}}}}})).get(t)
	// Team t2 was also sent across the border, to Ningbo.
	ok(b.svc.CancelTask(c, actor, r2.Tasks[0].ID, "")).get(t)
	r3 := ok(b.svc.Dispatch(c, actor, ningbo.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{{Team: "t2"}},
		Orders: []dispatch.OrderRequest{{Depot: "d3", Lines: []resources.ItemQty{{Item: "1010101", Qty: 1}}}}})).get(t)
	flood, none := []string{"flood"}, []string{}
	name := map[string]string{xihu.ID: "xihu", binjiang.ID: "binjiang", ningbo.ID: "ningbo", xihu2.ID: "xihu2",
		r1.Tasks[0].ID: "t1@xihu", r2.Tasks[0].ID: "t2@binjiang", r3.Tasks[0].ID: "t2@ningbo",
		r1.Orders[0].ID: "d1@xihu", r2.Orders[0].ID: "d2@binjiang", r3.Orders[0].ID: "d3@ningbo"}
	names := func(ids []string) string {
		out := []string{}
		for _, id := range ids {
			out = append(out, name[id])
		}
		return fmt.Sprint(out)
	}
	for _, tc := range []struct {
		name string
		f    dispatch.IncidentFilter
		want string
	}{
		{"everything", dispatch.IncidentFilter{}, "[xihu2 ningbo binjiang xihu]"},
		{"a city", dispatch.IncidentFilter{Scope: dispatchd.Scope{Prefix: "3301"}}, "[xihu2 binjiang xihu]"},
		{"a county", dispatch.IncidentFilter{Scope: dispatchd.Scope{Prefix: "330106"}}, "[xihu2 xihu]"},
		{"a desk", dispatch.IncidentFilter{Scope: dispatchd.Scope{Types: flood}}, "[xihu2 ningbo xihu]"},
		{"a desk of a city", dispatch.IncidentFilter{Scope: dispatchd.Scope{Prefix: "3301", Types: flood}}, "[xihu2 xihu]"},
		{"a desk of no type", dispatch.IncidentFilter{Scope: dispatchd.Scope{Types: none}}, "[]"},
		{"a team lead's county and its work", dispatch.IncidentFilter{Scope: dispatchd.Scope{Prefix: "330108"}, Team: "t2"}, "[ningbo binjiang]"},
		{"a page", dispatch.IncidentFilter{Scope: dispatchd.Scope{Prefix: "3301"}, Limit: 1}, "[xihu2]"},
		{"the next page", dispatch.IncidentFilter{Scope: dispatchd.Scope{Prefix: "3301"}, After: xihu2.ID, Limit: 1}, "[binjiang]"},
		{"the last page", dispatch.IncidentFilter{Scope: dispatchd.Scope{Prefix: "3301"}, After: binjiang.ID, Limit: 5}, "[xihu]"},
	} {
		got := ok(s.ListIncidents(c, tc.f)).get(t)
		var ids []string
		for _, in := range got {
			ids = append(ids, in.ID)
		}
		if names(ids) != tc.want {
			t.Errorf("incidents, %s: got %s, want %s", tc.name, names(ids), tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		f    dispatch.TaskFilter
		want string
	}{
		{"everything", dispatch.TaskFilter{}, "[t2@ningbo t2@binjiang t1@xihu]"},
		{"a city", dispatch.TaskFilter{Scope: dispatchd.Scope{Prefix: "3301"}}, "[t2@binjiang t1@xihu]"},
		{"a desk", dispatch.TaskFilter{Scope: dispatchd.Scope{Types: []string{"mine_accident"}}}, "[t2@binjiang]"},
		{"a page", dispatch.TaskFilter{Scope: dispatchd.Scope{Prefix: "3301"}, After: r2.Tasks[0].ID, Limit: 1}, "[t1@xihu]"},
	} {
		got := ok(s.ListTasks(c, tc.f)).get(t)
		var ids []string
		for _, x := range got {
			ids = append(ids, x.ID)
		}
		if names(ids) != tc.want {
			t.Errorf("tasks, %s: got %s, want %s", tc.name, names(ids), tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		f    dispatch.OrderFilter
		want string
	}{
		{"everything", dispatch.OrderFilter{}, "[d3@ningbo d2@binjiang d1@xihu]"},
		{"a county", dispatch.OrderFilter{Scope: dispatchd.Scope{Prefix: "330108"}}, "[d2@binjiang]"},
		{"a desk", dispatch.OrderFilter{Scope: dispatchd.Scope{Types: flood}}, "[d3@ningbo d1@xihu]"},
		{"a team's incidents", dispatch.OrderFilter{WorkedBy: "t2"}, "[d3@ningbo d2@binjiang]"},
		{"a team with no task", dispatch.OrderFilter{WorkedBy: "t4"}, "[]"},
		{"a page", dispatch.OrderFilter{Scope: dispatchd.Scope{Types: flood}, Limit: 1}, "[d3@ningbo]"},
		{"the next page", dispatch.OrderFilter{Scope: dispatchd.Scope{Types: flood}, After: r3.Orders[0].ID, Limit: 1}, "[d1@xihu]"},
	} {
		got := ok(s.ListOrders(c, tc.f)).get(t)
		var ids []string
		for _, x := range got {
			ids = append(ids, x.ID)
		}
		if names(ids) != tc.want {
			t.Errorf("orders, %s: got %s, want %s", tc.name, names(ids), tc.want)
		}
	}
}
