package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dispatchd/realtime/redisbus/redistest"
	"dispatchd/store/postgres/pgtest"
)

// answer is what one HTTP request got: its status, or the error of a
// request that got none.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// faultClient sends requests with a bound: a request that has not been
// answered in 30 s hangs, which a store outage must never cause.
var faultClient = &http.Client{Timeout: 30 * time.Second}

func send(p *proc, method, path, token, key string, body any) answer {
	var r io.Reader
	var sent []byte
	if body != nil {
		sent, _ = json.Marshal(body)
		r = bytes.NewReader(sent)
	}
	req, _ := http.NewRequest(method, p.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := faultClient.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		checkAnswer(p.t, sent, resp, b)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// problem is an RFC 9457 body.
type problem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// unavailable reports whether a is the 503 a store outage must give: a
// problem body of type unavailable with a reason.
func (a answer) unavailable() bool {
	var p problem
	return a.status == http.StatusServiceUnavailable && json.Unmarshal(a.body, &p) == nil &&
		p.Type == "urn:dispatchd:problem:unavailable" && p.Detail != ""
}

// follower is a command screen that follows incident events across
// outages: whenever its websocket closes it reconnects with since=<the last
// event it saw>, as the pages do.
type follower struct {
	t        *testing.T
	p        *proc
	token    string
	mu       sync.Mutex
	last     int64
	seen     map[string]int // incident.created events by incident id
	closes   map[string]int // why the server closed the websocket
	sessions int
	ready    chan struct{} // closed at the first snapshot

	done chan struct{}
	conn *websocket.Conn
}

func follow(t *testing.T, p *proc, token string) *follower {
	f := &follower{t: t, p: p, token: token, seen: map[string]int{}, closes: map[string]int{}, done: make(chan struct{}), ready: make(chan struct{})}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			f.session()
			select {
			case <-f.done:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() {
		close(f.done)
		f.mu.Lock()
		if f.conn != nil {
			f.conn.Close()
		}
		f.mu.Unlock()
		<-stopped
	})
	return f
}

// session reads one websocket connection until it ends.
func (f *follower) session() {
	u := "ws" + strings.TrimPrefix(f.p.url, "http") + "/api/v1/ws"
	c, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + f.token}})
	if err != nil {
		return
	}
	f.mu.Lock()
	select {
	case <-f.done:
		f.mu.Unlock()
		c.Close()
		return
	default:
	}
	f.conn = c
	f.sessions++
	sub := map[string]any{"op": "subscribe", "topics": []string{"incidents"}}
	if f.last > 0 {
		sub["since"] = f.last
	}
	f.mu.Unlock()
	defer c.Close()
	if err := c.WriteJSON(sub); err != nil {
		return
	}
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				f.mu.Lock()
				f.closes[fmt.Sprintf("%d %s", ce.Code, ce.Text)]++
				f.mu.Unlock()
			}
			return
		}
		var m screenMsg
		if err := json.Unmarshal(b, &m); err != nil {
			f.t.Errorf("decode %s: %v", b, err)
			return
		}
		f.mu.Lock()
		switch m.Type {
		case "snapshot", "resumed":
			select {
			case <-f.ready:
			default:
				close(f.ready)
			}
			f.last = max(f.last, m.EventID)
		case "event":
			if m.ID <= f.last {
				f.t.Errorf("event %d after %d: out of order or repeated", m.ID, f.last)
			}
			f.last = m.ID
			if m.Event == "incident.created" {
				f.seen[m.Subject]++
			}
		}
		f.mu.Unlock()
	}
}

// missing returns how many of ids the follower has not seen created.
func (f *follower) missing(ids []string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, id := range ids {
		if f.seen[id] == 0 {
			n++
		}
	}
	return n
}

// writers create incidents from n goroutines, as field clients with an
// outbox do: each request has an Idempotency-Key and is sent again, with
// the same key, until it is answered 201.
type writers struct {
	mu       sync.Mutex
	acked    map[string]string // Idempotency-Key -> incident id
	statuses map[int]int
	bad      []string // answers a store outage must never give
	lost     int      // keys carried out whose answer was lost
	stop     chan struct{}
	wg       sync.WaitGroup
}

func startWriters(p *proc, token string, n int) *writers {
	w := &writers{acked: map[string]string{}, statuses: map[int]int{}, stop: make(chan struct{})}
	for g := range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-w.stop:
					return
				default:
				}
				key := fmt.Sprintf("outage-%d-%d", g, i)
				body := map[string]any{"type": "fire", "level": 4, "title": key, "location": map[string]float64{"lon": 120.2, "lat": 30.2}}
				// A key once sent is sent until it is answered, even
				// after stop: what the client started, it finishes.
				for {
					a := send(p, "POST", "/api/v1/incidents", token, key, body)
					w.mu.Lock()
					w.statuses[a.status]++
					var in struct{ ID string }
					switch {
					case a.err != nil:
						w.bad = append(w.bad, fmt.Sprintf("%s: %v", key, a.err))
					case a.status == http.StatusCreated && json.Unmarshal(a.body, &in) == nil && in.ID != "":
						w.acked[key] = in.ID
					case a.unavailable():
					case a.status == http.StatusConflict && a.header.Get("Retry-After") != "":
						// The first send of this key is still running, or
						// it died with the store and is not stale yet.
					case a.status == http.StatusConflict && strings.Contains(string(a.body), "was carried out"):
						// It committed, and the store went away before its
						// answer was kept: the incident is there once.
						w.acked[key] = "?"
						w.lost++
					default:
						w.bad = append(w.bad, fmt.Sprintf("%s: %d %s", key, a.status, a.body))
					}
					done := w.acked[key] != "" || len(w.bad) > 20
					w.mu.Unlock()
					if done {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	return w
}

func (w *writers) count(status int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if status == http.StatusCreated {
		return len(w.acked)
	}
	return w.statuses[status]
}

// waitFor polls cond every 50 ms until it holds, failing after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("gave up after %s waiting for %s", d, what)
		}
	}
}

// TestPostgresOutage stops the PostgreSQL under a running dispatchd twice,
// while four clients create incidents and a screen follows them: once
// cleanly (fast shutdown) and once as a crash (immediate). While it is
// away /readyz says so and every write fails at once with 503 and a reason,
// never a hang and never a 500; when it is back the server recovers by
// itself. Every client's retries (same Idempotency-Key) end in exactly one
// incident, every acknowledged incident is there, the event log has no
// gap, and the screen saw every incident created, in order, once.
func TestPostgresOutage(t *testing.T) {
	pg := pgtest.NewServer(t)
	env := []string{"DATABASE_URL=" + pg.URL, "DISPATCH_WRITE_RATE=100000", "DISPATCH_DATA_DIR=" + t.TempDir()}
	t.Setenv("DATABASE_URL", pg.URL)
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"user", "add", "--username", "chief", "--role", "commander", "--password", "outage-pw12"}, nil, &out, &errb); err != nil {
		t.Fatalf("user add: %v %s", err, errb.String())
	}
	p := start(t, env, "serve", "--addr", "127.0.0.1:0")
	var login struct{ Token string }
	if code := p.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "chief", "password": "outage-pw12"}, &login); code != 200 {
		t.Fatalf("login: got %d", code)
	}
	token := login.Token
	screen := follow(t, p, token)
	// The screen's snapshot comes first: from there every incident reaches
	// it as an event.
	select {
	case <-screen.ready:
	case <-time.After(time.Minute):
		t.Fatal("the screen got no snapshot")
	}
	w := startWriters(p, token, 4)
	stopped := false
	stopWriters := func() {
		if !stopped {
			stopped = true
			close(w.stop)
			w.wg.Wait()
		}
	}
	t.Cleanup(stopWriters)

	for _, mode := range []string{"fast", "immediate"} {
		before := w.count(http.StatusCreated)
		waitFor(t, time.Minute, "writes before the outage", func() bool { return w.count(http.StatusCreated) >= before+50 })
		failed := w.count(http.StatusServiceUnavailable)
		pg.Stop(mode)
		waitFor(t, 30*time.Second, "/readyz to report the outage", func() bool {
			a := send(p, "GET", "/readyz", "", "", nil)
			return a.unavailable() && strings.Contains(string(a.body), "database")
		})
		waitFor(t, 30*time.Second, "writes to fail with 503", func() bool { return w.count(http.StatusServiceUnavailable) >= failed+20 })
		a := send(p, "POST", "/api/v1/incidents", token, "", map[string]any{"type": "fire", "level": 4, "title": "during", "location": map[string]float64{"lon": 120.2, "lat": 30.2}})
		if !a.unavailable() || !strings.Contains(string(a.body), "database") {
			t.Fatalf("a write during the outage: got %d %s %v, want 503 naming the database", a.status, a.body, a.err)
		}
		pg.Start()
		waitFor(t, time.Minute, "/readyz after the restart", func() bool { return send(p, "GET", "/readyz", "", "", nil).status == http.StatusOK })
		after := w.count(http.StatusCreated)
		waitFor(t, time.Minute, "writes after the restart", func() bool { return w.count(http.StatusCreated) >= after+50 })
		t.Logf("%s stop: %d incidents created before, %d writes answered 503 during the outage", mode, after, w.count(http.StatusServiceUnavailable)-failed)
	}
	stopWriters()
	if len(w.bad) > 0 {
		t.Fatalf("%d answers a store outage must not give, first: %s\nthe server's log:\n%s", len(w.bad), strings.Join(w.bad[:min(len(w.bad), 5)], "; "), errorLines(p.err.String()))
	}

	// Exactly one incident per key, each of them acknowledged.
	titles := map[string]int{}
	for cursor := ""; ; {
		var page struct {
			Items []struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if code := p.call("GET", "/api/v1/incidents?limit=500&cursor="+cursor, token, nil, &page); code != 200 {
			t.Fatalf("list incidents: got %d", code)
		}
		for _, in := range page.Items {
			titles[in.Title]++
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	ids := make([]string, 0, len(w.acked))
	for key, id := range w.acked {
		if titles[key] != 1 {
			t.Errorf("key %s: %d incidents, want 1", key, titles[key])
		}
		if id == "?" {
			continue
		}
		ids = append(ids, id)
		if code := p.call("GET", "/api/v1/incidents/"+id, token, nil, nil); code != 200 {
			t.Errorf("incident %s was acknowledged: got %d", id, code)
		}
	}
	last, created := checkEventLog(t, p, token)
	for end := time.Now().Add(time.Minute); screen.missing(ids) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			screen.mu.Lock()
			var miss []string
			for _, id := range ids {
				if screen.seen[id] == 0 {
					miss = append(miss, fmt.Sprintf("%s (event %d)", id, created[id]))
				}
			}
			_ = p.cmd.Process.Signal(syscall.SIGQUIT)
			_ = p.cmd.Wait()
			t.Fatalf("the screen (at event %d after %d sessions, closed with %v) never saw %d of the %d incidents created: %v\n%s",
				screen.last, screen.sessions, screen.closes, len(miss), len(ids), miss, p.err.String())
		}
	}
	screen.mu.Lock()
	for id, n := range screen.seen {
		if n != 1 {
			t.Errorf("the screen saw incident %s created %d times", id, n)
		}
	}
	t.Logf("%d incidents (%d whose answer was lost), %d events with no gap; answers %v; the screen was closed with %v", len(w.acked), w.lost, last, w.statuses, screen.closes)
	screen.mu.Unlock()
	if err := p.signal(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
}

// loggedEvent is one line of the event log as the tests read it.
type loggedEvent struct {
	ID      int64
	Type    string
	Subject string
}

// eventLog reads the whole event log, a page at a time.
func eventLog(t *testing.T, p *proc, token string) []loggedEvent {
	t.Helper()
	var all []loggedEvent
	var last int64
	for {
		var page struct {
			Items []loggedEvent
			More  bool
		}
		if code := p.call("GET", fmt.Sprintf("/api/v1/events?since=%d&limit=1000", last), token, nil, &page); code != 200 {
			t.Fatalf("list events: got %d", code)
		}
		all = append(all, page.Items...)
		if len(page.Items) > 0 {
			last = page.Items[len(page.Items)-1].ID
		}
		if !page.More {
			return all
		}
	}
}

// checkEventLog fails unless the event log runs from 1 with no gap; it
// returns the last id, and the event id of each incident's creation.
func checkEventLog(t *testing.T, p *proc, token string) (int64, map[string]int64) {
	t.Helper()
	created := map[string]int64{}
	var last int64
	for _, ev := range eventLog(t, p, token) {
		if ev.ID != last+1 {
			t.Fatalf("the event log jumps from %d to %d", last, ev.ID)
		}
		last = ev.ID
		if ev.Type == "incident.created" {
			created[ev.Subject] = ev.ID
		}
	}
	return last, created
}

// errorLines returns the lines of a server log at level ERROR.
func errorLines(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "level=ERROR") && !strings.Contains(l, "status=503") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestRedisOutage kills the Redis under two dispatchd nodes: positions
// keep flowing inside each node (posted and seen on the same node, the
// posts answered 200), and when Redis is back each node's screen gets the
// positions the other node took during the outage, with no unit reporting
// again; then positions cross between the nodes as before.
func TestRedisOutage(t *testing.T) {
	rs := redistest.NewServer(t)
	env := []string{"DISPATCH_DATA_DIR=" + t.TempDir(), "DATABASE_URL=" + pgtest.URL(t), "REDIS_URL=" + rs.URL, "DISPATCH_WRITE_RATE=100000"}
	for _, kv := range env[:2] {
		k, v, _ := cutEnv(kv)
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"user", "add", "--username", "chief", "--role", "commander", "--password", "outage-pw12"}, nil, &out, &errb); err != nil {
		t.Fatalf("user add: %v %s", err, errb.String())
	}
	a := start(t, env, "serve", "--addr", "127.0.0.1:0")
	b := start(t, env, "serve", "--addr", "127.0.0.1:0")
	var login struct{ Token string }
	if code := a.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "chief", "password": "outage-pw12"}, &login); code != 200 {
		t.Fatalf("login: got %d", code)
	}
	token := login.Token
	var teams [3]string
	for i := range teams {
		body := map[string]any{"name": fmt.Sprintf("断网测试队%d", i), "kind": "social", "capabilities": []string{"water_rescue"},
			"base": map[string]float64{"lon": 120.1 + float64(i)/10, "lat": 30.2}, "region": "330100"}
		var tm struct{ ID string }
		if code := a.call("POST", "/api/v1/teams", token, body, &tm); code != 201 {
			t.Fatalf("create team: got %d", code)
		}
		teams[i] = tm.ID
	}
	onA, onB := dialScreen(t, a, token, nil), dialScreen(t, b, token, nil)
	onA.until("the snapshot", func() bool { return onA.last > 0 })
	onB.until("the snapshot", func() bool { return onB.last > 0 })
	post := func(p *proc, team string, ts time.Time) {
		t.Helper()
		var ack struct{ Accepted int }
		body := map[string]any{"positions": []map[string]any{{"team": team, "lon": 120.2, "lat": 30.3, "ts": ts}}}
		// The other node learns of a team created on A from the event
		// feed: retry until it knows it.
		for end := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if code := p.call("POST", "/api/v1/positions", token, body, &ack); code != 200 {
				t.Fatalf("post a position: got %d", code)
			}
			if ack.Accepted == 1 || time.Now().After(end) {
				break
			}
		}
		if ack.Accepted != 1 {
			t.Fatalf("post a position of %s: not accepted", team)
		}
	}
	now := time.Now().Add(-time.Minute).Truncate(time.Second)
	post(a, teams[0], now)
	onB.until("a position posted to A, over Redis", onB.sawPosition(teams[0], now))

	rs.Stop()
	t1 := now.Add(10 * time.Second)
	post(a, teams[1], t1)
	post(b, teams[2], t1)
	onA.until("A's own position with Redis away", onA.sawPosition(teams[1], t1))
	onB.until("B's own position with Redis away", onB.sawPosition(teams[2], t1))
	// Both nodes give up on sending them before Redis is back.
	waitFor(t, time.Minute, "both nodes to fail to publish", func() bool {
		return strings.Contains(a.err.String(), "publish positions to Redis") && strings.Contains(b.err.String(), "publish positions to Redis")
	})
	rs.Start()
	onB.until("A's position of the outage on B once Redis is back", onB.sawPosition(teams[1], t1))
	onA.until("B's position of the outage on A once Redis is back", onA.sawPosition(teams[2], t1))

	t2 := t1.Add(10 * time.Second)
	post(b, teams[0], t2)
	onA.until("a position posted to B, over Redis again", onA.sawPosition(teams[0], t2))
}
