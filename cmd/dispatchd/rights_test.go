package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dispatchd/realtime/redisbus/redistest"
)

// watcher is a websocket on one node, opened with one token.
type watcher struct {
	t      *testing.T
	c      *websocket.Conn
	events []string // "type subject" of every event received
}

// watch connects to node p with token and subscribes to topics; without
// topics (a tracker) it only connects.
func watch(t *testing.T, p *proc, token string, topics ...string) *watcher {
	t.Helper()
	u := "ws" + strings.TrimPrefix(p.url, "http") + "/api/v1/ws"
	c, resp, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", u, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	w := &watcher{t: t, c: c}
	if len(topics) > 0 {
		if err := c.WriteJSON(map[string]any{"op": "subscribe", "topics": topics}); err != nil {
			t.Fatal(err)
		}
		w.until("the snapshot", func(typ string) bool { return typ == "snapshot" })
	}
	return w
}

// until reads messages until ok holds of one's type (an event's is
// "event <type> <subject>"), failing on a close or after 30 s.
func (w *watcher) until(what string, ok func(typ string) bool) {
	w.t.Helper()
	for {
		typ, err := w.read()
		if err != nil {
			w.t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok(typ) {
			return
		}
	}
}

func (w *watcher) read() (string, error) {
	_ = w.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, b, err := w.c.ReadMessage()
	if err != nil {
		return "", err
	}
	var m struct{ Type, Event, Subject string }
	if err := json.Unmarshal(b, &m); err != nil {
		return "", fmt.Errorf("decode %s: %w", b, err)
	}
	if m.Type == "event" {
		w.events = append(w.events, m.Event+" "+m.Subject)
		return "event " + m.Event + " " + m.Subject, nil
	}
	return m.Type, nil
}

// closed reads until the server closes the socket and returns its close
// frame; it fails when the socket stays open for 30 s.
func (w *watcher) closed() *websocket.CloseError {
	w.t.Helper()
	for {
		_, err := w.read()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce
		}
		if err != nil {
			w.t.Fatalf("got %v, want a close frame", err)
		}
	}
}

// wantRevoked checks that the socket is closed with 4003 and a reason
// that says why, and that it received none of the events named.
func (w *watcher) wantRevoked(reason string, never ...string) {
	w.t.Helper()
	ce := w.closed()
	if ce.Code != 4003 || !strings.Contains(ce.Text, reason) {
		w.t.Fatalf("got close %d %q, want 4003 saying %q", ce.Code, ce.Text, reason)
	}
	for _, ev := range w.events {
		for _, n := range never {
			if ev == n {
				w.t.Fatalf("got %q after the rights ended", ev)
			}
		}
	}
}

// TestTwoNodesRightsEnd changes rights on node A, where every change is
// committed, and watches sockets on node B: each socket the change
// concerns is closed with 4003 and a reason, before any later event
// reaches it, and the others go on. A token that expires closes its
// socket too.
func TestTwoNodesRightsEnd(t *testing.T) {
	t.Parallel()
	env := append(demoEnv(t, "postgres"),
		"REDIS_URL="+redistest.URL(t), "REDIS_PREFIX="+redistest.Prefix())
	a := start(t, env, "serve", "--addr", "127.0.0.1:0", "--demo")
	b := start(t, env, "serve", "--addr", "127.0.0.1:0")
	admin, cmd := a.login("admin"), a.login("commander")
	var teams struct {
		Items []struct{ ID string } `json:"items"`
	}
	if code := a.call("GET", "/api/v1/teams?limit=2", cmd, nil, &teams); code != 200 || len(teams.Items) != 2 {
		t.Fatalf("teams: got %d %+v", code, teams)
	}
	team1, team2 := teams.Items[0].ID, teams.Items[1].ID
	var in struct{ ID string }
	body := map[string]any{"type": "flood", "level": 2, "title": "权限测试", "location": map[string]float64{"lon": 120.15, "lat": 30.25}}
	if code := a.call("POST", "/api/v1/incidents", cmd, body, &in); code != 201 {
		t.Fatalf("create incident: got %d", code)
	}
	n := 0
	// user creates a user on A and logs it in on A.
	user := func(role, team string) (id, token string) {
		t.Helper()
		n++
		u := map[string]any{"username": fmt.Sprintf("rights-%d", n), "password": "harbour-lamp-42", "role": role}
		if team != "" {
			u["team"] = team
		}
		var created struct{ ID string }
		if code := a.call("POST", "/api/v1/users", admin, u, &created); code != 201 {
			t.Fatalf("create user: got %d", code)
		}
		var login struct{ Token string }
		if code := a.call("POST", "/api/v1/auth/login", "", map[string]string{"username": u["username"].(string), "password": "harbour-lamp-42"}, &login); code != 200 {
			t.Fatalf("login: got %d", code)
		}
		return created.ID, login.Token
	}
	task := func(team string) string {
		t.Helper()
		var tk struct{ ID string }
		if code := a.call("POST", "/api/v1/incidents/"+in.ID+"/tasks", cmd, map[string]any{"team": team, "ack_within_s": 600}, &tk); code != 201 {
			t.Fatalf("create task: got %d", code)
		}
		return tk.ID
	}
	patch := func(id string, p map[string]any) {
		t.Helper()
		if code := a.call("PATCH", "/api/v1/users/"+id, admin, p, nil); code != 200 {
			t.Fatalf("patch user: got %d", code)
		}
	}

	t.Run("logout", func(t *testing.T) {
		_, token := user("team_lead", team1)
		_, kept := user("team_lead", team1)
		out, stays := watch(t, b, token, "tasks"), watch(t, b, kept, "tasks")
		tk := task(team1)
		out.until("the task", func(typ string) bool { return typ == "event task.created "+tk })
		if code := a.call("POST", "/api/v1/auth/logout", token, nil, nil); code != 204 {
			t.Fatalf("logout: got %d", code)
		}
		if code := a.call("POST", "/api/v1/tasks/"+tk+"/cancel", cmd, map[string]string{"reason": "机密：目标转移"}, nil); code != 200 {
			t.Fatalf("cancel: got %d", code)
		}
		out.wantRevoked("logged out", "task.cancelled "+tk)
		// Another lead of the team, still logged in, is told.
		stays.until("the cancellation", func(typ string) bool { return typ == "event task.cancelled "+tk })
	})
	t.Run("token exchanged", func(t *testing.T) {
		_, token := user("viewer", "")
		w := watch(t, b, token, "incidents")
		var fresh struct{ Token string }
		if code := a.call("POST", "/api/v1/auth/refresh", token, nil, &fresh); code != 200 {
			t.Fatalf("refresh: got %d", code)
		}
		w.wantRevoked("exchanged")
		watch(t, b, fresh.Token, "incidents")
	})
	t.Run("disabled", func(t *testing.T) {
		id, token := user("viewer", "")
		w := watch(t, b, token, "incidents")
		patch(id, map[string]any{"disabled": true})
		w.wantRevoked("disabled")
	})
	t.Run("demoted", func(t *testing.T) {
		id, token := user("commander", "")
		w := watch(t, b, token, "incidents", "tasks")
		patch(id, map[string]any{"role": "viewer"})
		w.wantRevoked("role")
	})
	t.Run("re-bound to another team", func(t *testing.T) {
		id, token := user("team_lead", team1)
		w := watch(t, b, token, "tasks")
		patch(id, map[string]any{"team": team2})
		tk := task(team1)
		w.wantRevoked("bindings changed", "task.created "+tk)
	})
	t.Run("tracker deleted", func(t *testing.T) {
		var tr struct{ Token string }
		if code := a.call("POST", "/api/v1/trackers", cmd, map[string]string{"id": "rights-phone", "team": team1}, &tr); code != 201 {
			t.Fatalf("create tracker: got %d", code)
		}
		w := watch(t, b, tr.Token)
		fix := map[string]any{"op": "positions", "positions": []map[string]any{{"team": team1, "lon": 120.1, "lat": 30.2, "ts": time.Now().UTC()}}}
		if err := w.c.WriteJSON(fix); err != nil {
			t.Fatal(err)
		}
		w.until("the ack", func(typ string) bool { return typ == "ack" })
		if code := a.call("DELETE", "/api/v1/trackers/rights-phone", cmd, nil, nil); code != 204 {
			t.Fatalf("delete tracker: got %d", code)
		}
		w.wantRevoked("disabled")
	})
	t.Run("token expires", func(t *testing.T) {
		// A third node issues logins that last 3 s; B closes the socket
		// when the token it was opened with expires.
		c := start(t, env, "serve", "--addr", "127.0.0.1:0", "--token-ttl", "3s")
		w := watch(t, b, c.login("viewer"), "incidents")
		w.wantRevoked("expired")
	})
}
