package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"dispatchd/realtime"
	"dispatchd/store/sqldb"
)

// pruneFlags configure `dispatchd bench prune`.
type pruneFlags struct {
	fixes, units, batch int
	every, baseline     time.Duration
	retention           time.Duration
}

// Prune runs `dispatchd bench prune`: args are its flags.
func Prune(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench prune", "bench prune [--fixes 3600000] [--units 5000] [--batch 100] [--every 10ms] [--baseline 10s] [--database-url URL]", stderr)
	var f pruneFlags
	open := env.StoreFlags(fs)
	fs.IntVar(&f.fixes, "fixes", 3_600_000, "expired fixes seeded: an hour of the province's history at 1,000 a second")
	fs.IntVar(&f.units, "units", 5000, "units the fixes belong to")
	fs.IntVar(&f.batch, "batch", 100, "fixes in each timed write")
	fs.DurationVar(&f.every, "every", 10*time.Millisecond, "pause between timed writes")
	fs.DurationVar(&f.baseline, "baseline", 10*time.Second, "how long the same writes are timed with no prune")
	f.retention = realtime.DefaultHistoryRetention
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.fixes < 1 || f.units < 1 || f.batch < 1 || f.every < 0 || f.baseline <= 0 {
		return errors.New("--fixes, --units and --batch must be at least 1, --every 0 or more, --baseline more than 0")
	}
	st, closeStore, err := throwaway(ctx, open, "prune")
	if err != nil {
		return err
	}
	defer closeStore()
	return benchPrune(ctx, stdout, st, f)
}

// timings are the durations of timed calls.
type timings []time.Duration

func (l timings) String() string {
	if len(l) == 0 {
		return "none"
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return fmt.Sprintf("%d: p50 %v p99 %v max %v", len(s), pct(s, 50).Round(10*time.Microsecond),
		pct(s, 99).Round(10*time.Microsecond), s[len(s)-1].Round(10*time.Microsecond))
}

// benchPrune seeds an hour of expired history, times small writes and
// readiness checks with no prune, then the same while the history's prune
// removes the expired hour, as History does every hour.
func benchPrune(ctx context.Context, out io.Writer, st Store, f pruneFlags) error {
	now := time.Now().UTC()
	cut := now.Add(-f.retention)
	part, partitioned := st.(realtime.PartitionedHistoryStore)
	kind := fmt.Sprintf("one table (batches of %d rows, each its own transaction)", sqldb.PruneBatch)
	if partitioned {
		cut = cut.Truncate(part.PositionPartition())
		kind = "partitions by day (PostgreSQL: the expired day is detached and dropped; SQLite: its file is removed)"
		if err := part.CreatePositionPartitions(ctx, cut.Add(-time.Hour), now.Add(realtime.HistoryPartitionsAhead*part.PositionPartition())); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "prune: %d expired fixes of %d units in %s; timed: a write of %d fixes every %v, and a readiness check every 100ms\n",
		f.fixes, f.units, kind, f.batch, f.every)
	start := time.Now()
	step := time.Hour / time.Duration(f.fixes)
	first := cut.Add(-time.Hour)
	batch := make([]realtime.Position, 0, 5000)
	for i := range f.fixes {
		batch = append(batch, realtime.Position{Team: fmt.Sprintf("u%05d", i%f.units), Lon: 120 + float64(i%1000)/1e4, Lat: 30,
			TS: first.Add(time.Duration(i) * step)})
		if len(batch) == cap(batch) || i == f.fixes-1 {
			if err := st.AppendPositions(ctx, batch); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
			batch = batch[:0]
		}
	}
	fmt.Fprintf(out, "seeded in %v\n", time.Since(start).Round(100*time.Millisecond))

	// timed runs the timed writes and readiness checks until stop closes.
	timed := func(stop <-chan struct{}) (writes, ready timings, err error) {
		var wg sync.WaitGroup
		var rerr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				t0 := time.Now()
				if err := st.Ready(ctx); err != nil {
					rerr = fmt.Errorf("readiness: %w", err)
					return
				}
				ready = append(ready, time.Since(t0))
			}
		}()
		ps := make([]realtime.Position, f.batch)
		for n := 0; ; n++ {
			select {
			case <-stop:
				wg.Wait()
				return writes, ready, errors.Join(err, rerr)
			default:
			}
			for i := range ps {
				ps[i] = realtime.Position{Team: fmt.Sprintf("u%05d", i%f.units), Lon: 121, Lat: 31, TS: now.Add(time.Duration(n*f.batch+i) * time.Millisecond)}
			}
			t0 := time.Now()
			if err = st.AppendPositions(ctx, ps); err != nil {
				<-stop
				wg.Wait()
				return writes, ready, errors.Join(err, rerr)
			}
			writes = append(writes, time.Since(t0))
			time.Sleep(f.every)
		}
	}

	stop := make(chan struct{})
	time.AfterFunc(f.baseline, func() { close(stop) })
	bw, br, err := timed(stop)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "no prune (%v):   writes %v | readiness %v\n", f.baseline, bw, br)

	stop = make(chan struct{})
	var n int64
	var perr error
	var took time.Duration
	go func() {
		defer close(stop)
		t0 := time.Now()
		n, perr = st.DeletePositionsBefore(ctx, cut)
		took = time.Since(t0)
	}()
	pw, pr, err := timed(stop)
	if err != nil {
		return err
	}
	if perr != nil {
		return fmt.Errorf("prune: %w", perr)
	}
	fmt.Fprintf(out, "during the prune: writes %v | readiness %v\n", pw, pr)
	fmt.Fprintf(out, "the prune removed %d fixes in %v (goal: no write waits more than 100ms behind it)\n", n, took.Round(10*time.Millisecond))
	if n != int64(f.fixes) {
		return fmt.Errorf("the prune removed %d fixes, want %d", n, f.fixes)
	}
	return nil
}
