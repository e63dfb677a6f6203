package bench

// The load that `dispatchd bench live` and `dispatchd bench soak` put on a
// dispatchd process, and how they read what it holds.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// startLiveServer starts dispatchd as a process on the store in dir, with
// its profiler on, and logs in as the commander.
func startLiveServer(ctx context.Context, env Env, dir string) (*child, string, error) {
	srv, err := startChild(ctx, "dispatchd is up at ", "serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--debug-addr", "127.0.0.1:0",
		"--ws-per-user", "1000000", // every screen of the bench is the commander's
		"--write-rate", "100000") // and so are the scenes it loads, thousands of changes at once
	if err != nil {
		return nil, "", err
	}
	token, err := liveLogin(ctx, srv.url, env.DemoPassword)
	if err != nil {
		srv.stop()
		return nil, "", err
	}
	return srv, token, nil
}

// liveTopics are what a screen of the bench subscribes to: every topic.
const liveTopics = "incidents,teams,positions,tasks,orders,depots,zones"

// startScreens starts the screens process: n websocket screens on url,
// subscribed to topics, of which timed time every position.
func startScreens(ctx context.Context, url, token string, n, timed int, topics string) (*child, error) {
	return startChild(ctx, "screens ready", "bench", "live-screens", "--url", url, "--token", token,
		"--n", strconv.Itoa(n), "--timed", strconv.Itoa(timed), "--topics", topics)
}

// memory is what the server holds after a garbage collection, in bytes,
// with its goroutines and its websocket hub's counts.
type memory struct {
	rss                    int64 // resident set
	heapInuse, stackInuse  int64
	heapLive               int64 // heap objects reachable after the collection
	goroutines             int64
	sessions, eventsQueued int64 // websocket sessions, event messages queued to them
}

// goMem is the Go heap and stacks in use.
func (m memory) goMem() int64 { return m.heapInuse + m.stackInuse }

// serverMemory collects the server's garbage through its profiler and
// reads what it holds: the heap from the profiler's memory statistics, its
// resident set from /proc, the rest from /metrics.
func serverMemory(ctx context.Context, srv *child) (memory, error) {
	var m memory
	profiler := ""
	for _, l := range srv.pre {
		if u, ok := strings.CutPrefix(l, "profiler at "); ok {
			profiler = strings.TrimSpace(u)
		}
	}
	if profiler == "" {
		return m, errors.New("the server runs without its profiler (--debug-addr)")
	}
	// Collect the garbage first, so that what is counted is held. The
	// profile's text form carries the memory statistics read just after
	// the collection, before a server under load allocates again.
	if err := readFigures(ctx, profiler+"heap?gc=1&debug=1", map[string]*int64{
		"# HeapAlloc": &m.heapLive, "# HeapInuse": &m.heapInuse,
	}); err != nil {
		return m, err
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.cmd.Process.Pid))
	if err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
				m.rss = kb * 1024
			}
		}
	}
	err = readFigures(ctx, srv.url+"/metrics", map[string]*int64{
		"go_memstats_stack_inuse_bytes": &m.stackInuse, "go_goroutines": &m.goroutines,
		"dispatchd_ws_sessions": &m.sessions, "dispatchd_ws_events_queued_total": &m.eventsQueued,
	})
	return m, err
}

// readFigures gets url and reads the figure of each line whose name is in
// fields: "name 123" (Prometheus) or "# Name = 123" (the profiler's memory
// statistics).
func readFigures(ctx context.Context, url string, fields map[string]*int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if p := fields[strings.TrimSuffix(line[:i], " =")]; p != nil {
			v, _ := strconv.ParseFloat(line[i+1:], 64)
			*p = int64(v)
		}
	}
	return sc.Err()
}

// createIncidents creates perSecond exercise incidents a second on url
// until ctx ends, and counts them in created unless it is nil. It returns
// the last error, if any creation failed.
func createIncidents(ctx context.Context, url, token string, perSecond float64, created *atomic.Int64) error {
	if perSecond <= 0 {
		return nil
	}
	var failed error
	t := time.NewTicker(time.Duration(float64(time.Second) / perSecond))
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return failed
		case <-t.C:
		}
		body := map[string]any{"type": "flood", "level": 3, "title": fmt.Sprintf("压测 %d", i), "location": map[string]float64{"lon": 120.2, "lat": 30.3}, "exercise": true}
		if err := postJSON(context.WithoutCancel(ctx), http.DefaultClient, url+"/api/v1/incidents", token, body, nil); err != nil {
			failed = fmt.Errorf("create incident: %w", err)
			continue
		}
		if created != nil {
			created.Add(1)
		}
	}
}

// askScreens gives the last flush time to arrive, then asks the screens
// process for its report on the events want.
func askScreens(sc *child, want []int64) (screensReport, error) {
	var r screensReport
	time.Sleep(time.Second)
	if err := json.NewEncoder(sc.in).Encode(want); err != nil {
		return r, err
	}
	line, err := sc.result(time.Minute)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return r, fmt.Errorf("screens report %q: %w", line, err)
	}
	return r, nil
}

// eventsSince lists the ids of the events after first, up to the last.
func eventsSince(ctx context.Context, url, token string, first int64) ([]int64, error) {
	last, err := lastEventID(ctx, url, token)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for id := first + 1; id <= last; id++ {
		ids = append(ids, id)
	}
	return ids, nil
}

func lastEventID(ctx context.Context, url, token string) (int64, error) {
	var since int64
	for {
		var page struct {
			Items []struct{ ID int64 } `json:"items"`
		}
		if err := getJSON(ctx, fmt.Sprintf("%s/api/v1/events?since=%d&limit=1000", url, since), token, &page); err != nil {
			return 0, err
		}
		if len(page.Items) == 0 {
			return since, nil
		}
		since = page.Items[len(page.Items)-1].ID
	}
}

// fleet is the units the bench moves: each wanders a few metres per fix,
// from run to run, so that the server's filter passes every fix.
type fleet struct {
	teams    []string
	lon, lat []float64
	r        *rand.Rand
	next     int
}

func newFleet(teams []string) *fleet {
	r := rand.New(rand.NewPCG(7, 11))
	f := &fleet{teams: teams, lon: make([]float64, len(teams)), lat: make([]float64, len(teams)), r: r}
	for i := range teams {
		f.lon[i], f.lat[i] = 119+r.Float64()*3, 28+r.Float64()*3
	}
	return f
}

// batch moves the next n units in turn and returns their fixes at ts.
func (f *fleet) batch(n int, ts time.Time) []map[string]any {
	b := make([]map[string]any, n)
	for i := range b {
		u := f.next % len(f.teams)
		f.next++
		f.lon[u] += (f.r.Float64() - 0.5) * 1e-4
		f.lat[u] += (f.r.Float64() - 0.5) * 1e-4
		b[i] = map[string]any{"team": f.teams[u], "lon": f.lon[u], "lat": f.lat[u], "ts": ts}
	}
	return b
}

// postPositions posts the fleet's units in turn, rate positions a second in
// batches every 10 ms, with the device time set to the moment the batch is
// made, until ctx ends. It counts the positions accepted in accepted as it
// goes, and returns over what time it posted.
func postPositions(ctx context.Context, url, token string, units *fleet, rate int, accepted *atomic.Int64) (time.Duration, error) {
	per := max(rate/100, 1) // a batch every 10 ms, or one position at a time when slower
	every := time.Second * time.Duration(per) / time.Duration(rate)
	batches := make(chan []map[string]any, 64)
	var failed atomic.Value
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var ack struct{ Accepted int64 }
				if err := postJSON(context.WithoutCancel(ctx), hc, url, token, map[string]any{"positions": b}, &ack); err != nil {
					failed.Store(err)
					continue
				}
				accepted.Add(ack.Accepted)
			}
		}()
	}
	start := time.Now()
	t := time.NewTicker(every)
	defer t.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-t.C:
		}
		b := units.batch(per, time.Now().UTC())
		select {
		case batches <- b:
		default: // the server is behind: this batch is not sent
		}
	}
	close(batches)
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		return 0, err
	}
	return elapsed, nil
}

// startSeeded seeds units into a new SQLite store in a temporary directory
// and starts dispatchd on it, for the command named; done stops the server
// and removes the directory.
func startSeeded(ctx context.Context, env Env, out io.Writer, command string, units int) (srv *child, token string, teams []string, done func(), err error) {
	dir, err := os.MkdirTemp("", "dispatchd-bench-"+command+"-")
	if err != nil {
		return nil, "", nil, nil, err
	}
	fmt.Fprintf(out, "%s: seeding %d units into a new SQLite store\n", command, units)
	if teams, err = seedLive(ctx, env, dir, units); err == nil {
		srv, token, err = startLiveServer(ctx, env, dir)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", nil, nil, err
	}
	return srv, token, teams, func() { srv.stop(); os.RemoveAll(dir) }, nil
}
