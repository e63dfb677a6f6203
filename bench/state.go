package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"dispatchd"
	"dispatchd/demo"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/realtime"
	"dispatchd/recorder"
	"dispatchd/resources"
)

// stateFlags configure `dispatchd bench state`.
type stateFlags struct {
	days     int
	every    time.Duration
	step     time.Duration
	fixEvery time.Duration
	moments  int
}

// stateStore is what bench state needs of a store; both adapters have it.
type stateStore interface {
	Store
	dispatch.Store
	plan.Source
	recorder.Store
	recorder.Leaser
}

// State runs `dispatchd bench state`: the demo province with a month of
// history (incidents, tasks, orders, stock changes, positions) and a
// checkpoint every 5 minutes, as the checkpoint loop takes them; then the
// state at random moments of the month, timed.
func State(ctx context.Context, env Env, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench state", "bench state [--days 30] [--every 5m] [--step 3m] [--fix-every 1h] [--moments 1000] [--database-url URL]", stderr)
	var f stateFlags
	open := env.StoreFlags(fs)
	fs.IntVar(&f.days, "days", 30, "days of history")
	fs.DurationVar(&f.every, "every", recorder.DefaultEvery, "time between checkpoints")
	fs.DurationVar(&f.step, "step", 3*time.Minute, "mean time between two changes (an incident, a dispatch, a task or order moved, a stock adjustment)")
	fs.DurationVar(&f.fixEvery, "fix-every", time.Hour, "time between two positions of each team")
	fs.IntVar(&f.moments, "moments", 1000, "random moments whose state is timed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.days < 1 || f.every < time.Second || f.step < time.Second || f.fixEvery < time.Minute || f.moments < 1 {
		return errors.New("--days and --moments must be at least 1, --every and --step at least 1s, --fix-every at least 1m")
	}
	st, closeStore, err := throwaway(ctx, open, "state")
	if err != nil {
		return err
	}
	defer closeStore()
	ss, ok := st.(stateStore)
	if !ok {
		return errors.New("the store cannot checkpoint")
	}
	return benchState(ctx, stdout, ss, f)
}

func benchState(ctx context.Context, out io.Writer, st stateStore, f stateFlags) error {
	end := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	start := end.Add(-time.Duration(f.days) * 24 * time.Hour)
	clock := start
	now := func() time.Time { return clock }
	began := time.Now()

	reg := resources.NewService(st)
	reg.SetClock(now)
	d := demo.Province()
	for _, b := range []*resources.Batch{
		{Kind: resources.ImportItems, Items: d.Items, Lines: lines(len(d.Items))},
		{Kind: resources.ImportDepots, Depots: d.Depots, Lines: lines(len(d.Depots))},
		{Kind: resources.ImportTeams, Teams: d.Teams, Lines: lines(len(d.Teams))},
		{Kind: resources.ImportStock, Stock: d.Stock, Lines: lines(len(d.Stock))},
	} {
		if _, err := reg.Import(ctx, dispatchd.System, b, "demo"); err != nil {
			return fmt.Errorf("load demo %s: %w", b.Kind, err)
		}
	}
	proj := plan.NewProjection(plan.ProjectionConfig{})
	if _, err := proj.Load(ctx, st); err != nil {
		return err
	}
	board := dispatch.NewService(st, proj, dispatch.Config{})
	board.SetClock(now)
	rec := recorder.NewService(st)
	rec.SetClock(now)
	cp := recorder.NewCheckpointer(rec, st, "bench", f.every)
	sim := &stateSim{board: board, reg: reg, d: d, rng: rand.New(rand.NewPCG(1, 2)), busy: map[string]bool{}}

	var checkpoints, bytes int
	take := func() error {
		c, err := cp.Take(ctx)
		if c != nil {
			checkpoints++
			bytes += len(c.Data)
		}
		return err
	}
	nextCP, nextFix := start, start
	var fixes int
	for clock.Before(end) {
		if !clock.Before(nextFix) {
			ps := make([]realtime.Position, len(d.Teams))
			for i, t := range d.Teams {
				ps[i] = realtime.Position{Team: t.ID, Lon: t.Base.Lon + sim.rng.Float64()/100, Lat: t.Base.Lat + sim.rng.Float64()/100, TS: clock}
			}
			if err := st.AppendPositions(ctx, ps); err != nil {
				return err
			}
			fixes += len(ps)
			nextFix = nextFix.Add(f.fixEvery)
		}
		if err := sim.step(ctx); err != nil {
			return err
		}
		clock = clock.Add(time.Duration(float64(f.step) * (0.5 + sim.rng.Float64()))).Truncate(time.Microsecond)
		for !clock.Before(nextCP) {
			if err := take(); err != nil {
				return err
			}
			nextCP = nextCP.Add(f.every)
		}
	}
	clock = end
	if err := take(); err != nil {
		return err
	}
	events, err := st.LastEventID(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "history: %d days, %d events (%d changes refused and skipped), %d checkpoints (%.1f MB), %d positions; built in %v\n",
		f.days, events, sim.refused, checkpoints, float64(bytes)/1e6, fixes, time.Since(began).Round(time.Second))

	rng := rand.New(rand.NewPCG(3, 4))
	var failed error
	var incidents, teams int
	ds := timeCalls(f.moments, func(int) {
		at := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
		s, err := rec.At(ctx, dispatchd.System, at)
		if err != nil {
			failed = err
			return
		}
		incidents += len(s.Incidents)
		teams += len(s.Positions)
	})
	if failed != nil {
		return failed
	}
	fmt.Fprintf(out, "state at a moment, %d random moments: p50 %v, p99 %v, max %v (on average %d open incidents, %d positions)\n",
		len(ds), round(pct(ds, 50)), round(pct(ds, 99)), round(ds[len(ds)-1]),
		incidents/(f.moments+min(f.moments/10, 200)), teams/(f.moments+min(f.moments/10, 200)))
	return nil
}

// stateSim makes a month of a province's work: incidents, their tasks and
// orders moved through their lives, and stock adjustments.
type stateSim struct {
	board   *dispatch.Service
	reg     *resources.Service
	d       *demo.Data
	rng     *rand.Rand
	busy    map[string]bool
	open    []*simIncident
	refused int
}

type simIncident struct {
	id     string
	tasks  []string
	teams  []string
	orders []string
	depots []string
	stage  []int // per task then order: how far it has moved
}

var (
	taskSteps = []dispatch.TaskStatus{dispatch.EnRoute, dispatch.OnScene, dispatch.Completed}
	orderEnd  = 3 // confirmed, shipped, delivered
)

func (s *stateSim) step(ctx context.Context) error {
	r := s.rng.IntN(10)
	switch {
	case r < 2 && len(s.open) < 40:
		return s.newIncident(ctx)
	case r < 8 && len(s.open) > 0:
		return s.advance(ctx, s.open[s.rng.IntN(len(s.open))])
	default:
		depot := s.d.Depots[s.rng.IntN(len(s.d.Depots))].ID
		item := s.d.Items[s.rng.IntN(len(s.d.Items))].Code
		_, err := s.reg.AdjustStock(ctx, dispatchd.System, depot, resources.AdjustRequest{Reason: "采购入库",
			Lines: []resources.Adjustment{{Item: item, Delta: 1 + s.rng.Int64N(50)}}})
		return s.skip(err)
	}
}

// skip counts a change the rules refused; other errors end the bench.
func (s *stateSim) skip(err error) error {
	switch dispatchd.ErrorCode(err) {
	case "":
		return nil
	case dispatchd.EINVALID, dispatchd.ECONFLICT, dispatchd.ENOTFOUND, dispatchd.EFORBIDDEN:
		s.refused++
		return nil
	}
	return err
}

func (s *stateSim) newIncident(ctx context.Context) error {
	t := s.d.Teams[s.rng.IntN(len(s.d.Teams))]
	in, err := s.board.CreateIncident(ctx, dispatchd.System, dispatch.Incident{Type: "flood", Level: 1 + s.rng.IntN(4),
		Title: "内涝 " + t.ID, Location: t.Base, Region: t.Region})
	if err != nil {
		return s.skip(err)
	}
	si := &simIncident{id: in.ID}
	var req dispatch.DispatchRequest
	for range 1 + s.rng.IntN(2) {
		team := s.d.Teams[s.rng.IntN(len(s.d.Teams))].ID
		if !s.busy[team] {
			req.Tasks = append(req.Tasks, dispatch.TaskRequest{Team: team})
		}
	}
	line := s.d.Stock[s.rng.IntN(len(s.d.Stock))]
	req.Orders = []dispatch.OrderRequest{{Depot: line.Depot, Lines: []resources.ItemQty{{Item: line.Item, Qty: 1 + s.rng.Int64N(5)}}}}
	res, err := s.board.Dispatch(ctx, dispatchd.System, in.ID, req)
	if err != nil {
		s.open = append(s.open, si)
		return s.skip(err)
	}
	for _, k := range res.Tasks {
		si.tasks, si.teams, si.stage = append(si.tasks, k.ID), append(si.teams, k.Team), append(si.stage, 0)
		s.busy[k.Team] = true
	}
	for _, o := range res.Orders {
		si.orders, si.depots, si.stage = append(si.orders, o.ID), append(si.depots, o.Depot), append(si.stage, 0)
	}
	s.open = append(s.open, si)
	return nil
}

// advance moves the incident's first unfinished task or order one step,
// or closes the incident when all are done.
func (s *stateSim) advance(ctx context.Context, si *simIncident) error {
	sys := dispatchd.System
	for i := range si.tasks {
		if si.stage[i] > len(taskSteps) {
			continue
		}
		var err error
		if si.stage[i] == 0 {
			_, err = s.board.Ack(ctx, sys, si.tasks[i])
		} else {
			_, err = s.board.Report(ctx, sys, si.tasks[i], taskSteps[si.stage[i]-1])
		}
		si.stage[i]++
		if err != nil {
			si.stage[i] = len(taskSteps) + 1
		}
		return s.skip(err)
	}
	for j := range si.orders {
		i := len(si.tasks) + j
		if si.stage[i] >= orderEnd {
			continue
		}
		manager := dispatchd.Actor{Username: "bench-depot", Role: dispatchd.RoleDepotManager, Depots: []string{si.depots[j]}}
		var err error
		switch si.stage[i] {
		case 0:
			_, err = s.board.Confirm(ctx, manager, si.orders[j], nil)
		case 1:
			_, err = s.board.Ship(ctx, manager, si.orders[j])
		case 2:
			_, err = s.board.Deliver(ctx, sys, si.orders[j])
		}
		si.stage[i]++
		if err != nil {
			si.stage[i] = orderEnd
		}
		return s.skip(err)
	}
	for _, team := range si.teams {
		delete(s.busy, team)
	}
	for i, o := range s.open {
		if o == si {
			s.open = append(s.open[:i], s.open[i+1:]...)
			break
		}
	}
	if _, err := s.board.SetIncidentStatus(ctx, sys, si.id, dispatch.Stabilized, ""); s.skip(err) != nil {
		return err
	}
	_, err := s.board.SetIncidentStatus(ctx, sys, si.id, dispatch.Closed, "")
	return s.skip(err)
}
