// Package bench holds the benchmarks of `dispatchd bench`: suggest times
// the planner in process; live, soak and prune measure a real server and
// its store. The dispatchd command parses the subcommand and calls them.
//
// live and soak start processes of the binary they run in, which must be
// dispatchd (or a test binary standing in for it): `serve` for the server,
// and the hidden `bench live-screens` (Screens) and `bench live-baseline`
// (Baseline) for the screens and the broadcast server compared against.
//
// The package is a tool: it may import the domain packages and the stores,
// and nothing but the command imports it.
package bench

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"time"

	"dispatchd/demo"
	"dispatchd/dispatch/plan"
	"dispatchd/dispatch/plan/plantest"
	"dispatchd/realtime"
	"dispatchd/resources"
)

// Env is what the bench takes from the dispatchd command: how it opens a
// store and loads the demo province, so that the bench does both as the
// command does.
type Env struct {
	// StoreFlags registers the command's store flags (--data-dir,
	// --database-url) on fs. After the parse, open opens the store they
	// name, migrated, with dir in place of the data directory: the bench
	// never writes into the configured one.
	StoreFlags func(fs *flag.FlagSet) (open func(ctx context.Context, dir string) (Store, error))
	// OpenDemo opens a new SQLite store in dir and loads the demo province
	// into it.
	OpenDemo func(ctx context.Context, dir string) (Store, error)
	// DemoPassword is the password of every demo user.
	DemoPassword string
	// HistoryLayouts returns the layouts of the position history that
	// `bench history` compares on st, the one before the current first,
	// and a function that removes what it made.
	HistoryLayouts func(ctx context.Context, st Store) ([]HistoryLayout, func(), error)
}

// Store is what the bench needs of a store; both adapters have it.
type Store interface {
	resources.Store
	realtime.HistoryStore
	Ready(ctx context.Context) error
	Close() error
}

// newFlagSet is the flag set of a bench command, with the usage line of
// the dispatchd command.
// throwaway opens a store of its own in a new temporary directory, never
// the configured data directory; close closes it and removes the
// directory.
func throwaway(ctx context.Context, open func(ctx context.Context, dir string) (Store, error), name string) (st Store, close func(), err error) {
	dir, err := os.MkdirTemp("", "dispatchd-bench-"+name+"-")
	if err != nil {
		return nil, nil, err
	}
	if st, err = open(ctx, dir); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return st, func() { st.Close(); os.RemoveAll(dir) }, nil
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: dispatchd %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// Suggest runs `dispatchd bench suggest`: args are its flags.
func Suggest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench suggest", "bench suggest [--teams 600] [--n 20000] [--runs 5] [--as all|province|county]", stderr)
	teams := fs.Int("teams", 600, "teams in the province (600 as in the demo, 5000 for the stress case)")
	n := fs.Int("n", 20000, "suggestions timed per run")
	runs := fs.Int("runs", 5, "runs; figures are medians over runs")
	as := fs.String("as", "all", "whose plans: the whole deployment's (all), the province commander's (province: 330000, which owns every demo team and depot) or each incident's county commander's (county: own first, the rest needing support)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *teams < 1 || *n < 100 || *runs < 1 {
		return fmt.Errorf("--teams must be at least 1, --n at least 100 and --runs at least 1")
	}
	if *as != "all" && *as != "province" && *as != "county" {
		return fmt.Errorf("--as must be all, province or county")
	}
	return benchSuggest(ctx, stdout, *teams, *n, *runs, *as)
}

// benchSuggest times suggestions (3 team needs and 10 item needs each) on
// the demo province, in process, against a brute-force scan over the same
// data in the same run, made for the jurisdiction as says.
func benchSuggest(ctx context.Context, out io.Writer, teams, n, runs int, as string) error {
	d := demo.Province()
	p := d.Projection(d.StressTeams(teams))
	ins := d.Incidents(1000, 1)
	switch as {
	case "province":
		for i := range ins {
			ins[i].Jurisdiction = "330000"
		}
	case "county":
		ins = d.InCounties(ins)
	}
	cfg := plan.Config{}
	fmt.Fprintf(out, "suggest: %d teams, %d depots, %d stock lines; 3 team needs and 10 item needs per incident; plans for %s\n",
		teams, len(d.Depots), len(d.Stock), map[string]string{"all": "the whole deployment", "province": "the province (330000)", "county": "each incident's county"}[as])
	var p50s, p99s, maxs, b50s, ratios, f50s, f99s []time.Duration
	for r := range runs {
		if err := ctx.Err(); err != nil {
			return err
		}
		idx := timeCalls(n, func(i int) { p.Suggest(ins[i%len(ins)], plan.Open{}, cfg, time.Now()) })
		bn := max(n/50, 20)
		brute := timeCalls(bn, func(i int) { plantest.SuggestBrute(p, ins[i%len(ins)], plan.Open{}, cfg, time.Now()) })
		p50, p99, mx := pct(idx, 50), pct(idx, 99), idx[len(idx)-1]
		b50 := pct(brute, 50)
		// The noise floor: fixed work of the same median length, timed the
		// same way. On a shared machine its p99 shows how much of the
		// suggestion's tail is the machine's.
		loops := calibrate(p50)
		floor := timeCalls(n, func(int) { spin(loops) })
		f50s, f99s = append(f50s, pct(floor, 50)), append(f99s, pct(floor, 99))
		fmt.Fprintf(out, "run %d: indexed p50 %v p99 %v max %v | brute force p50 %v p99 %v | ratio %.0fx | fixed work p50 %v p99 %v\n",
			r+1, p50, p99, mx, b50, pct(brute, 99), float64(b50)/float64(p50), pct(floor, 50), pct(floor, 99))
		p50s, p99s, maxs, b50s = append(p50s, p50), append(p99s, p99), append(maxs, mx), append(b50s, b50)
		ratios = append(ratios, time.Duration(float64(b50)/float64(p50)*1000))
	}
	fmt.Fprintf(out, "median of %d runs: indexed p50 %v p99 %v max %v | brute force p50 %v | ratio %.0fx | fixed work p50 %v p99 %v (goal: p99 under 200µs, ratio at least 20x)\n",
		runs, median(p50s), median(p99s), median(maxs), median(b50s), float64(median(ratios))/1000, median(f50s), median(f99s))
	return nil
}

// timeCalls times n calls of fn and returns the durations sorted.
func timeCalls(n int, fn func(i int)) []time.Duration {
	for i := range min(n/10, 200) { // warm up
		fn(i)
	}
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		fn(i)
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return ds
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func median[T cmp.Ordered](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// spin does n units of fixed floating-point work, allocating nothing.
func spin(n int) {
	x := 1.0
	for i := range n {
		x = x*1.0000001 + float64(i&7)
	}
	runtime.KeepAlive(x)
}

// calibrate returns how many units of spin take about d.
func calibrate(d time.Duration) int {
	n := 1 << 16
	for {
		start := time.Now()
		spin(n)
		if el := time.Since(start); el > 5*time.Millisecond {
			return max(1, int(float64(n)*float64(d)/float64(el)))
		}
		n *= 2
	}
}
