package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/paulmach/orb"
	"golang.org/x/sync/errgroup"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/coverage"
	"dispatchd/dispatch"
	"dispatchd/dispatch/arrival"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/realtime"
	"dispatchd/realtime/redisbus"
	"dispatchd/recorder"
	"dispatchd/regions"
	"dispatchd/resources"
	"dispatchd/warning"
	"dispatchd/web"
	"dispatchd/zones"
)

// ShutdownTimeout bounds how long requests under way get to finish once
// the server is told to stop.
const ShutdownTimeout = 15 * time.Second

// teamCatchUp bounds how long a position for a team missing from the
// dispatch view waits for the view to catch up with the store.
const teamCatchUp = time.Second

// serverConfig is what dispatchd serve's flags say, past parsing.
type serverConfig struct {
	demo          bool
	desks         dispatchd.Desks // nil: dispatchd.DefaultDesks
	ttl           time.Duration
	throttle      auth.ThrottleConfig
	dispatch      dispatch.Config
	projection    plan.ProjectionConfig
	escalateEvery time.Duration
	staleEvery    time.Duration
	// checkpointEvery is how often the recorder checkpoints the state.
	checkpointEvery time.Duration
	// arrivalDwell is how long fixes stay in a scene to count as arrived.
	arrivalDwell time.Duration
	hub          realtime.HubConfig
	history      realtime.HistoryConfig
	redisURL     string
	redisPrefix  string
	web          web.Config
	channels     channelsConfig
	// linkBase is the origin of one-tap links: --public-url, or the
	// listen address.
	linkBase string
	// coverage tunes coverage; coverageEvery is how often it follows the
	// teams and checks for gaps.
	coverage      coverage.Config
	coverageEvery time.Duration
}

// server is what dispatchd serve runs: its parts, built by newServer
// without starting anything, then run by run, which owns every long-lived
// goroutine and stops them in order.
type server struct {
	log   *slog.Logger
	cfg   serverConfig
	st    appStore
	feed  *realtime.Feed
	sub   *realtime.Subscription // the projection's, taken before the feed runs
	regs  *regions.Service
	rsub  *realtime.Subscription // the region index's
	proj  *plan.Projection
	board *dispatch.Service
	pipe  *realtime.Pipeline
	rb    *redisbus.Bus // nil on one node
	web   *web.Server
	warns *warning.Service
	note  *notifier
	rec   *recorder.Service
	// fences watches the position path for arrivals at scenes.
	fences *arrival.Watcher
	fsub   *realtime.Subscription // the arrival watcher's
	zones  *zones.Service
	zsub   *realtime.Subscription // the risk zones' index's
	watch  *zones.Watcher
	cov    *coverage.Service
	psub   *realtime.Subscription // the coverage population layer's
}

// newServer builds the server on st: the demo province when asked, the
// dispatch view loaded from the store, and the position pipeline, whose
// moved positions keep the dispatch view current. It starts nothing; the
// caller closes st if it fails.
func newServer(ctx context.Context, st appStore, log *slog.Logger, stdout io.Writer, cfg serverConfig) (*server, error) {
	registry := resources.NewService(st)
	authSvc := auth.NewService(st, st, cfg.ttl)
	authSvc.SetThrottle(cfg.throttle)
	regs := regions.NewService(st)
	authSvc.SetRegions(regs.Known)
	if cfg.desks != nil {
		authSvc.SetDesks(cfg.desks)
	}
	if cfg.demo {
		if err := seedDemo(ctx, st, registry, authSvc, log, stdout); err != nil {
			return nil, err
		}
	}
	s := &server{log: log, cfg: cfg, st: st, proj: plan.NewProjection(cfg.projection), regs: regs}
	// The dispatch view: loaded now, then kept current by the event feed,
	// which every commit on this node wakes and which polls for the rest.
	last, err := s.proj.Load(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("load the dispatch view: %w", err)
	}
	s.feed = realtime.NewFeed(st, last, time.Second)
	st.OnCommit(s.feed.Notify)
	s.sub = s.feed.Subscribe(plan.FeedBuffer)
	s.rsub = s.feed.Subscribe(regions.FeedBuffer)
	// The risk zones: their index, rebuilt on each node from the feed,
	// marks the suggestions and watches the teams' fixes.
	s.zones = zones.NewService(st, dispatch.IncidentTypes)
	if err := s.zones.Load(ctx); err != nil {
		return nil, err
	}
	s.zsub = s.feed.Subscribe(zones.FeedBuffer)
	s.proj.SetZones(s.zones.Index)
	s.watch = zones.NewWatcher(s.zones.Index, st, s.proj.TeamRegion)
	cfg.dispatch.Regions = regs
	s.board = dispatch.NewService(st, s.proj, cfg.dispatch)
	// Pre-positioning finds forecast zones by id, and the red zones in
	// force, in the same index.
	s.board.SetZones(s.zones)
	s.board.SetRegionNames(func(code string) string { return regs.Name(context.Background(), code) })
	s.board.SetCodes(st)
	// Arrival by geofence: the model of active tasks and shipped orders,
	// loaded now and kept current by the feed; every live fix goes through it.
	s.fences = arrival.New(arrival.Config{Dwell: cfg.arrivalDwell, SceneRadius: cfg.dispatch.SceneRadius,
		DepotAt: s.proj.DepotLocation})
	s.fsub = s.feed.Subscribe(arrival.FeedBuffer)
	if err := s.fences.Load(ctx, st); err != nil {
		return nil, err
	}

	// The hub shows a jurisdiction's sessions its own teams' positions.
	hcfg := cfg.hub
	hcfg.TeamRegion = s.proj.TeamRegion
	// A team registered a moment ago, on any node, may not be in the
	// dispatch view yet: on a miss the check lets the view catch up.
	teams := realtime.NewTeams(s.proj, st, teamCatchUp)
	s.pipe = realtime.NewPipeline(realtime.PipelineConfig{History: cfg.history, Hub: hcfg},
		st, teams.Known, func(ps []realtime.Position) {
			for _, p := range ps {
				s.proj.SetPosition(p.Team, geo.Point{Lon: p.Lon, Lat: p.Lat}, p.TS)
				s.watch.Observe(p.Team, orb.Point{p.Lon, p.Lat}, p.TS)
			}
			s.fences.Moved(ps)
		})
	s.pipe.Ingest.SetTeamRegion(s.proj.TeamRegion)
	if cfg.redisURL != "" {
		rb, err := redisbus.Open(ctx, cfg.redisURL, cfg.redisPrefix, s.pipe.Deliver)
		if err != nil {
			return nil, err
		}
		ps, err := rb.Latest(ctx)
		if err != nil {
			rb.Close()
			return nil, err
		}
		s.pipe.Deliver(ps)
		rb.ResyncFrom(func() []realtime.Position { return s.pipe.Hub.Latest(nil) })
		s.rb = rb
		s.pipe.UseBus(rb)
		log.Info("positions shared over Redis")
	}
	persons := warning.NewService(st)
	persons.SetRegions(regs.Known)
	persons.SetChannels(cfg.channels.channels()...)
	persons.SetCodes(st)
	persons.SetRegionNames(func(code string) string { return regs.Name(context.Background(), code) })
	persons.SetCover(regs.Cover)
	persons.SetAnswerWithin(cfg.channels.answerWithin)
	s.warns = persons
	s.note, err = newNotifier(st, cfg.channels, cfg.linkBase, persons, s.board, registry, s.pipe.Hub, s.feed, log)
	if err != nil {
		if s.rb != nil {
			s.rb.Close()
		}
		return nil, err
	}
	if sender := s.note.sender; sender != nil {
		// A commit here may have queued messages: the sender reads the
		// outbox at once (on another node's commits, within its poll).
		st.OnCommit(func() { s.feed.Notify(); sender.Kick() })
	}
	s.rec = recorder.NewService(st)
	// Coverage follows the dispatch view; every pick shows its cost.
	s.cov = coverage.NewService(cfg.coverage, s.proj, regs)
	s.cov.SetGaps(st)
	s.cov.SetPopulationStore(st)
	s.psub = s.feed.Subscribe(coverage.FeedBuffer)
	if err := s.cov.LoadPopulation(ctx); err != nil {
		if s.rb != nil {
			s.rb.Close()
		}
		return nil, err
	}
	s.cov.SetCatchUp(func(ctx context.Context) error { return s.proj.CatchUp(ctx, st, time.Second) })
	s.proj.SetCoverage(s.cov)
	s.web = web.New(cfg.web, web.Deps{Coverage: s.cov,
		Auth: authSvc, Registry: registry, Dispatch: s.board, Regions: regs, Persons: persons, Rollup: regions.NewRollup(st), Ingest: s.pipe.Ingest, Hub: s.pipe.Hub, Track: st, History: s.pipe.History,
		Events: st, Audit: st, Idempotency: st, Ready: st.Ready, Recorder: s.rec, Zones: s.zones,
		ZoneWatch: s.watch, Arrivals: s.fences,
		Answerers: []web.Answerer{web.WarningAnswers(persons), web.TaskAnswers(s.board)},
	})
	return s, nil
}

// run serves HTTP on ln and runs the loops until ctx ends or serving
// fails. Then it stops in order, each stage once the one before it has
// returned: HTTP (no new requests; those under way are answered), then the
// hub, the escalator and the other loops on the store (each stops between
// two rounds, never inside one), then the history writer (every accepted
// position is written), then the bus (what is queued is sent) and the
// store.
func (s *server) run(ctx context.Context, ln net.Listener, addr string) error {
	// Each stage has a context of its own, ended in turn; none ends with
	// ctx, which only starts the shutdown.
	stage := func() (context.Context, context.CancelFunc) {
		return context.WithCancel(context.WithoutCancel(ctx))
	}
	loopsCtx, stopLoops := stage()
	histCtx, stopHistory := stage()
	busCtx, stopBus := stage()
	defer stopLoops()
	defer stopHistory()
	defer stopBus()
	var loops, history, bus errgroup.Group
	warn := func(what string) func(error) { return func(err error) { s.log.Warn(what, "error", err) } }

	if s.rb != nil {
		bus.Go(func() error { s.rb.Run(busCtx, warn("position bus")); return nil })
	}
	history.Go(func() error { s.pipe.History.Run(histCtx, warn("position history")); return nil })
	// The records of suggestions served: written after HTTP stops, with
	// the position history, so none served is lost to a clean shutdown.
	history.Go(func() error { s.board.RunProposalLog(histCtx, warn("suggestion records")); return nil })
	if l, ok := s.st.(interface {
		Listen(ctx context.Context, wake func(), report func(error))
	}); ok {
		// PostgreSQL: commits on every node wake the feed at once.
		loops.Go(func() error { l.Listen(loopsCtx, s.feed.Notify, warn("event notifications")); return nil })
	}
	loops.Go(func() error { _ = s.feed.Run(loopsCtx); return nil })
	loops.Go(func() error { s.proj.Follow(loopsCtx, s.feed, s.sub, s.st, warn("dispatch view")); return nil })
	loops.Go(func() error { s.regs.Follow(loopsCtx, s.feed, s.rsub); return nil })
	loops.Go(func() error { s.fences.Follow(loopsCtx, s.feed, s.fsub, s.st, warn("arrival watcher")); return nil })
	loops.Go(func() error { s.fences.Run(loopsCtx, s.board, warn("mark an arrival by geofence")); return nil })
	loops.Go(func() error { s.zones.Follow(loopsCtx, s.feed, s.zsub, warn("risk zones")); return nil })
	loops.Go(func() error {
		s.cov.FollowPopulation(loopsCtx, s.feed, s.psub, warn("coverage population"))
		return nil
	})
	loops.Go(func() error { s.watch.Run(loopsCtx, warn("red zone entries")); return nil })
	loops.Go(func() error {
		s.cov.Run(loopsCtx, s.cfg.coverageEvery, func(n int, err error) {
			if err != nil {
				s.log.Warn("coverage", "error", err)
				return
			}
			s.log.Info("coverage gaps opened or closed", "count", n)
		})
		return nil
	})
	loops.Go(func() error {
		s.board.RunEscalator(loopsCtx, s.cfg.escalateEvery, func(n int, err error) {
			if err != nil {
				s.log.Warn("escalate unanswered tasks and support requests", "error", err)
				return
			}
			s.log.Warn("tasks and support requests escalated: no answer in time", "count", n)
		})
		return nil
	})
	loops.Go(func() error {
		s.board.RunStaleWatch(loopsCtx, s.cfg.staleEvery, func(stale, fresh int, err error) {
			if err != nil {
				s.log.Warn("mark stale positions", "error", err)
				return
			}
			s.log.Info("team positions marked stale or fresh again", "stale", stale, "fresh", fresh)
		})
		return nil
	})
	loops.Go(func() error {
		s.warns.RunEscalator(loopsCtx, s.cfg.channels.escalateEvery, func(n int, err error) {
			if err != nil {
				s.log.Warn("escalate unanswered warnings", "error", err)
				return
			}
			s.log.Warn("warnings escalated: no answer in time", "count", n)
		})
		return nil
	})
	loops.Go(func() error { s.pipe.Hub.Run(loopsCtx, s.feed); return nil })
	sendCtx, stopSending := stage()
	defer stopSending()
	smsCtx, stopSMS := stage()
	defer stopSMS()
	var sending, sms errgroup.Group
	if s.note.sender != nil {
		// The sender stops before the SMS client it sends through, so that
		// its sends under way finish on a bound link.
		sending.Go(func() error { return s.note.sender.Run(sendCtx) })
		loops.Go(func() error {
			s.note.tasks.Follow(loopsCtx, s.feed, s.note.tsub, warn("send a task by sms"))
			return nil
		})
		if s.note.sms != nil {
			sms.Go(func() error { _ = s.note.sms.Run(smsCtx); return nil })
		}
	}
	loops.Go(func() error { pruneIdempotency(loopsCtx, s.st, s.log); return nil })
	loops.Go(func() error {
		holder, _ := os.Hostname()
		recorder.NewCheckpointer(s.rec, s.st, holder+"-"+shortID(), s.cfg.checkpointEvery).Run(loopsCtx, warn("checkpoint the state"))
		return nil
	})

	hs := s.web.HTTPServer(addr)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	var err error
	select {
	case serr := <-served:
		err = fmt.Errorf("serve: %w", serr)
		served <- nil
	case <-ctx.Done():
	}

	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil {
		err = errors.Join(err, fmt.Errorf("stop serving HTTP: %w", serr))
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("serve: %w", serr))
	}
	s.log.Info("shutdown: HTTP stopped, requests under way answered")
	stopLoops()
	_ = loops.Wait()
	s.log.Info("shutdown: hub, escalation and event feed stopped")
	stopSending()
	if serr := sending.Wait(); serr != nil {
		s.log.Warn("stop the outbox sender", "error", serr)
	}
	stopSMS()
	_ = sms.Wait()
	s.log.Info("shutdown: outbox sender stopped, sends under way recorded")
	stopHistory()
	_ = history.Wait()
	hst := s.pipe.History.Stats()
	s.log.Info("shutdown: position history flushed", "written", hst.Written, "pending", hst.Pending, "failed", hst.Failed, "dropped", hst.Dropped,
		"suggestion_records_dropped", s.board.ProposalsDropped())
	stopBus()
	_ = bus.Wait()
	if s.rb != nil {
		if cerr := s.rb.Close(); cerr != nil {
			s.log.Warn("close the position bus", "error", cerr)
		}
	}
	s.log.Info("shutdown: position bus closed")
	if cerr := s.st.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close the store: %w", cerr))
	}
	s.log.Info("shutdown: store closed")
	if err != nil {
		return err
	}
	s.log.Info("stopped")
	return nil
}

// close releases what newServer opened when run is never called.
func (s *server) close() {
	if s.rb != nil {
		s.rb.Close()
	}
	s.st.Close()
}
