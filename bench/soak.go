package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// soakFlags configure `dispatchd bench soak`.
type soakFlags struct {
	units, rate, screens    int
	duration, every, warmup time.Duration
	incidents               float64
}

// Soak runs `dispatchd bench soak`: args are its flags.
func Soak(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench soak", "bench soak [--duration 30m] [--every 30s] [--units 5000] [--rate 1000] [--screens 200] [--incidents 1] [--warmup 2m]", stderr)
	var f soakFlags
	fs.DurationVar(&f.duration, "duration", 30*time.Minute, "how long the load runs")
	fs.DurationVar(&f.every, "every", 30*time.Second, "how often the server is sampled (at most a quarter of --duration)")
	fs.DurationVar(&f.warmup, "warmup", 0, "samples before this are shown but not judged (default a tenth of --duration, at most 2m)")
	fs.IntVar(&f.units, "units", 5000, "tracked units (teams) registered and moved")
	fs.IntVar(&f.rate, "rate", 1000, "positions posted per second")
	fs.IntVar(&f.screens, "screens", 200, "websocket screens reading every topic")
	fs.Float64Var(&f.incidents, "incidents", 1, "incidents created per second, whose events every screen must receive")
	if err := fs.Parse(args); err != nil {
		return err
	}
	warmupSet := false
	fs.Visit(func(fl *flag.Flag) { warmupSet = warmupSet || fl.Name == "warmup" })
	if !warmupSet {
		f.warmup = min(f.duration/10, 2*time.Minute)
	}
	if f.units < 1 || f.rate < 1 || f.screens < 1 || f.incidents < 0 || f.warmup < 0 {
		return errors.New("--units, --rate and --screens must be at least 1, --incidents and --warmup 0 or more")
	}
	if f.every < time.Second || f.every > f.duration/4 {
		return errors.New("--every must be at least 1s and at most a quarter of --duration")
	}
	if f.warmup >= f.duration || (f.duration-f.warmup)/f.every < soakMinSamples {
		return fmt.Errorf("--duration must leave at least %d samples after --warmup", soakMinSamples)
	}
	return benchSoak(ctx, env, stdout, f)
}

// benchSoak runs the live load of `bench live` against one dispatchd
// process for the duration, samples the server's memory and goroutines
// every so often, and judges whether they stayed flat. It fails when they
// did not, or when the load itself failed.
func benchSoak(ctx context.Context, env Env, out io.Writer, f soakFlags) error {
	srv, token, teams, done, err := startSeeded(ctx, env, out, "soak", f.units)
	if err != nil {
		return err
	}
	defer done()
	first, err := lastEventID(ctx, srv.url, token)
	if err != nil {
		return err
	}
	sc, err := startScreens(ctx, srv.url, token, f.screens, 0, liveTopics)
	if err != nil {
		return err
	}
	defer sc.stop()
	fmt.Fprintf(out, "soak: dispatchd pid %d at %s; %d positions/s, %d screens, %g incidents/s for %v; a sample every %v (after a collection), the first %v warm-up\n",
		srv.cmd.Process.Pid, srv.url, f.rate, f.screens, f.incidents, f.duration, f.every, f.warmup)

	load, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var wg sync.WaitGroup
	var accepted, created atomic.Int64
	var posted time.Duration
	var postErr, incidentErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		posted, postErr = postPositions(load, srv.url+"/api/v1/positions", token, newFleet(teams), f.rate, &accepted)
	}()
	go func() {
		defer wg.Done()
		incidentErr = createIncidents(load, srv.url, token, f.incidents, &created)
	}()
	samples, err := soakSamples(ctx, out, srv, f, &accepted, &created)
	stopLoad()
	wg.Wait()
	if err != nil {
		if ctx.Err() == nil {
			srv.stop() // its stderr is whole once it has ended
			err = fmt.Errorf("%w; the server ended (%v)", err, srv.cmd.ProcessState)
			if last := tail(srv.errb.String(), 2000); last != "" {
				err = fmt.Errorf("%w: %s", err, last)
			}
		}
		return err
	}
	if err := errors.Join(postErr, incidentErr); err != nil {
		return fmt.Errorf("the load failed: %w", err)
	}
	want, err := eventsSince(ctx, srv.url, token, first)
	if err != nil {
		return err
	}
	rep, err := askScreens(sc, want)
	if err != nil {
		return err
	}
	v, err := judgeSoak(samples, f.warmup)
	if err != nil {
		return err
	}
	verdict := "flat"
	if !v.flat() {
		verdict = "not flat (" + strings.Join(v.grew, "; ") + ")"
	}
	fmt.Fprintf(out, "soak: %v, %d positions/s (%.0f/s accepted), %d screens, %g incidents/s: heap %.1f→%.1f MiB, RSS %.1f→%.1f MiB, goroutines %d→%d; events %d of %d on every screen, %d screens closed: %s\n",
		posted.Round(time.Second), f.rate, float64(accepted.Load())/posted.Seconds(), f.screens, f.incidents,
		mib(v.heap[0]), mib(v.heap[1]), mib(v.rss[0]), mib(v.rss[1]), v.goroutines[0], v.goroutines[1],
		rep.Delivered, len(want), rep.Closed, verdict)
	if rep.Delivered != len(want) || rep.Closed > 0 {
		return fmt.Errorf("the load failed: %d of %d events reached every screen, %d screens closed %v", rep.Delivered, len(want), rep.Closed, rep.Reasons)
	}
	if !v.flat() {
		return errors.New("the server's memory or goroutines did not stay flat")
	}
	return nil
}

// soakSample is one reading of the server during a soak.
type soakSample struct {
	at         time.Duration // since the load started
	rss, heap  int64         // bytes; heap is what is live after a collection
	goroutines int64
	sessions   int64 // websocket sessions
	accepted   int64 // positions accepted so far
	incidents  int64 // created so far
	events     int64 // event messages the server queued to screens so far
}

// soakSamples samples srv every f.every until f.duration has passed,
// printing each sample as it is taken. It stops at the first sample that
// fails: the server has died or hangs.
func soakSamples(ctx context.Context, out io.Writer, srv *child, f soakFlags, accepted, created *atomic.Int64) ([]soakSample, error) {
	fmt.Fprintln(out, "  elapsed  RSS MiB  heap MiB  goroutines  screens   positions  positions/s  incidents  events sent")
	start := time.Now()
	t := time.NewTicker(f.every)
	defer t.Stop()
	var samples []soakSample
	var prev soakSample
	for range int(f.duration / f.every) {
		select {
		case <-ctx.Done():
			return samples, ctx.Err()
		case <-t.C:
		}
		s := soakSample{at: time.Since(start), accepted: accepted.Load(), incidents: created.Load()}
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		m, err := serverMemory(sctx, srv)
		cancel()
		if err != nil {
			return samples, fmt.Errorf("sample the server at %v: %w", s.at.Round(time.Second), err)
		}
		s.rss, s.heap, s.goroutines, s.sessions, s.events = m.rss, m.heapLive, m.goroutines, m.sessions, m.eventsQueued
		note := ""
		if s.at < f.warmup {
			note = "  (warm-up)"
		}
		fmt.Fprintf(out, "%9v %8.1f %9.1f %11d %8d %11d %12.0f %10d %12d%s\n",
			s.at.Round(time.Second), mib(s.rss), mib(s.heap), s.goroutines, s.sessions, s.accepted,
			float64(s.accepted-prev.accepted)/(s.at-prev.at).Seconds(), s.incidents, s.events, note)
		samples, prev = append(samples, s), s
	}
	return samples, nil
}

// What flat means: after the warm-up, the median of the last third of the
// samples is at most the median of the first third plus a share of it plus
// a slack. The heap is counted after a collection, so it is what the
// server holds; RSS also holds what the runtime has not yet returned and
// SQLite's page cache, and gets more room. A goroutine per leaked session
// or request adds up, so goroutines get little.
const (
	soakMinSamples      = 3
	soakGrowth          = 0.20 // of the early median, for heap and RSS
	soakHeapSlack       = 8 << 20
	soakRSSSlack        = 32 << 20
	soakGoroutineSlack  = 16
	soakGoroutineGrowth = 0.02
)

// soakVerdict is the judgement of a soak: early and late medians after
// the warm-up, and what grew beyond the limits.
type soakVerdict struct {
	heap, rss, goroutines [2]int64 // early, late
	grew                  []string
}

func (v soakVerdict) flat() bool { return len(v.grew) == 0 }

// judgeSoak compares the samples taken after warmup: the median of their
// last third against the median of their first third.
func judgeSoak(samples []soakSample, warmup time.Duration) (soakVerdict, error) {
	var v soakVerdict
	var after []soakSample
	for _, s := range samples {
		if s.at >= warmup {
			after = append(after, s)
		}
	}
	if len(after) < soakMinSamples {
		return v, fmt.Errorf("%d samples after the warm-up, at least %d are needed", len(after), soakMinSamples)
	}
	third := len(after) / 3
	early, late := after[:third], after[len(after)-third:]
	pick := func(ss []soakSample, field func(soakSample) int64) int64 {
		xs := make([]int64, len(ss))
		for i, s := range ss {
			xs[i] = field(s)
		}
		return median(xs)
	}
	for _, c := range []struct {
		name   string
		into   *[2]int64
		field  func(soakSample) int64
		growth float64
		slack  int64
		unit   func(int64) string
	}{
		{"heap", &v.heap, func(s soakSample) int64 { return s.heap }, soakGrowth, soakHeapSlack, mibString},
		{"RSS", &v.rss, func(s soakSample) int64 { return s.rss }, soakGrowth, soakRSSSlack, mibString},
		{"goroutines", &v.goroutines, func(s soakSample) int64 { return s.goroutines }, soakGoroutineGrowth, soakGoroutineSlack, countString},
	} {
		e, l := pick(early, c.field), pick(late, c.field)
		*c.into = [2]int64{e, l}
		if limit := e + int64(float64(e)*c.growth) + c.slack; l > limit {
			v.grew = append(v.grew, fmt.Sprintf("%s grew from %s to %s, over the limit of %s", c.name, c.unit(e), c.unit(l), c.unit(limit)))
		}
	}
	return v, nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func mibString(b int64) string { return fmt.Sprintf("%.1f MiB", mib(b)) }

func countString(n int64) string { return fmt.Sprint(n) }

// tail is the last n bytes of s, trimmed.
func tail(s string, n int) string {
	return strings.TrimSpace(s[max(0, len(s)-n):])
}
