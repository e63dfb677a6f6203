package web_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dispatchd/realtime"
	"dispatchd/web"
)

// dialWS opens a websocket as user with extra headers; it returns the
// connection, or the answer that refused it.
func (e *env) dialWS(d *websocket.Dialer, user string, h http.Header) (*websocket.Conn, *http.Response, error) {
	e.t.Helper()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Authorization", "Bearer "+e.tokens[user])
	c, resp, err := d.Dial("ws"+strings.TrimPrefix(e.url, "http")+"/api/v1/ws", h)
	if err == nil {
		e.t.Cleanup(func() { c.Close() })
	}
	return c, resp, err
}

func status(r *http.Response) string {
	if r == nil {
		return "no answer"
	}
	return r.Status
}

// TestWebsocketOrigin dials with the Origin a browser sends: a page of
// another site is refused with 403 before the upgrade; the server's own
// pages, an origin listed for CORS, and clients that send no Origin (no
// browser) connect.
func TestWebsocketOrigin(t *testing.T) {
	e := newEnv(t, "sqlite", func(c *web.Config) { c.Limits.CORSOrigins = []string{"https://screen.example.org"} })
	own := e.url // http://127.0.0.1:port
	for _, tt := range []struct {
		name, origin string
		want         int
	}{
		{"no origin", "", http.StatusSwitchingProtocols},
		{"own pages", own, http.StatusSwitchingProtocols},
		{"own pages, host in capitals", strings.ToUpper(own), http.StatusSwitchingProtocols},
		{"a CORS origin", "https://screen.example.org", http.StatusSwitchingProtocols},
		{"another site", "https://evil.example.com", http.StatusForbidden},
		{"a CORS origin's lookalike", "https://screen.example.org.evil.example.com", http.StatusForbidden},
		{"the own host on another port", "http://127.0.0.1:1", http.StatusForbidden},
		{"an opaque origin", "null", http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			_, resp, _ := e.dialWS(websocket.DefaultDialer, "viewer", h)
			if resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("got %s, want %d", status(resp), tt.want)
			}
			if tt.want == http.StatusForbidden && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("got content type %q, want a problem", resp.Header.Get("Content-Type"))
			}
		})
	}
}

// TestWebsocketPerUserCap opens the default cap of websockets as one user:
// the next is refused with 429 until one closes; another user connects.
func TestWebsocketPerUserCap(t *testing.T) {
	e := newEnv(t, "sqlite")
	var open []*websocket.Conn
	for range realtime.DefaultPerUser {
		c, resp, err := e.dialWS(websocket.DefaultDialer, "viewer", nil)
		if err != nil {
			t.Fatalf("got %v %s, want a websocket", err, status(resp))
		}
		open = append(open, c)
	}
	_, resp, err := e.dialWS(websocket.DefaultDialer, "viewer", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("one over the cap: got %v %s, want 429 and a problem", err, status(resp))
	}
	if got := resp.Header.Get("Retry-After"); got == "" {
		t.Errorf("one over the cap: got no Retry-After, want one")
	}
	if _, resp, err := e.dialWS(websocket.DefaultDialer, "commander", nil); err != nil {
		t.Fatalf("another user: got %v %s, want a websocket", err, status(resp))
	}
	open[0].Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, resp, err := e.dialWS(websocket.DefaultDialer, "viewer", nil)
		if err == nil {
			break
		}
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("after one closed: got %v %s, want a websocket", err, status(resp))
		}
	}
	if st := e.hub.Stats(); st.Refused < 1 {
		t.Fatalf("got %d refused, want at least 1", st.Refused)
	}
}

// neverReads is a dialer whose sockets keep a small receive buffer, as a
// client that stops reading is soon a full one.
var neverReads = &websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	NetDialContext: (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		_ = c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}).DialContext,
}

// noise is text that compresses badly, as a snapshot of many incidents
// does not compress to nothing.
func noise(n int) string {
	b := make([]byte, n*3/4)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)[:n]
}

func (e *env) bigIncident() string {
	e.t.Helper()
	var in struct{ ID string }
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents", map[string]any{"type": "flood", "level": 3, "title": "内涝",
		"location": map[string]float64{"lon": 120.2, "lat": 30.23}, "description": noise(4000)}), 201, &in)
	return in.ID
}

// TestWebsocketNeverReading streams large events to a client that never
// reads beside one that does: the first is closed once more than its
// budget waits for it, which the hub's counters show was never exceeded,
// and before more went out than the budget and the socket buffers hold;
// the second receives every event.
func TestWebsocketNeverReading(t *testing.T) {
	const budget = 64 << 10
	e := newEnvHub(t, "sqlite", realtime.HubConfig{SendBudget: budget, WriteWait: time.Second})
	stuck, _, err := e.dialWS(neverReads, "viewer", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := stuck.WriteJSON(map[string]any{"op": "subscribe", "topics": []string{"incidents"}}); err != nil {
		t.Fatal(err)
	}
	reader := e.ws("commander")
	reader.send(map[string]any{"op": "subscribe", "topics": []string{"incidents"}})
	reader.until(isType("snapshot"))
	for e.hub.Stats().Sessions < 2 {
		time.Sleep(time.Millisecond)
	}
	var sent, frame int
	for e.hub.Stats().SlowClosed == 0 {
		if sent == 300 {
			t.Fatalf("%d events of %d bytes sent to a client that never reads, and it is still open", sent, frame)
		}
		id := e.bigIncident()
		sent++
		_, b, err := reader.c.ReadMessage() // the reader has it: so had the hub
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), id) {
			t.Fatalf("got %.200s, want incident %s", b, id)
		}
		frame = len(b)
	}
	st := e.hub.Stats()
	t.Logf("closed after %d events of %d bytes; at most %d bytes waited for it", sent, frame, st.UnsentPeak)
	if st.UnsentPeak > budget || st.UnsentPeak < budget-int64(frame) {
		t.Fatalf("got a peak of %d bytes unsent, want at most the budget %d and near it", st.UnsentPeak, budget)
	}
	// What went out before the close lies in the budget, the socket
	// buffers (64 KiB asked, doubled by Linux, on both ends) and the
	// transport's buffers (8 KiB write buffer, frames under way).
	if out, limit := sent*frame, budget+2*(64<<10)+(64<<10); out > limit {
		t.Fatalf("%d bytes went out before the client that never reads was closed, want at most %d", out, limit)
	}
	// Its connection ends at the write deadline; the reader goes on.
	for deadline := time.Now().Add(10 * time.Second); e.hub.Stats().Sessions != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("got %d sessions, want only the reader's", e.hub.Stats().Sessions)
		}
	}
	id := e.bigIncident()
	if m, _ := reader.until(isType("event")); m.Subject != id {
		t.Fatalf("got %+v, want incident %s", m, id)
	}
}

// TestWebsocketSnapshotDeadline subscribes a client that never reads to a
// snapshot larger than the socket buffers: it is closed when the snapshot
// is not taken within SnapshotWait, while a client that reads takes it.
func TestWebsocketSnapshotDeadline(t *testing.T) {
	e := newEnvHub(t, "sqlite", realtime.HubConfig{SnapshotWait: time.Second, WriteWait: time.Hour})
	const n = 150 // 600 KB of noise: 450 KB compressed
	for range n {
		e.bigIncident()
	}
	stuck, _, err := e.dialWS(neverReads, "viewer", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := stuck.WriteJSON(map[string]any{"op": "subscribe", "topics": []string{"incidents"}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for e.hub.Stats().SnapshotTimeouts == 0 {
		if ctx.Err() != nil {
			t.Fatalf("got %+v, want the client that never reads closed for its snapshot", e.hub.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	reader := e.ws("viewer")
	reader.send(map[string]any{"op": "subscribe", "topics": []string{"incidents"}})
	if m := reader.next(); m.Type != "snapshot" || len(m.Incidents) != n {
		t.Fatalf("got a %s of %d incidents, want a snapshot of %d", m.Type, len(m.Incidents), n)
	}
}
