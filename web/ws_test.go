package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsMsg is any message the server sends.
type wsMsg struct {
	Type      string          `json:"type"`
	ID        int64           `json:"id"`
	EventID   int64           `json:"event_id"`
	Event     string          `json:"event"`
	Subject   string          `json:"subject"`
	Data      json.RawMessage `json:"data"`
	Items     []wsPos         `json:"items"`
	Incidents []struct{ ID string }
	Tasks     []struct{ ID, Team string }
	Orders    []struct{ ID, Depot string }
	Teams     []struct{ ID string }
	Depots    []struct{ ID string }
	Code      string `json:"code"`
	Message   string `json:"message"`
	Accepted  int    `json:"accepted"`
	Rejected  []struct {
		Index  int
		Reason string
	} `json:"rejected"`
}

type wsPos struct {
	Team     string
	Lon, Lat float64
	TS       time.Time
}

// wsClient is a real websocket client on the test server.
type wsClient struct {
	t *testing.T
	c *websocket.Conn
}

func (e *env) ws(user string) *wsClient {
	e.t.Helper()
	url := "ws" + strings.TrimPrefix(e.url, "http") + "/api/v1/ws?access_token=" + e.tokens[user]
	c, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		e.t.Fatalf("dial as %s: %v (%v)", user, err, resp)
	}
	e.t.Cleanup(func() { c.Close() })
	return &wsClient{t: e.t, c: c}
}

func (w *wsClient) send(v any) {
	w.t.Helper()
	if err := w.c.WriteJSON(v); err != nil {
		w.t.Fatal(err)
	}
}

// next reads the next message; it fails the test after 10 s.
func (w *wsClient) next() wsMsg {
	w.t.Helper()
	_ = w.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m wsMsg
	_, b, err := w.c.ReadMessage()
	if err != nil {
		w.t.Fatalf("read: %v", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		w.t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// until reads messages until one satisfies ok, and returns the events seen
// on the way.
func (w *wsClient) until(ok func(wsMsg) bool) (wsMsg, []wsMsg) {
	w.t.Helper()
	var seen []wsMsg
	for {
		m := w.next()
		if ok(m) {
			return m, seen
		}
		seen = append(seen, m)
	}
}

func isType(t string) func(wsMsg) bool { return func(m wsMsg) bool { return m.Type == t } }

func isEvent(typ string) func(wsMsg) bool {
	return func(m wsMsg) bool { return m.Type == "event" && m.Event == typ }
}

// closeCode reads until the server closes the connection and returns the
// close code.
func (w *wsClient) closeCode() int {
	w.t.Helper()
	for {
		_ = w.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _, err := w.c.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		if err != nil {
			w.t.Fatalf("read: %v, want a close frame", err)
		}
	}
}

// TestWebsocketStream subscribes screens of every role, changes things over
// HTTP, and checks what each screen receives: the snapshot, events in
// order, coalesced positions, and only what the role may see.
func TestWebsocketStream(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		before := newIncident(e, "ws-0", nil)
		all := []string{"incidents", "teams", "positions", "tasks", "orders", "depots"}
		cmd := e.ws("commander")
		cmd.send(map[string]any{"op": "subscribe", "topics": all})
		snap := cmd.next()
		if snap.Type != "snapshot" || snap.EventID == 0 || len(snap.Incidents) != 1 || snap.Incidents[0].ID != before ||
			len(snap.Teams) != 2 || len(snap.Depots) != 1 {
			t.Fatalf("got %+v, want a snapshot of the board", snap)
		}
		if m := cmd.next(); m.Type != "positions" || len(m.Items) != 0 {
			t.Fatalf("got %+v, want the (empty) latest positions", m)
		}
		lead := e.ws("lead")
		lead.send(map[string]any{"op": "subscribe", "topics": []string{"tasks"}})
		if m := lead.next(); m.Type != "snapshot" || m.Tasks == nil || len(m.Tasks) != 0 {
			t.Fatalf("got %+v, want an empty task snapshot", m)
		}
		manager := e.ws("manager")
		manager.send(map[string]any{"op": "subscribe", "topics": []string{"orders"}, "bbox": []float64{119, 29, 121, 31}})
		if m := manager.next(); m.Type != "snapshot" {
			t.Fatalf("got %+v, want a snapshot", m)
		}

		// A dispatch on the board reaches the commander in id order, the
		// task only the lead of its team, the order the depot's manager.
		id := newIncident(e, "ws-1", nil)
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{
			"tasks":  []map[string]any{{"team": "t2", "instructions": "堤坝巡查"}},
			"orders": []map[string]any{{"depot": "d1", "lines": []map[string]any{{"item": "1010101", "qty": 20}}}},
		}), 201, nil)
		var last int64
		_, seen := cmd.until(isEvent("order.created"))
		types := []string{}
		for _, m := range seen {
			if m.Type != "event" {
				continue
			}
			if m.ID <= last {
				t.Fatalf("event %d after %d: out of order", m.ID, last)
			}
			last = m.ID
			types = append(types, m.Event)
		}
		if !strings.Contains(strings.Join(types, ","), "incident.created") || !strings.Contains(strings.Join(types, ","), "task.created") {
			t.Fatalf("got events %v before order.created, want incident.created and task.created", types)
		}
		m, _ := manager.until(isType("event"))
		if m.Event != "order.created" {
			t.Fatalf("the depot manager got %s first, want order.created", m.Event)
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/tasks", map[string]any{"team": "t1", "instructions": "支援"}), 201, nil)
		m, _ = lead.until(isType("event"))
		var task struct{ Team string }
		_ = json.Unmarshal(m.Data, &task)
		if m.Event != "task.created" || task.Team != "t1" {
			t.Fatalf("the lead of t1 got %s for team %q first, want its own task.created (never t2's)", m.Event, task.Team)
		}

		// A position posted over HTTP reaches the screen within a flush.
		e.mustJSON(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
			{"team": "t2", "lon": 120.2101, "lat": 30.2201, "ts": time.Now().UTC().Add(-time.Second)}}}), 200, nil)
		m, _ = cmd.until(isType("positions"))
		if len(m.Items) != 1 || m.Items[0].Team != "t2" || m.Items[0].Lon != 120.2101 {
			t.Fatalf("got %+v, want t2's new position", m.Items)
		}

		// A tracker sends positions over its websocket; it may not
		// subscribe.
		tr := e.ws("tracker")
		tr.send(map[string]any{"op": "subscribe", "topics": []string{"tasks"}})
		if m := tr.next(); m.Type != "error" || m.Code != "forbidden" {
			t.Fatalf("got %+v, want forbidden", m)
		}
		tr.send(map[string]any{"op": "positions", "positions": []map[string]any{
			{"lon": 120.131, "lat": 30.261, "ts": time.Now().UTC()}, {"lon": 500, "lat": 30, "ts": time.Now().UTC()}}})
		if m := tr.next(); m.Type != "ack" || m.Accepted != 1 || len(m.Rejected) != 1 || m.Rejected[0].Reason != "invalid" {
			t.Fatalf("got %+v, want 1 accepted and 1 invalid", m)
		}
		m, _ = cmd.until(func(m wsMsg) bool { return m.Type == "positions" && m.Items[0].Team == "t1" })
		if len(m.Items) != 1 {
			t.Fatalf("got %+v, want t1 alone", m.Items)
		}
	})
}

// TestWebsocketResume drops a screen, changes things while it is away, and
// checks that it gets exactly what it missed when it comes back with since,
// and a new snapshot when since is too far back.
func TestWebsocketResume(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		w := e.ws("viewer")
		w.send(map[string]any{"op": "subscribe", "topics": []string{"incidents", "tasks"}})
		snap := w.next()
		w.c.Close()
		var missed []string
		for i := range 3 {
			missed = append(missed, newIncident(e, fmt.Sprintf("away-%d", i), nil))
		}
		w = e.ws("viewer")
		w.send(map[string]any{"op": "subscribe", "topics": []string{"incidents", "tasks"}, "since": snap.EventID})
		var got []string
		resumed, seen := w.until(isType("resumed"))
		for _, m := range seen {
			if m.Type != "event" || m.Event != "incident.created" {
				t.Fatalf("got %+v while catching up, want incident.created events only", m)
			}
			got = append(got, m.Subject)
		}
		// The catch-up runs to what this node's feed had delivered when the
		// client came back; an event committed just before may follow the
		// resumed message as a live one. None is missed or repeated.
		for len(got) < len(missed) {
			m, _ := w.until(isType("event"))
			if m.Event != "incident.created" {
				t.Fatalf("got %+v after resuming, want the missed incident.created events", m)
			}
			got = append(got, m.Subject)
		}
		if strings.Join(got, ",") != strings.Join(missed, ",") || resumed.EventID <= snap.EventID {
			t.Fatalf("caught up with %v (resumed at %d), want %v after %d", got, resumed.EventID, missed, snap.EventID)
		}
		// Live events follow without a gap.
		next := newIncident(e, "after", nil)
		if m, _ := w.until(isType("event")); m.Subject != next {
			t.Fatalf("got %+v, want incident %s", m, next)
		}
		// Further back than the hub replays (50 in this test): a new
		// snapshot, current to the last event.
		for i := range 60 {
			e.mustJSON(e.as("commander", "PATCH", "/api/v1/incidents/"+next, map[string]any{"description": fmt.Sprint(i)}), 200, nil)
		}
		w2 := e.ws("viewer")
		w2.send(map[string]any{"op": "subscribe", "topics": []string{"incidents"}, "since": snap.EventID})
		if m := w2.next(); m.Type != "snapshot" || len(m.Incidents) != 4 {
			t.Fatalf("got %+v, want a snapshot of 4 incidents", m)
		}
		// A since from another database (ahead of every event): a
		// snapshot too.
		w3 := e.ws("viewer")
		w3.send(map[string]any{"op": "subscribe", "topics": []string{"incidents"}, "since": 1 << 40})
		if m := w3.next(); m.Type != "snapshot" {
			t.Fatalf("got %+v, want a snapshot", m)
		}
	})
}

// TestWebsocketBadInput sends malformed and oversized messages: each is
// refused with a reason, and only the sender's connection is ever closed.
func TestWebsocketBadInput(t *testing.T) {
	e := newEnv(t, "sqlite")
	other := e.ws("viewer")
	other.send(map[string]any{"op": "subscribe", "topics": []string{"incidents"}})
	other.next()

	w := e.ws("viewer")
	for _, tt := range []struct {
		msg, code string
	}{
		{`{"op":`, "invalid"},
		{`[1,2]`, "invalid"},
		{`{"op":"subscribe","topics":["weather"]}`, "invalid"},
		{`{"op":"subscribe","topics":["teams"],"bbox":[10,20]}`, "invalid"},
		{`{"op":"subscribe","topics":["teams"],"since":-4}`, "invalid"},
		{`{"op":"dance"}`, "invalid"},
		{`{"op":"subscribe","topics":["teams"],"extra":1}`, "invalid"},
		{`{"op":"positions","positions":[{"team":"t1","lon":120,"lat":30}]}`, "forbidden"},
	} {
		if err := w.c.WriteMessage(websocket.TextMessage, []byte(tt.msg)); err != nil {
			t.Fatal(err)
		}
		if m := w.next(); m.Type != "error" || m.Code != tt.code || m.Message == "" {
			t.Fatalf("%s: got %+v, want error %s", tt.msg, m, tt.code)
		}
	}
	w.send(map[string]string{"op": "ping"})
	if m := w.next(); m.Type != "pong" {
		t.Fatalf("got %+v, want pong: the connection survives bad messages", m)
	}
	// A binary frame, and a frame over the limit: the sender is closed.
	if err := w.c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if code := w.closeCode(); code != websocket.CloseUnsupportedData {
		t.Fatalf("got close code %d, want %d", code, websocket.CloseUnsupportedData)
	}
	big := e.ws("viewer")
	_ = big.c.WriteMessage(websocket.TextMessage, []byte(`{"op":"ping","pad":"`+strings.Repeat("x", 600<<10)+`"}`))
	if code := big.closeCode(); code != websocket.CloseMessageTooBig {
		t.Fatalf("got close code %d, want %d", code, websocket.CloseMessageTooBig)
	}
	// The other screen still streams.
	id := newIncident(e, "still", nil)
	if m, _ := other.until(isType("event")); m.Subject != id {
		t.Fatalf("got %+v, want incident %s", m, id)
	}
	// Without a token: refused before the upgrade.
	_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.url, "http")+"/api/v1/ws", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("got %v, %v; want 401", err, resp)
	}
	r := e.as("viewer", "GET", "/api/v1/ws", nil)
	if r.status != http.StatusBadRequest {
		t.Fatalf("a plain GET got %d, want 400", r.status)
	}
}
