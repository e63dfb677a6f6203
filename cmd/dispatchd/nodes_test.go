package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dispatchd/realtime/redisbus/redistest"
)

// screen is a websocket client of one node, as a command screen is.
type screen struct {
	t *testing.T
	c *websocket.Conn
	// seen holds what arrived: event types by id, and positions by team.
	events    map[int64]string
	positions map[string]time.Time
	last      int64 // the highest event id seen
}

type screenMsg struct {
	Type    string `json:"type"`
	ID      int64  `json:"id"`
	EventID int64  `json:"event_id"`
	Event   string `json:"event"`
	Subject string `json:"subject"`
	Items   []struct {
		Team string    `json:"team"`
		TS   time.Time `json:"ts"`
	} `json:"items"`
}

// dialScreen connects to node p and subscribes with since (nil for a
// snapshot).
func dialScreen(t *testing.T, p *proc, token string, since *int64) *screen {
	t.Helper()
	u := "ws" + strings.TrimPrefix(p.url, "http") + "/api/v1/ws"
	c, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", u, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	sub := map[string]any{"op": "subscribe", "topics": []string{"incidents", "tasks", "positions"}}
	if since != nil {
		sub["since"] = *since
	}
	if err := c.WriteJSON(sub); err != nil {
		t.Fatal(err)
	}
	return &screen{t: t, c: c, events: map[int64]string{}, positions: map[string]time.Time{}}
}

// until reads messages until ok holds, failing after 30 s.
func (s *screen) until(what string, ok func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		_ = s.c.SetReadDeadline(deadline)
		_, b, err := s.c.ReadMessage()
		if err != nil {
			s.t.Fatalf("waiting for %s: %v", what, err)
		}
		var m screenMsg
		if err := json.Unmarshal(b, &m); err != nil {
			s.t.Fatalf("decode %s: %v", b, err)
		}
		switch m.Type {
		case "snapshot", "resumed":
			s.last = max(s.last, m.EventID)
		case "event":
			if m.ID <= s.last {
				s.t.Fatalf("event %d after %d: out of order or repeated", m.ID, s.last)
			}
			s.last = m.ID
			s.events[m.ID] = m.Event + " " + m.Subject
		case "positions":
			for _, it := range m.Items {
				s.positions[it.Team] = it.TS
			}
		}
	}
}

func (s *screen) sawEvent(typ, subject string) func() bool {
	return func() bool {
		for _, v := range s.events {
			if v == typ+" "+subject {
				return true
			}
		}
		return false
	}
}

func (s *screen) sawPosition(team string, ts time.Time) func() bool {
	return func() bool { return !s.positions[team].Before(ts) && !s.positions[team].IsZero() }
}

// TestTwoNodes runs two real dispatchd processes on one PostgreSQL and one
// Redis: a screen on node B sees a position posted to node A and a task
// created on A; A is killed with SIGKILL; B and its screens carry on, and a
// screen of A resumes on B with nothing missing.
func TestTwoNodes(t *testing.T) {
	env := append(demoEnv(t, "postgres"),
		"REDIS_URL="+redistest.URL(t), "REDIS_PREFIX="+redistest.Prefix())
	a := start(t, env, "serve", "--addr", "127.0.0.1:0", "--demo")
	b := start(t, env, "serve", "--addr", "127.0.0.1:0")
	token := a.login("commander")
	var teams struct {
		Items []struct{ ID string } `json:"items"`
	}
	if code := a.call("GET", "/api/v1/teams?limit=2", token, nil, &teams); code != 200 || len(teams.Items) != 2 {
		t.Fatalf("teams: got %d %+v", code, teams)
	}
	team1, team2 := teams.Items[0].ID, teams.Items[1].ID
	onB := dialScreen(t, b, token, nil)
	onA := dialScreen(t, a, token, nil)
	onB.until("the snapshot", func() bool { return onB.last > 0 })
	onA.until("the snapshot", func() bool { return onA.last > 0 })

	// A tracker reports to A over the OsmAnd protocol, at the URL its
	// registration answered; B's screen sees it.
	var tr struct{ Token, URL string }
	if code := a.call("POST", "/api/v1/trackers", token, map[string]string{"id": "phone-1", "team": team1}, &tr); code != 201 {
		t.Fatalf("create tracker: got %d", code)
	}
	ts := time.Now().Add(-time.Second).Truncate(time.Second)
	q := url.Values{"id": {"phone-1"}, "lat": {"30.25"}, "lon": {"120.15"}, "timestamp": {fmt.Sprint(ts.Unix())}}
	var ack struct{ Accepted int }
	if code := a.call("GET", strings.TrimPrefix(tr.URL, a.url)+"&"+q.Encode(), "", nil, &ack); code != 200 || ack.Accepted != 1 {
		t.Fatalf("osmand on A: got %d %+v", code, ack)
	}
	// A tracker deleted on A is refused on B at once.
	var gone struct{ Token string }
	if code := a.call("POST", "/api/v1/trackers", token, map[string]string{"id": "phone-2", "team": team1}, &gone); code != 201 {
		t.Fatalf("create tracker: got %d", code)
	}
	q2 := url.Values{"key": {gone.Token}, "id": {"phone-2"}, "lat": {"30.25"}, "lon": {"120.15"}}
	if code := b.call("GET", "/osmand?"+q2.Encode(), "", nil, nil); code != 200 {
		t.Fatalf("osmand on B before the delete: got %d", code)
	}
	if code := a.call("DELETE", "/api/v1/trackers/phone-2", token, nil, nil); code != 204 {
		t.Fatalf("delete tracker on A: got %d", code)
	}
	if code := b.call("GET", "/osmand?"+q2.Encode(), "", nil, nil); code != 401 {
		t.Fatalf("osmand on B after the delete on A: got %d, want 401", code)
	}
	onB.until("the position posted to A", onB.sawPosition(team1, ts))

	// An incident and a task created on A reach B's screen as events.
	var in struct{ ID string }
	body := map[string]any{"type": "flood", "level": 2, "title": "两节点测试", "location": map[string]float64{"lon": 120.15, "lat": 30.25}}
	if code := a.call("POST", "/api/v1/incidents", token, body, &in); code != 201 {
		t.Fatalf("create incident on A: got %d", code)
	}
	var task struct{ ID string }
	if code := a.call("POST", "/api/v1/incidents/"+in.ID+"/tasks", token, map[string]any{"team": team1, "ack_within_s": 600}, &task); code != 201 {
		t.Fatalf("create task on A: got %d", code)
	}
	onB.until("the task created on A", onB.sawEvent("task.created", task.ID))
	onA.until("the task on A", onA.sawEvent("task.created", task.ID))
	resumeFrom := onA.last

	// A dies without a word. What it acknowledged is on B, and B goes on.
	_ = a.signal(syscall.SIGKILL)
	var got struct{ Status string }
	if code := b.call("GET", "/api/v1/tasks/"+task.ID, token, nil, &got); code != 200 || got.Status != "assigned" {
		t.Fatalf("the task acknowledged by A, read on B: got %d %+v", code, got)
	}
	body["title"] = "两节点测试二"
	var in2 struct{ ID string }
	if code := b.call("POST", "/api/v1/incidents", token, body, &in2); code != 201 {
		t.Fatalf("create incident on B: got %d", code)
	}
	ts2 := time.Now().Add(-time.Second).Truncate(time.Second)
	pos := map[string]any{"positions": []map[string]any{{"team": team2, "lon": 120.2, "lat": 30.3, "ts": ts2}}}
	if code := b.call("POST", "/api/v1/positions", token, pos, &ack); code != 200 || ack.Accepted != 1 {
		t.Fatalf("positions on B: got %d %+v", code, ack)
	}
	onB.until("B's own incident and position", func() bool {
		return onB.sawEvent("incident.created", in2.ID)() && onB.sawPosition(team2, ts2)()
	})

	// The screen that was on A reconnects to B from its last event: it
	// gets what happened since, and the latest positions of both nodes.
	moved := dialScreen(t, b, token, &resumeFrom)
	moved.last = resumeFrom
	moved.until("the events missed while moving", moved.sawEvent("incident.created", in2.ID))
	moved.until("every unit's latest position", func() bool {
		return moved.sawPosition(team1, ts)() && moved.sawPosition(team2, ts2)()
	})
	for id := range moved.events {
		if id <= resumeFrom {
			t.Fatalf("event %d replayed, want only those after %d", id, resumeFrom)
		}
	}
	if err := b.signal(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful shutdown of B: %v", err)
	}
}
