package realtime_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/realtime"
)

// memState serves snapshots from a memLog: the event id, no lists.
type memState struct{ *memLog }

func (m memState) State(ctx context.Context, _ realtime.StateQuery) (*realtime.State, error) {
	id, err := m.LastEventID(ctx)
	return &realtime.State{EventID: id}, err
}

func (m memState) TeamIncidents(context.Context, string) ([]string, error) { return nil, nil }

func (m memState) LastEventID(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.evs)), nil
}

// pipe is a Writer that hands frames to the test; while held it blocks, as a
// client that does not read would.
type pipe struct {
	mu     sync.Mutex
	frames [][]byte
	hold   chan struct{}
	wrote  chan struct{}
}

func newPipe() *pipe { return &pipe{wrote: make(chan struct{}, 1)} }

func (p *pipe) Write(b []byte, _ time.Time) error {
	p.mu.Lock()
	hold := p.hold
	p.mu.Unlock()
	if hold != nil {
		<-hold
	}
	p.mu.Lock()
	p.frames = append(p.frames, append([]byte(nil), b...))
	p.mu.Unlock()
	select {
	case p.wrote <- struct{}{}:
	default:
	}
	return nil
}

func (p *pipe) Ping(time.Time) error { return nil }

func (p *pipe) block() {
	p.mu.Lock()
	p.hold = make(chan struct{})
	p.mu.Unlock()
}

func (p *pipe) release() {
	p.mu.Lock()
	if p.hold != nil {
		close(p.hold)
		p.hold = nil
	}
	p.mu.Unlock()
}

type frame struct {
	Type    string
	ID      int64
	EventID int64 `json:"event_id"`
	Items   []realtime.Position
}

func (p *pipe) decoded(t *testing.T) []frame {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]frame, len(p.frames))
	for i, b := range p.frames {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
	}
	return out
}

// waitFor polls the pipe until ok holds of its frames, or fails after 10 s.
func (p *pipe) waitFor(t *testing.T, what string, ok func([]frame) bool) []frame {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if fs := p.decoded(t); ok(fs) {
			return fs
		}
		select {
		case <-p.wrote:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s; got %d frames", what, len(p.decoded(t)))
		}
	}
}

type hubEnv struct {
	log  *memLog
	feed *realtime.Feed
	hub  *realtime.Hub
}

func newHub(t *testing.T, cfg realtime.HubConfig) *hubEnv {
	t.Helper()
	log := &memLog{}
	feed := realtime.NewFeed(log, 0, 5*time.Millisecond)
	hub := realtime.NewHub(cfg, memState{log}, func(dispatchd.Actor, []realtime.Position) realtime.Result { return realtime.Result{} })
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = feed.Run(ctx) }()
	go func() { defer wg.Done(); hub.Run(ctx, feed) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return &hubEnv{log, feed, hub}
}

var viewer = dispatchd.Actor{Username: "screen", Role: dispatchd.RoleViewer}

// open starts a session subscribed to topics and waits for its snapshot.
func (e *hubEnv) open(t *testing.T, topics ...string) (*realtime.Session, *pipe, chan realtime.CloseReason) {
	t.Helper()
	s, err := e.hub.Open(viewer, realtime.Grant{})
	if err != nil {
		t.Fatal(err)
	}
	p := newPipe()
	done := make(chan realtime.CloseReason, 1)
	ended := make(chan struct{})
	go func() { done <- s.Run(p); close(ended) }()
	t.Cleanup(func() { s.Close(realtime.CloseReason{Code: 1000}); <-ended })
	t.Cleanup(p.release) // runs first: a held write would keep Run from ending
	b, _ := json.Marshal(map[string]any{"op": "subscribe", "topics": topics})
	s.Handle(b)
	p.waitFor(t, "the snapshot", func(fs []frame) bool { return len(fs) > 0 && fs[0].Type == "snapshot" })
	return s, p, done
}

// TestHubSlowClientClosed holds one client's writes: once more events wait
// for it than its buffer holds, it is closed with a reason that says where
// to resume, while another client receives every event.
func TestHubSlowClientClosed(t *testing.T) {
	e := newHub(t, realtime.HubConfig{EventBuffer: 8})
	slowS, slow, slowDone := e.open(t, "teams")
	_, fast, _ := e.open(t, "teams")
	_ = slowS
	slow.block()
	// One event at a time, each read by the fast client before the next:
	// only the held one falls behind.
	for i := range 30 {
		e.log.append(1)
		e.feed.Notify()
		fast.waitFor(t, "the next event", func(fs []frame) bool { return len(fs) == i+2 })
	}
	slow.release()
	var r realtime.CloseReason
	select {
	case r = <-slowDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow session was not closed")
	}
	if r.Code != realtime.CloseSlow || !strings.Contains(r.Reason, "since=") {
		t.Fatalf("got %+v, want a slow close that says since", r)
	}
	for i, f := range fast.decoded(t)[1:] {
		if f.Type != "event" || f.ID != int64(i+1) {
			t.Fatalf("frame %d: got %+v, want event %d", i, f, i+1)
		}
	}
	if st := e.hub.Stats(); st.SlowClosed != 1 {
		t.Fatalf("got %d slow closes, want 1", st.SlowClosed)
	}
}

// TestHubCoalescesPositions moves one unit many times at once: screens get
// its latest position, not every fix, and never an older one after a newer.
func TestHubCoalescesPositions(t *testing.T) {
	cfg := realtime.HubConfig{Flush: 5 * time.Millisecond, UnitEvery: 100 * time.Millisecond}
	e := newHub(t, cfg)
	_, p, _ := e.open(t, "positions")
	deliver := e.hub.Deliver(nil)
	t0 := time.Now().UTC()
	start := time.Now()
	const n = 200
	for i := range n {
		deliver([]realtime.Position{{Team: "u1", Lon: 120 + float64(i)/1e4, Lat: 30, TS: t0.Add(time.Duration(i) * time.Millisecond)}})
	}
	// An old fix arriving late changes nothing.
	deliver([]realtime.Position{{Team: "u1", Lon: 1, Lat: 1, TS: t0.Add(-time.Hour)}})
	took := time.Since(start)
	last := t0.Add((n - 1) * time.Millisecond)
	fs := p.waitFor(t, "the latest position", func(fs []frame) bool {
		l := fs[len(fs)-1]
		return l.Type == "positions" && len(l.Items) == 1 && l.Items[0].TS.Equal(last)
	})
	var got int
	var prev time.Time
	for _, f := range fs[2:] { // after the snapshot and the initial positions
		for _, it := range f.Items {
			if !it.TS.After(prev) {
				t.Fatalf("position at %v after one at %v", it.TS, prev)
			}
			prev = it.TS
			got++
		}
	}
	// One flush per UnitEvery while the loop ran, and the last.
	if limit := int(took/cfg.UnitEvery) + 2; got > limit {
		t.Fatalf("got %d positions of one unit for %d fixes in %v, want at most %d", got, n, took, limit)
	}
}

// TestHubSlowReaderGetsLatestOfEveryUnit holds a client's writes while
// several flushes pass: when it reads again it gets the latest position of
// every unit that moved, none lost.
func TestHubSlowReaderGetsLatestOfEveryUnit(t *testing.T) {
	e := newHub(t, realtime.HubConfig{Flush: 5 * time.Millisecond, UnitEvery: time.Millisecond, Ring: 4})
	_, p, _ := e.open(t, "positions")
	p.waitFor(t, "the initial positions", func(fs []frame) bool { return len(fs) == 2 })
	p.block()
	deliver := e.hub.Deliver(nil)
	now := time.Now().UTC()
	teams := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for i, team := range teams {
		deliver([]realtime.Position{{Team: team, Lon: 120, Lat: 30, TS: now.Add(time.Duration(i) * time.Second)}})
		time.Sleep(8 * time.Millisecond) // each in its own flush, past the ring
	}
	p.release()
	fs := p.waitFor(t, "every unit", func(fs []frame) bool {
		seen := map[string]bool{}
		for _, f := range fs {
			for _, it := range f.Items {
				seen[it.Team] = true
			}
		}
		return len(seen) == len(teams)
	})
	for _, f := range fs[2:] {
		if f.Type != "positions" {
			t.Fatalf("got %+v, want positions only", f)
		}
	}
}
