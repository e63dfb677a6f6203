package bench

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dispatchd"
	"dispatchd/demo"
	"dispatchd/resources"
)

// liveFlags configure `dispatchd bench live`.
type liveFlags struct {
	units, rate, screens, timed, idle, runs int
	zones, scenes                           int
	duration                                time.Duration
	incidents                               float64
}

// Live runs `dispatchd bench live`: args are its flags.
func Live(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench live", "bench live [--units 5000] [--rate 10000] [--screens 200] [--duration 10s] [--runs 3] [--idle 5000]", stderr)
	var f liveFlags
	fs.IntVar(&f.units, "units", 5000, "tracked units (teams) registered and moved")
	fs.IntVar(&f.rate, "rate", 10000, "positions posted per second")
	fs.IntVar(&f.screens, "screens", 200, "websocket screens reading every topic")
	fs.IntVar(&f.timed, "timed", 20, "screens of those that time every position (the others count frames and events)")
	fs.IntVar(&f.idle, "idle", 5000, "idle field connections opened to measure memory per connection (0 to skip)")
	fs.IntVar(&f.runs, "runs", 3, "runs; figures are medians over runs")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long each run posts")
	fs.Float64Var(&f.incidents, "incidents", 5, "incidents created per second during a run, whose events every screen must receive")
	fs.IntVar(&f.zones, "zones", 10000, "risk zones loaded into a second dispatchd, run beside the first, to measure what zone and fence checks add per fix (0 and --scenes 0: no second server)")
	fs.IntVar(&f.scenes, "scenes", 1000, "units of the second dispatchd given a task at a scene where they are")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.units < 1 || f.rate < 1 || f.screens < 1 || f.runs < 1 || f.duration < time.Second || f.idle < 0 || f.incidents < 0 || f.zones < 0 || f.scenes < 0 {
		return fmt.Errorf("--units, --rate, --screens and --runs must be at least 1, --duration at least 1s, --idle, --incidents, --zones and --scenes 0 or more")
	}
	f.timed = min(max(f.timed, 1), f.screens)
	return benchLive(ctx, env, stdout, stderr, f)
}

// liveResult is what one run against one server measured.
type liveResult struct {
	accepted  float64 // positions accepted per second
	latency   screensReport
	events    int // events the store holds for the run
	delivered int // of those, how many every screen received
	bytes     int64
	// cpuPerFix is the server's processor time while positions were
	// posted, per position it accepted (dispatchd only).
	cpuPerFix time.Duration
}

// benchLive seeds a store, starts dispatchd and a plain gorilla/websocket
// broadcast server as processes, and for each run posts positions from this
// process while a screens process reads them, first from one server and
// then the other. With zones or scenes, a second dispatchd on a store of
// its own holds them, and runs in turn beside the first: what zone and
// fence checks add per fix is the difference of their processor time per
// accepted fix, in the same run.
func benchLive(ctx context.Context, env Env, out, errw io.Writer, f liveFlags) error {
	srv, token, teams, done, err := startSeeded(ctx, env, out, "live", f.units)
	if err != nil {
		return err
	}
	defer done()
	units := newFleet(teams)
	var zsrv *child
	if f.zones > 0 || f.scenes > 0 {
		var ztoken string
		var zdone func()
		if zsrv, ztoken, _, zdone, err = startSeeded(ctx, env, out, "live-zones", f.units); err != nil {
			return err
		}
		defer zdone()
		zsrv.token = ztoken // tokens are per server
		if err := loadZones(ctx, zsrv.url, ztoken, f.zones); err != nil && f.zones > 0 {
			return fmt.Errorf("load %d zones: %w", f.zones, err)
		}
		if err := loadScenes(ctx, zsrv.url, ztoken, units, f.scenes); err != nil {
			return err
		}
		fmt.Fprintf(out, "live: a second dispatchd pid %d at %s holds %d risk zones and %d units tasked at scenes\n", zsrv.cmd.Process.Pid, zsrv.url, f.zones, f.scenes)
	}
	base, err := startChild(ctx, "baseline is up at ", "bench", "live-baseline")
	if err != nil {
		return err
	}
	defer base.stop()
	fmt.Fprintf(out, "live: dispatchd pid %d at %s, baseline pid %d at %s; %d positions/s for %v, %d screens (%d timed), %g incidents/s\n",
		srv.cmd.Process.Pid, srv.url, base.cmd.Process.Pid, base.url, f.rate, f.duration, f.screens, f.timed, f.incidents)
	if f.idle > 0 {
		if err := benchIdle(ctx, out, srv, token, f.idle); err != nil {
			return err
		}
	}
	targets := []*child{srv, base}
	if zsrv != nil {
		targets = []*child{srv, zsrv, base}
		// A warm-up, not measured: each dispatchd takes every unit's first
		// fixes (the zones server writes its first red-zone entries then).
		for _, target := range []*child{srv, zsrv} {
			tok := cmp.Or(target.token, token)
			wctx, cancel := context.WithTimeout(ctx, warmUp)
			var accepted atomic.Int64
			_, err := postPositions(wctx, target.url+"/api/v1/positions", tok, units, f.rate, &accepted)
			cancel()
			if err != nil {
				return fmt.Errorf("warm up %s: %w", target.url, err)
			}
		}
		fmt.Fprintf(out, "live: both dispatchd warmed up with %v of positions each\n", warmUp)
	}
	var ours, zoned, theirs []liveResult
	for r := range f.runs {
		for _, target := range targets {
			res, err := liveRun(ctx, target, cmp.Or(target.token, token), units, f, target != base)
			if err != nil {
				return fmt.Errorf("run %d against %s: %w", r+1, target.url, err)
			}
			name := "baseline "
			switch target {
			case srv:
				name = "dispatchd"
				ours = append(ours, res)
			case zsrv:
				name = "dispatchd+zones"
				zoned = append(zoned, res)
			default:
				theirs = append(theirs, res)
			}
			l := res.latency.Latency
			fmt.Fprintf(out, "run %d %s: accepted %.0f/s | ingest to screen p50 %v p99 %v max %v (%d positions timed) | %.1f MB/s to screens | events %d of %d on every screen | closed %d",
				r+1, name, res.accepted, round(l.P50), round(l.P99), round(l.Max), l.N, float64(res.bytes)/f.duration.Seconds()/1e6,
				res.delivered, res.events, res.latency.Closed)
			if res.cpuPerFix > 0 {
				fmt.Fprintf(out, " | cpu %.1f µs/fix", res.cpuPerFix.Seconds()*1e6)
			}
			fmt.Fprintln(out)
		}
	}
	med := func(rs []liveResult, pick func(liveResult) time.Duration) time.Duration {
		ds := make([]time.Duration, len(rs))
		for i, r := range rs {
			ds[i] = pick(r)
		}
		return median(ds)
	}
	p99 := func(r liveResult) time.Duration { return round(r.latency.Latency.P99) }
	p50 := func(r liveResult) time.Duration { return round(r.latency.Latency.P50) }
	mx := func(r liveResult) time.Duration { return round(r.latency.Latency.Max) }
	rate := func(r liveResult) time.Duration { return time.Duration(r.accepted) }
	cpu := func(r liveResult) time.Duration { return r.cpuPerFix }
	allEvents := true
	for _, r := range append(slices.Clone(ours), zoned...) {
		allEvents = allEvents && r.delivered == r.events && r.latency.Closed == 0
	}
	fmt.Fprintf(out, "median of %d runs: dispatchd accepted %d/s, p50 %v p99 %v max %v | baseline p50 %v p99 %v max %v | p99 ratio %.2f | every event delivered: %v (goal: %d/s, p99 under 100ms, every event)\n",
		f.runs, med(ours, rate), med(ours, p50), med(ours, p99), med(ours, mx), med(theirs, p50), med(theirs, p99), med(theirs, mx),
		float64(med(ours, p99))/float64(max(med(theirs, p99), 1)), allEvents, f.rate)
	if zsrv != nil {
		plain, with := med(ours, cpu), med(zoned, cpu)
		fmt.Fprintf(out, "median of %d runs: with %d zones and %d scenes accepted %d/s, p99 %v | cpu per fix %.1f µs without, %.1f µs with: %+.1f%% (goal: under 10%%)\n",
			f.runs, f.zones, f.scenes, med(zoned, rate), med(zoned, p99), plain.Seconds()*1e6, with.Seconds()*1e6,
			100*(with.Seconds()/max(plain.Seconds(), 1e-9)-1))
	}
	_ = errw
	return nil
}

// warmUp is how long each dispatchd takes positions before the measured
// runs, when two are compared.
const warmUp = 5 * time.Second

// seedLive loads the demo province and enough extra teams for units into
// a new SQLite store in dir, and returns the ids of the units.
func seedLive(ctx context.Context, env Env, dir string, units int) ([]string, error) {
	st, err := env.OpenDemo(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	registry := resources.NewService(st)
	d := demo.Province()
	all := d.StressTeams(max(units, len(d.Teams)))
	if extra := all[len(d.Teams):]; len(extra) > 0 {
		b := &resources.Batch{Kind: resources.ImportTeams, Teams: extra, Lines: lines(len(extra))}
		if _, err := registry.Import(ctx, dispatchd.System, b, "bench"); err != nil {
			return nil, fmt.Errorf("register the bench units: %w", err)
		}
	}
	ids := make([]string, units)
	for i := range ids {
		ids[i] = all[i].ID
	}
	return ids, nil
}

// lines numbers n import lines from 1.
func lines(n int) []int {
	l := make([]int, n)
	for i := range l {
		l[i] = i + 1
	}
	return l
}

// child is a process of this binary that the bench started.
type child struct {
	cmd  *exec.Cmd
	url  string
	in   io.WriteCloser
	outc chan string // its stdout lines after the one with the URL
	// token is the commander's on this server, when the bench holds
	// servers of different stores.
	token string
	pre   []string // and those before
	errb  *bytes.Buffer
}

// startChild runs this binary with args and waits for the line that starts
// with ready, which ends with its URL (or is just the marker).
func startChild(ctx context.Context, ready string, args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = append(os.Environ(), "DISPATCHD_RUN_MAIN=1", "DISPATCH_LOG_LEVEL=warn")
	c := &child{cmd: cmd, outc: make(chan string, 16), errb: &bytes.Buffer{}}
	cmd.Stderr = c.errb
	if c.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		up := false
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, ready); ok && !up {
				up = true
				found <- strings.Join(strings.Fields(rest)[:min(1, len(strings.Fields(rest)))], "")
				continue
			}
			if up {
				c.outc <- line
			} else {
				c.pre = append(c.pre, line)
			}
		}
		close(c.outc)
		if !up {
			close(found)
		}
	}()
	select {
	case u, ok := <-found:
		if !ok {
			_ = cmd.Wait()
			return nil, fmt.Errorf("%s exited: %s", strings.Join(args[:min(2, len(args))], " "), strings.TrimSpace(c.errb.String()))
		}
		c.url = u
		return c, nil
	case <-time.After(2 * time.Minute):
		c.stop()
		return nil, fmt.Errorf("%s did not start in time: %s", args[0], c.errb.String())
	}
}

// result waits for the child's next output line.
func (c *child) result(timeout time.Duration) (string, error) {
	select {
	case line, ok := <-c.outc:
		if !ok {
			_ = c.cmd.Wait()
			return "", fmt.Errorf("child exited: %s", strings.TrimSpace(c.errb.String()))
		}
		return line, nil
	case <-time.After(timeout):
		return "", errors.New("child did not answer in time")
	}
}

// stop ends the child: SIGTERM, then a kill if it lingers.
func (c *child) stop() {
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.in.Close()
	_ = c.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

func liveLogin(ctx context.Context, url, password string) (string, error) {
	var res struct{ Token string }
	err := postJSON(ctx, http.DefaultClient, url+"/api/v1/auth/login", "", map[string]string{"username": "commander", "password": password}, &res)
	return res.Token, err
}

// postJSON posts body and decodes a 2xx answer into v.
func postJSON(ctx context.Context, hc *http.Client, url, token string, body, v any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, bytes.TrimSpace(data))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(data, v)
}

func getJSON(ctx context.Context, url, token string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if v == nil {
		_, err := io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// benchIdle opens n idle field connections (team-lead style: tasks only)
// to a fresh server and reports the memory each one costs it.
func benchIdle(ctx context.Context, out io.Writer, srv *child, token string, n int) error {
	before, err := serverMemory(ctx, srv)
	if err != nil {
		return err
	}
	sc, err := startScreens(ctx, srv.url, token, n, 0, "tasks")
	if err != nil {
		return err
	}
	defer sc.stop()
	time.Sleep(2 * time.Second) // let the sessions settle after their snapshots
	after, err := serverMemory(ctx, srv)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "idle: %d field connections cost dispatchd %.1f KiB each in RSS, %.1f KiB in Go heap and stacks (goal: under 50 KiB)\n",
		n, float64(after.rss-before.rss)/1024/float64(n), float64(after.goMem()-before.goMem())/1024/float64(n))
	return nil
}

// liveRun posts positions at the rate for the duration while a screens
// process reads target; against dispatchd it also creates incidents and
// checks that every screen received every event.
func liveRun(ctx context.Context, target *child, token string, units *fleet, f liveFlags, events bool) (liveResult, error) {
	var res liveResult
	var firstEvent int64
	if events {
		last, err := lastEventID(ctx, target.url, token)
		if err != nil {
			return res, err
		}
		firstEvent = last
	}
	sc, err := startScreens(ctx, target.url, token, f.screens, f.timed, liveTopics)
	if err != nil {
		return res, err
	}
	defer sc.stop()
	path := "/api/v1/positions"
	if !events {
		path = "/positions"
	}
	ctx, cancel := context.WithTimeout(ctx, f.duration)
	defer cancel()
	var wg sync.WaitGroup
	var incidentErr error
	if events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			incidentErr = createIncidents(ctx, target.url, token, f.incidents, nil)
		}()
	}
	var accepted atomic.Int64
	cpu0, cpuErr := cpuTime(target.cmd.Process.Pid)
	elapsed, err := postPositions(ctx, target.url+path, token, units, f.rate, &accepted)
	wg.Wait()
	if cpu1, err := cpuTime(target.cmd.Process.Pid); err == nil && cpuErr == nil && events && accepted.Load() > 0 {
		res.cpuPerFix = (cpu1 - cpu0) / time.Duration(accepted.Load())
	}
	if err != nil {
		return res, err
	}
	if incidentErr != nil {
		return res, incidentErr
	}
	res.accepted = float64(accepted.Load()) / elapsed.Seconds()
	var want []int64
	if events {
		if want, err = eventsSince(context.WithoutCancel(ctx), target.url, token, firstEvent); err != nil {
			return res, err
		}
	}
	if res.latency, err = askScreens(sc, want); err != nil {
		return res, err
	}
	res.events, res.delivered, res.bytes = len(want), res.latency.Delivered, res.latency.Bytes
	return res, nil
}

// round keeps a latency readable: 34.4ms, not 34.42402ms.
func round(d time.Duration) time.Duration {
	if d > 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(10 * time.Microsecond)
}

// latencies summarises sorted durations.
type latencies struct {
	N             int
	P50, P99, Max time.Duration
}

func summarize(ds []time.Duration) latencies {
	if len(ds) == 0 {
		return latencies{}
	}
	slices.Sort(ds)
	return latencies{N: len(ds), P50: pct(ds, 50), P99: pct(ds, 99), Max: ds[len(ds)-1]}
}
