package redisbus_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"dispatchd/realtime"
	"dispatchd/realtime/redisbus"
	"dispatchd/realtime/redisbus/redistest"
)

// client returns a plain go-redis client, for what a test does to Redis
// behind the bus's back.
func client(t testing.TB, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("parse TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// latestKey is the hash that Open documents for prefix.
func latestKey(prefix string) string { return prefix + ":positions:latest" }

// seedTeam is the unit that newPrefix puts in every hash. A bus has done its
// first reload once it has delivered it, so that tests publish only after
// every receiver has subscribed and reloaded; otherwise a batch could
// arrive both through the reload and as a message.
const seedTeam = "seed"

var seed = fix(seedTeam, 0)

// newPrefix returns a prefix that no other test uses, whose hash holds
// seed and is deleted when the test ends.
func newPrefix(t *testing.T, url string) string {
	t.Helper()
	prefix := "test-" + t.Name() + "-" + rand.Text()
	rdb := client(t, url)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rdb.Del(ctx, latestKey(prefix)).Err(); err != nil {
			t.Logf("delete %s: %v", latestKey(prefix), err)
		}
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := redisbus.Open(ctx, url, prefix, func([]realtime.Position) {})
	if err != nil {
		t.Fatalf("open the seeding bus: %v", err)
	}
	defer s.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, func(err error) { t.Logf("seeding bus: %v", err) })
	}()
	defer func() { cancel(); <-done }()
	s.Publish([]realtime.Position{seed})
	waitFor(t, "the seed in the hash", func() bool {
		ps, err := s.Latest(ctx)
		return err == nil && len(ps) == 1
	})
	return prefix
}

// recorder keeps what a bus delivers.
type recorder struct {
	mu      sync.Mutex
	batches [][]realtime.Position
}

func (r *recorder) deliver(ps []realtime.Position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, append([]realtime.Position(nil), ps...))
}

// count returns how many positions of team were delivered.
func (r *recorder) count(team string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.batches {
		for _, p := range b {
			if p.Team == team {
				n++
			}
		}
	}
	return n
}

// newest returns the newest position of every team delivered, as a
// node's hub keeps them.
func (r *recorder) newest() []realtime.Position {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[string]realtime.Position{}
	for _, b := range r.batches {
		for _, p := range b {
			if cur, ok := m[p.Team]; !ok || p.TS.After(cur.TS) {
				m[p.Team] = p
			}
		}
	}
	out := make([]realtime.Position, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	return out
}

func (r *recorder) first() []realtime.Position {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.batches) == 0 {
		return nil
	}
	return r.batches[0]
}

// startBus opens and runs a bus on prefix until the test ends, and returns
// once its receiver has subscribed and reloaded the hash.
func startBus(t *testing.T, url, prefix string) (*redisbus.Bus, *recorder) {
	t.Helper()
	r := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := redisbus.Open(ctx, url, prefix, r.deliver)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	b.ResyncFrom(r.newest)
	run, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Run(run, func(err error) { t.Logf("bus: %v", err) })
	}()
	t.Cleanup(func() {
		stop()
		<-done
		b.Close()
	})
	waitFor(t, "the first reload's delivery", func() bool { return r.count(seedTeam) > 0 })
	return b, r
}

// waitFor waits until cond holds, failing the test when it does not within
// a deadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// base is the device time of fix(team, 0); its nanoseconds check that the
// hash keeps the full precision.
var base = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// fix returns a position of team at base plus sec seconds.
func fix(team string, sec int) realtime.Position {
	return realtime.Position{Team: team, Lon: 8 + float64(sec)/1000, Lat: 47, TS: base.Add(time.Duration(sec) * time.Second)}
}

// byTeam describes positions by team, to compare them.
func byTeam(ps []realtime.Position) map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Team] = fmt.Sprintf("%s (%g, %g)", p.TS.UTC().Format(time.RFC3339Nano), p.Lon, p.Lat)
	}
	return m
}

func latest(t *testing.T, b *redisbus.Bus) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ps, err := b.Latest(ctx)
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	return byTeam(ps)
}

func TestPublishReachesEveryNodeOnce(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	tests := []struct {
		name    string
		batches [][]realtime.Position
	}{
		{"one fix", [][]realtime.Position{{fix("u1", 1)}}},
		{"several units", [][]realtime.Position{{fix("u1", 1), fix("u2", 1), fix("u3", 1)}}},
		{"several batches", [][]realtime.Position{{fix("u1", 1), fix("u2", 1)}, {fix("u3", 1)}, {fix("u4", 1)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix := newPrefix(t, url)
			a, ra := startBus(t, url, prefix)
			b, rb := startBus(t, url, prefix)
			for _, ps := range tt.batches {
				a.Publish(ps)
			}
			var teams []string
			for _, ps := range tt.batches {
				for _, p := range ps {
					teams = append(teams, p.Team)
				}
			}
			for _, team := range teams {
				waitFor(t, "B to receive "+team, func() bool { return rb.count(team) > 0 })
			}
			// Redis sends a subscriber the messages in the order they were
			// published, so once a marker published after the batches has
			// arrived, any second copy of a batch would have arrived too.
			a.Publish([]realtime.Position{fix("marker-a", 1)})
			waitFor(t, "B to receive A's marker", func() bool { return rb.count("marker-a") > 0 })
			b.Publish([]realtime.Position{fix("marker-b", 1)})
			waitFor(t, "A to receive B's marker", func() bool { return ra.count("marker-b") > 0 })

			for _, team := range append(teams, "marker-a") {
				if got := ra.count(team); got != 1 {
					t.Errorf("A delivered %s %d times, want 1", team, got)
				}
				if got := rb.count(team); got != 1 {
					t.Errorf("B delivered %s %d times, want 1", team, got)
				}
			}
		})
	}
}

func TestLateNodeGetsNewestOfEveryUnit(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	prefix := newPrefix(t, url)
	a, _ := startBus(t, url, prefix)
	b, _ := startBus(t, url, prefix)
	a.Publish([]realtime.Position{fix("u1", 1), fix("u2", 1)})
	a.Publish([]realtime.Position{fix("u1", 3), fix("u1", 2), fix("u3", 1)}) // older after newer in one batch
	b.Publish([]realtime.Position{fix("u2", 5), fix("u4", 2)})
	want := byTeam([]realtime.Position{seed, fix("u1", 3), fix("u2", 5), fix("u3", 1), fix("u4", 2)})
	waitFor(t, "the hash to hold every unit's newest fix", func() bool { return maps.Equal(latest(t, a), want) })

	c, rc := startBus(t, url, prefix)
	if got := latest(t, c); !maps.Equal(got, want) {
		t.Errorf("Latest on the late node: got %v, want %v", got, want)
	}
	if got := byTeam(rc.first()); !maps.Equal(got, want) {
		t.Errorf("the late node's first delivery: got %v, want %v", got, want)
	}
}

func TestLatestKeepsNewestByDeviceTime(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	newer, older := fix("u", 10), fix("u", 5)
	sameTime := newer
	sameTime.Lon++
	type step struct {
		bus int // 0 or 1
		p   realtime.Position
	}
	tests := []struct {
		name  string
		steps []step
		want  realtime.Position
	}{
		{"newer then older, two nodes", []step{{0, newer}, {1, older}}, newer},
		{"older then newer, two nodes", []step{{0, older}, {1, newer}}, newer},
		{"newer then older, one node", []step{{0, newer}, {0, older}}, newer},
		{"same device time keeps the first", []step{{0, newer}, {1, sameTime}}, newer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix := newPrefix(t, url)
			a, _ := startBus(t, url, prefix)
			b, _ := startBus(t, url, prefix)
			buses := []*redisbus.Bus{a, b}
			for _, s := range tt.steps {
				bus := buses[s.bus]
				n := bus.Stats().Published
				bus.Publish([]realtime.Position{s.p})
				// Published counts a batch once Redis ran the script.
				waitFor(t, "the batch to be written", func() bool { return bus.Stats().Published > n })
			}
			want := byTeam([]realtime.Position{seed, tt.want})
			for i, bus := range buses {
				if got := latest(t, bus); !maps.Equal(got, want) {
					t.Errorf("Latest on bus %d: got %v, want %v", i, got, want)
				}
			}
		})
	}
}

func TestPrefixesIsolate(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	p1, p2 := newPrefix(t, url), newPrefix(t, url)
	a, _ := startBus(t, url, p1)
	x, rx := startBus(t, url, p2)
	y, _ := startBus(t, url, p2)

	a.Publish([]realtime.Position{fix("u1", 1)})
	waitFor(t, "A's batch to be written", func() bool { return a.Stats().Published == 1 })
	// Had X heard A's channel, A's message, published first, would reach X
	// before Y's marker.
	y.Publish([]realtime.Position{fix("marker", 1)})
	waitFor(t, "X to receive Y's marker", func() bool { return rx.count("marker") > 0 })

	if got := rx.count("u1"); got != 0 {
		t.Errorf("X delivered u1 %d times, want 0", got)
	}
	if got, want := latest(t, x), byTeam([]realtime.Position{seed, fix("marker", 1)}); !maps.Equal(got, want) {
		t.Errorf("Latest on the other prefix: got %v, want %v", got, want)
	}
	if got, want := latest(t, a), byTeam([]realtime.Position{seed, fix("u1", 1)}); !maps.Equal(got, want) {
		t.Errorf("Latest on the first prefix: got %v, want %v", got, want)
	}
}

func TestStatsCountBatches(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d batches", n), func(t *testing.T) {
			t.Parallel()
			prefix := newPrefix(t, url)
			a, _ := startBus(t, url, prefix)
			b, rb := startBus(t, url, prefix)
			for i := range n {
				team := fmt.Sprintf("u%d", i)
				a.Publish([]realtime.Position{fix(team, 1)})
				// One at a time, so that the publisher cannot merge them.
				waitFor(t, "B to receive "+team, func() bool { return rb.count(team) > 0 })
			}
			if got, want := a.Stats(), (redisbus.Stats{Published: int64(n)}); got != want {
				t.Errorf("A's stats: got %+v, want %+v", got, want)
			}
			if got, want := b.Stats(), (redisbus.Stats{Received: int64(n)}); got != want {
				t.Errorf("B's stats: got %+v, want %+v", got, want)
			}
		})
	}
}

func TestLatestSkipsMalformedValues(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	stamp := strings.Repeat("0", 23)
	legacy := fix("bad", 7)
	legacyJSON, err := json.Marshal(legacy)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		value string
		kept  *realtime.Position // what Latest returns for the unit, nil when skipped
	}{
		{"empty", "", nil},
		{"not JSON", "garbage", nil},
		{"time and not JSON", stamp + "|garbage", nil},
		{"short time", "123|" + `{"team":"bad","lon":8,"lat":47,"ts":"2026-03-01T12:00:00Z"}`, nil},
		{"another unit's fix", stamp + "|" + `{"team":"other","lon":8,"lat":47,"ts":"2026-03-01T12:00:00Z"}`, nil},
		{"no team", stamp + "|" + `{"lon":8,"lat":47}`, nil},
		{"JSON without a time, as older nodes wrote", string(legacyJSON), &legacy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix := newPrefix(t, url)
			a, _ := startBus(t, url, prefix)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := client(t, url).HSet(ctx, latestKey(prefix), "bad", tt.value).Err(); err != nil {
				t.Fatalf("write the value: %v", err)
			}
			want := byTeam([]realtime.Position{seed})
			if tt.kept != nil {
				want = byTeam([]realtime.Position{seed, *tt.kept})
			}
			if got := latest(t, a); !maps.Equal(got, want) {
				t.Errorf("Latest: got %v, want %v", got, want)
			}

			// A unit whose stored value has no readable time takes any fix.
			a.Publish([]realtime.Position{fix("bad", 1)})
			waitFor(t, "the fix to be written", func() bool { return a.Stats().Published == 1 })
			want = byTeam([]realtime.Position{seed, fix("bad", 1)})
			if got := latest(t, a); !maps.Equal(got, want) {
				t.Errorf("Latest after a fix: got %v, want %v", got, want)
			}
		})
	}
}

func TestOpenFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, want string
	}{
		{"unreachable", "redis://127.0.0.1:1", "connect to Redis at 127.0.0.1:1"},
		{"not a Redis URL", "http://127.0.0.1:6379", "parse REDIS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			b, err := redisbus.Open(ctx, tt.url, "test-"+rand.Text(), func([]realtime.Position) {})
			if err == nil {
				b.Close()
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want a failure before the deadline", err)
			}
		})
	}
}

// TestResyncAfterRedisRestart stops Redis under two nodes: each node's own
// positions keep reaching it, and when Redis comes back (empty, as it
// keeps nothing on disk) each node gets what the other took meanwhile,
// and the hash holds both, without either unit reporting again.
func TestResyncAfterRedisRestart(t *testing.T) {
	rs := redistest.NewServer(t)
	prefix := newPrefix(t, rs.URL)
	a, ra := startBus(t, rs.URL, prefix)
	b, rb := startBus(t, rs.URL, prefix)

	rs.Stop()
	a.Publish([]realtime.Position{fix("on-a", 1)})
	b.Publish([]realtime.Position{fix("on-b", 2)})
	if ra.count("on-a") != 1 || rb.count("on-b") != 1 {
		t.Fatalf("with Redis away, a node's own positions: got %d on a and %d on b, want 1 each", ra.count("on-a"), rb.count("on-b"))
	}
	// The outage outlasts the client's retries: both batches are lost to
	// Redis.
	waitFor(t, "both nodes to fail to publish", func() bool { return a.Stats().Failed > 0 && b.Stats().Failed > 0 })
	rs.Start()
	waitFor(t, "each node to get the other's position", func() bool { return rb.count("on-a") > 0 && ra.count("on-b") > 0 })
	want := byTeam([]realtime.Position{fix("on-a", 1), fix("on-b", 2)})
	waitFor(t, "the hash to hold both", func() bool {
		got := latest(t, a)
		return got["on-a"] == want["on-a"] && got["on-b"] == want["on-b"]
	})
}

// TestStopSendsWhatIsQueued publishes a batch and stops the bus at once,
// twenty times: Run sends what is queued before it returns, so every
// batch reaches the hash. (Before, Run returned at the first ctx.Done it
// saw, whatever was still queued.)
func TestStopSendsWhatIsQueued(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	prefix := newPrefix(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	want := map[string]string{}
	for i := range 20 {
		b, err := redisbus.Open(ctx, url, prefix, func([]realtime.Position) {})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		p := fix(fmt.Sprintf("stop-%02d", i), i)
		b.Publish([]realtime.Position{p})
		want[p.Team] = byTeam([]realtime.Position{p})[p.Team]
		run, stop := context.WithCancel(ctx)
		stop()
		b.Run(run, func(err error) { t.Errorf("bus: %v", err) })
		b.Close()
	}
	r, err := redisbus.Open(ctx, url, prefix, func([]realtime.Position) {})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer r.Close()
	got := latest(t, r)
	for team, w := range want {
		if got[team] != w {
			t.Fatalf("%s: got %q in the hash, want %q: the queued batch was not sent at stop", team, got[team], w)
		}
	}
}
