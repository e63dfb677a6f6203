package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"dispatchd/realtime"
)

// HistoryLayout is one way of keeping the position history, as `bench
// history` drives it: the store's own append path, its track read, and
// the bytes it takes on disk with its indexes.
type HistoryLayout struct {
	Name   string
	Append func(ctx context.Context, ps []realtime.Position) error
	Track  func(ctx context.Context, team string, from, to time.Time, limit int) ([]realtime.Position, error)
	Bytes  func(ctx context.Context) (int64, error)
	// Prune, when set, removes the fixes before a time (the layout in
	// service); the bench times small writes while it drops a day.
	Prune func(ctx context.Context, before time.Time) (int64, error)
}

// historyFlags configure `dispatchd bench history`.
type historyFlags struct {
	fixes, units, tracks int
}

// historyBatch is the batch the history writer appends in.
const historyBatch = realtime.DefaultHistoryBatch

// History runs `dispatchd bench history`: args are its flags. It seeds a
// day of fixes into the layout before this one and into the one in
// service, on a store of its own, and compares them.
func History(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench history", "bench history [--fixes 86400000] [--units 5000] [--tracks 200] [--database-url URL of an empty database]", stderr)
	var f historyFlags
	open := env.StoreFlags(fs)
	fs.IntVar(&f.fixes, "fixes", 86_400_000, "fixes seeded into each layout: a day of a province at 1,000 a second")
	fs.IntVar(&f.units, "units", 5000, "units the fixes belong to")
	fs.IntVar(&f.tracks, "tracks", 200, "random units whose 24-hour track is read")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.fixes < 1 || f.units < 1 || f.tracks < 1 {
		return errors.New("--fixes, --units and --tracks must be at least 1")
	}
	if env.HistoryLayouts == nil {
		return errors.New("bench history: no layouts to compare")
	}
	st, closeStore, err := throwaway(ctx, open, "history")
	if err != nil {
		return err
	}
	defer closeStore()
	layouts, cleanup, err := env.HistoryLayouts(ctx, st)
	if err != nil {
		return err
	}
	defer cleanup()
	return benchHistory(ctx, stdout, st, layouts, f)
}

// historyResult is one layout's figures.
type historyResult struct {
	name             string
	bytes            int64
	ingest           float64 // fixes a second
	p50, p99         time.Duration
	longest          time.Duration // a write during the prune of a day
	writes, prunedOf int64
	pruned           bool
}

func benchHistory(ctx context.Context, out io.Writer, st Store, layouts []HistoryLayout, f historyFlags) error {
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour) // yesterday
	if part, ok := st.(realtime.PartitionedHistoryStore); ok {
		if err := part.CreatePositionPartitions(ctx, day, day.Add((realtime.HistoryPartitionsAhead+1)*part.PositionPartition())); err != nil {
			return err
		}
	}
	units := make([]string, f.units)
	for i := range units {
		units[i] = fmt.Sprintf("u%05d", i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	picks := make([]string, f.tracks)
	for i := range picks {
		picks[i] = units[rng.IntN(len(units))]
	}
	fmt.Fprintf(out, "history: %d fixes of %d units over %s (UTC), speed and heading on each, in batches of %d; %d tracks of 24 hours\n",
		f.fixes, f.units, day.Format(time.DateOnly), historyBatch, f.tracks)
	var results []historyResult
	for _, l := range layouts {
		r, err := benchLayout(ctx, out, l, day, units, picks, f)
		if err != nil {
			return fmt.Errorf("%s: %w", l.Name, err)
		}
		results = append(results, r)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layout\tbytes/fix\tingest fixes/s\ttrack p50\ttrack p99\tlongest write while a day is pruned\t")
	for _, r := range results {
		prune := "-"
		if r.pruned {
			prune = fmt.Sprintf("%v (%d writes)", r.longest.Round(100*time.Microsecond), r.writes)
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.0f\t%v\t%v\t%s\t\n", r.name, float64(r.bytes)/float64(f.fixes), r.ingest,
			r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), prune)
	}
	return tw.Flush()
}

// benchLayout seeds one layout and measures it.
func benchLayout(ctx context.Context, out io.Writer, l HistoryLayout, day time.Time, units, picks []string, f historyFlags) (historyResult, error) {
	r := historyResult{name: l.Name}
	base, err := l.Bytes(ctx)
	if err != nil {
		return r, err
	}
	step := 24 * time.Hour / time.Duration(f.fixes)
	batch := make([]realtime.Position, 0, historyBatch)
	start := time.Now()
	for i := range f.fixes {
		speed, heading := float64(i%30), float64(i%360)
		batch = append(batch, realtime.Position{Team: units[i%len(units)], Lon: 115 + float64(i%5000)/1e3, Lat: 28 + float64(i%3000)/1e3,
			TS: day.Add(time.Duration(i) * step), Speed: &speed, Heading: &heading})
		if len(batch) == cap(batch) || i == f.fixes-1 {
			if err := l.Append(ctx, batch); err != nil {
				return r, fmt.Errorf("seed: %w", err)
			}
			batch = batch[:0]
		}
	}
	took := time.Since(start)
	r.ingest = float64(f.fixes) / took.Seconds()
	if r.bytes, err = l.Bytes(ctx); err != nil {
		return r, err
	}
	r.bytes -= base
	fmt.Fprintf(out, "%s: seeded in %v\n", l.Name, took.Round(100*time.Millisecond))

	var times timings
	for _, u := range picks {
		t0 := time.Now()
		if _, err := l.Track(ctx, u, day, day.Add(24*time.Hour), 1_000_000); err != nil {
			return r, err
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	r.p50, r.p99 = pct(times, 50), pct(times, 99)
	if l.Prune == nil {
		return r, nil
	}
	r.pruned = true
	r.longest, r.writes, r.prunedOf, err = pruneWhileWriting(ctx, l, day.Add(24*time.Hour), units)
	if err != nil {
		return r, err
	}
	if r.prunedOf != int64(f.fixes) {
		return r, fmt.Errorf("the prune removed %d fixes, want %d", r.prunedOf, f.fixes)
	}
	return r, nil
}

// pruneWhileWriting removes the day before cut while writes of 100 fixes
// of the day after go on, and returns the longest of those begun during
// the prune, how many there were and how many fixes the prune removed.
func pruneWhileWriting(ctx context.Context, l HistoryLayout, cut time.Time, units []string) (longest time.Duration, writes, pruned int64, err error) {
	stop, begun := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		ps := make([]realtime.Position, 100)
		for n := 0; ; n++ {
			for i := range ps {
				ps[i] = realtime.Position{Team: units[i%len(units)], Lon: 121, Lat: 31, TS: cut.Add(time.Duration(n*len(ps)+i) * time.Millisecond)}
			}
			during := false
			select {
			case <-begun:
				during = true
			default:
			}
			t0 := time.Now()
			if werr = l.Append(ctx, ps); werr != nil {
				return
			}
			if during {
				longest = max(longest, time.Since(t0))
				writes++
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	close(begun)
	pruned, err = l.Prune(ctx, cut)
	close(stop)
	wg.Wait()
	return longest, writes, pruned, errors.Join(err, werr)
}
