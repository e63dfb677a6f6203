package web_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/geo"
	"dispatchd/realtime"
	"dispatchd/resources"
)

type replayOut struct {
	From, To time.Time
	Events   []struct {
		ID      int64
		TS      time.Time
		Type    string
		Subject string
	}
	NextSince int64 `json:"next_since"`
	More      bool
	Tracks    []struct {
		Team   string
		Points [][3]any
	}
}

// TestReplayWindow reads replay windows on both stores: the events of the
// window in id order, starting after since; the tracks of the caller's
// teams thinned to one point per 5 s with the last fix kept; a window
// that is too long or upside down refused by field.
func TestReplayWindow(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := resources.NewService(e.store).CreateTeam(ctx, dispatchd.System, resources.Team{ID: "t9", Name: "鄞州区蓝天救援队",
			Kind: resources.Social, Capabilities: []string{"water_rescue"}, Base: geo.Point{Lon: 121.55, Lat: 29.87}, Region: "330212"}); err != nil {
			t.Fatal(err)
		}
		if _, err := auth.NewService(e.store, e.store, 0).EnsureUsers(ctx, dispatchd.System, "secret",
			[]auth.SeedUser{{Username: "xihu", Role: dispatchd.RoleViewer, Jurisdiction: "330106"}}); err != nil {
			t.Fatal(err)
		}
		e.tokens["xihu"] = login(t, e, "xihu")
		now := time.Now().UTC().Truncate(time.Second)
		// Ten minutes of t1 at one fix a second, and a minute of t9.
		var ps []realtime.Position
		for i := range 600 {
			ps = append(ps, realtime.Position{Team: "t1", Lon: 120.1 + float64(i)*1e-4, Lat: 30.2, TS: now.Add(time.Duration(i-600) * time.Second)})
		}
		for i := range 60 {
			ps = append(ps, realtime.Position{Team: "t9", Lon: 121.5, Lat: 29.8 + float64(i)*1e-4, TS: now.Add(time.Duration(i-60) * time.Second)})
		}
		if err := e.store.AppendPositions(ctx, ps); err != nil {
			t.Fatal(err)
		}
		a := newIncident(e, "replay-a", nil)
		b := newIncident(e, "replay-b", map[string]any{"title": "西湖区内涝"})
		win := func(user string, q url.Values) replayOut {
			t.Helper()
			var out replayOut
			e.mustJSON(e.as(user, "GET", "/api/v1/replay?"+q.Encode(), nil), 200, &out)
			return out
		}
		q := url.Values{"from": {now.Add(-20 * time.Minute).Format(time.RFC3339)}, "to": {time.Now().Add(time.Minute).UTC().Format(time.RFC3339)}}
		all := win("viewer", q)
		var subjects []string
		for i, ev := range all.Events {
			if i > 0 && ev.ID <= all.Events[i-1].ID {
				t.Fatalf("events out of id order: %d after %d", ev.ID, all.Events[i-1].ID)
			}
			if ev.Type == "incident.created" {
				subjects = append(subjects, ev.Subject)
			}
		}
		if fmt.Sprint(subjects) != fmt.Sprint([]string{a, b}) || all.More || all.NextSince != all.Events[len(all.Events)-1].ID {
			t.Fatalf("got incidents created %v, more %v, next_since %d; want [%s %s], the last event's id", subjects, all.More, all.NextSince, a, b)
		}
		tracks := map[string][][3]any{}
		for _, tr := range all.Tracks {
			tracks[tr.Team] = tr.Points
		}
		t1 := tracks["t1"]
		// 600 fixes a second apart: one each 5 s (120) and the last.
		if len(t1) != 121 || len(tracks["t9"]) != 13 {
			t.Fatalf("got %d points of t1 and %d of t9, want 121 and 13", len(t1), len(tracks["t9"]))
		}
		last, _ := time.Parse(time.RFC3339, t1[120][2].(string))
		if t1[0][0].(float64) != 120.1 || !last.Equal(now.Add(-time.Second)) || t1[1][2].(string) != now.Add(-595*time.Second).Format(time.RFC3339) {
			t.Fatalf("got t1 from %v to %v, second %v", t1[0], t1[120], t1[1])
		}

		// After since: the second incident only; no tracks when not asked.
		q2 := url.Values{"from": q["from"], "to": q["to"], "tracks": {"false"}}
		for _, ev := range all.Events {
			if ev.Subject == a {
				q2.Set("since", fmt.Sprint(ev.ID))
			}
		}
		later := win("commander", q2)
		if len(later.Tracks) != 0 || len(later.Events) == 0 || later.Events[0].ID <= all.Events[0].ID {
			t.Fatalf("got %d tracks and events %v after since %s", len(later.Tracks), later.Events, q2.Get("since"))
		}
		for _, ev := range later.Events {
			if ev.Subject == a {
				t.Fatalf("got an event of %s after its creation's id: %+v", a, ev)
			}
		}
		// A window that ends before the incidents holds none of their events.
		early := win("admin", url.Values{"from": q["from"], "to": {now.Add(-5 * time.Minute).Format(time.RFC3339)}})
		for _, ev := range early.Events {
			if ev.Subject == a || ev.Subject == b {
				t.Fatalf("got %+v in a window that ends before it", ev)
			}
		}
		if len(early.Tracks) != 1 || early.Tracks[0].Team != "t1" {
			t.Fatalf("got %d tracks before t9 moved, want t1's alone", len(early.Tracks))
		}
		// A Xihu viewer sees the Xihu team alone.
		if xs := win("xihu", q); len(xs.Tracks) != 1 || xs.Tracks[0].Team != "t1" {
			t.Fatalf("got %+v, want t1's track alone", xs.Tracks)
		}

		e.mustProblem(e.as("viewer", "GET", "/api/v1/replay", nil), 400, "from")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/replay?from=yesterday&to="+q.Get("to"), nil), 400, "from")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/replay?"+url.Values{"from": {now.Add(-2 * time.Hour).Format(time.RFC3339)},
			"to": {now.Format(time.RFC3339)}}.Encode(), nil), 400, "from")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/replay?"+url.Values{"from": q["to"], "to": q["from"]}.Encode(), nil), 400, "from")
		e.mustProblem(e.as("viewer", "GET", "/api/v1/replay?since=-1&"+q.Encode(), nil), 400, "since")
		e.mustProblem(e.as("lead", "GET", "/api/v1/replay?"+q.Encode(), nil), 403)
	})
}
