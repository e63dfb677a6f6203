package notify

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"dispatchd"
)

// Channel hands messages to one kind of gateway (an SMSC, a bureau's
// webhook). Implementations must be safe for concurrent use: the Sender
// keeps up to ChannelConfig.InFlight sends going at once.
type Channel interface {
	// Send hands out to the gateway and returns the gateway's id for it,
	// which its delivery receipts name. Errors: invalid (the gateway
	// refused the message; sending it again would not help); any other
	// error is retried later.
	Send(ctx context.Context, out Outgoing) (gatewayID string, err error)
}

// Outgoing is a message as a channel sends it: the body with its link.
type Outgoing struct {
	ID        string
	Kind      string
	Subject   string
	Recipient string
	Text      string
	Created   time.Time
}

// ChannelConfig is how a channel is driven. Zero fields take defaults.
type ChannelConfig struct {
	// Rate is the most messages a second (default 100), Burst how many
	// may go at once after a pause (default Rate/50, at least 1).
	Rate  float64
	Burst int
	// InFlight bounds the sends waiting for the gateway's answer (SMPP's
	// window; default 32).
	InFlight int
	// MaxAttempts is how many sends are tried before a message fails
	// (default 8); the wait after the nth failure is MinBackoff·2ⁿ⁻¹ up to
	// MaxBackoff (defaults 5 s and 10 min), with jitter.
	MaxAttempts            int
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds one send (default 30 s).
	Timeout time.Duration
}

// Hooks are told, after the outbox's commit, what became of messages.
// They run on one goroutine of the Sender, in order (a message's Sent
// before its Receipt), and an error they return is logged.
type Hooks struct {
	// Sent is called with the messages their gateway took.
	Sent func(ctx context.Context, msgs []Message) error
	// Failed is called with the messages given up.
	Failed func(ctx context.Context, msgs []Message) error
	// Receipt is called for a delivery receipt of a sent message: state
	// is Delivered or Failed.
	Receipt func(ctx context.Context, msg Message, state string) error
	// Reply is called for a message from a phone (an SMS MO).
	Reply func(ctx context.Context, from, text string) error
}

// SenderConfig configures a Sender. Zero fields take defaults.
type SenderConfig struct {
	// Holder names this node in the lease (default a random id).
	Holder string
	// LinkBase is the origin one-tap links start with, such as
	// https://dispatch.example.org; a link is LinkBase/a/<code>.
	LinkBase string
	// Lease is how long the sender's lease lasts unless renewed (default
	// 15 s); it is renewed every third of that.
	Lease time.Duration
	// Poll is how often the outbox is read when nothing kicks the sender,
	// and how often a node without the lease tries to take it (default
	// 1 s).
	Poll time.Duration
	// Batch is the most messages claimed at once (default 200).
	Batch int
	// ClaimFor is how long after a claim a message not acknowledged is
	// sent again: by then a sender that died has lost its lease (default
	// 2 min; at least Lease plus a send's Timeout).
	ClaimFor time.Duration
	// Queue bounds the receipts and replies waiting for the hooks
	// (default 4096); past that they are dropped and logged.
	Queue int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// LeaseName is the lease that makes one sender drain the outbox.
const LeaseName = "outbox_sender"

// Sender drains the outbox through its channels. One Sender runs per
// node; the lease lets exactly one of them send at a time.
type Sender struct {
	store Store
	cfg   SenderConfig
	hooks Hooks
	log   *slog.Logger

	routes map[string]*route // set by Handle before Run
	events chan event        // receipts and replies, for the hooks
	settle chan settled      // acknowledged batches, for the hooks

	heldUntil atomic.Int64 // unix nanoseconds the lease is ours until

	mu   sync.Mutex
	busy map[string]struct{} // ids claimed whose hooks have not run
}

// route is one channel and how it is driven.
type route struct {
	name  string
	ch    Channel
	cfg   ChannelConfig
	limit *rate.Limiter
	kick  chan struct{}
}

// NewSender returns a Sender over store; register its channels with
// Handle, then Run it.
func NewSender(store Store, cfg SenderConfig, hooks Hooks, log *slog.Logger) *Sender {
	if cfg.Holder == "" {
		cfg.Holder = dispatchd.NewID()
	}
	cfg.LinkBase = strings.TrimRight(cfg.LinkBase, "/")
	if cfg.Lease <= 0 {
		cfg.Lease = 15 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 200
	}
	if cfg.ClaimFor <= 0 {
		cfg.ClaimFor = 2 * time.Minute
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Sender{store: store, cfg: cfg, hooks: hooks, log: log, routes: map[string]*route{},
		events: make(chan event, cfg.Queue), settle: make(chan settled, 64), busy: map[string]struct{}{}}
}

// Handle makes the Sender send the messages of channel (SMS, Webhook)
// through ch. Call it before Run.
func (s *Sender) Handle(channel string, ch Channel, cfg ChannelConfig) {
	if cfg.Rate <= 0 {
		cfg.Rate = 100
	}
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(cfg.Rate/50))
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = 32
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 5 * time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(10*time.Minute, cfg.MinBackoff)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	s.routes[channel] = &route{name: channel, ch: ch, cfg: cfg,
		limit: rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst), kick: make(chan struct{}, 1)}
}

// Kick wakes the sender to read the outbox now, as when messages were
// queued. It never blocks.
func (s *Sender) Kick() {
	for _, r := range s.routes {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// Run drains the outbox while it holds the lease, and serves the hooks,
// until ctx is done. Then it stops claiming, lets the sends under way
// finish and records them, runs the hooks of what was recorded, gives up
// the lease and returns nil.
func (s *Sender) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(s.serveHooks) // ends when settle is closed, below
	defer func() {
		close(s.settle)
		wg.Wait()
	}()
	for {
		now := s.cfg.Now()
		ok, err := s.store.Lease(ctx, LeaseName, s.cfg.Holder, now, now.Add(s.cfg.Lease))
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("outbox lease", "holder", s.cfg.Holder, "err", err)
		case ok:
			s.heldUntil.Store(now.Add(s.cfg.Lease).UnixNano())
			s.log.Info("outbox sender leads", "holder", s.cfg.Holder)
			s.lead(ctx)
		}
		if ctx.Err() != nil {
			return nil
		}
		t := time.NewTimer(s.cfg.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// lead sends while the lease is held: a renewer, a dispatcher per
// channel, and an acker that records their results. It returns when ctx
// is done or the lease is lost, once every send under way is recorded.
func (s *Sender) lead(ctx context.Context) {
	leadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan outcome, 1024)
	var renew, dispatchers, acker sync.WaitGroup
	renew.Go(func() { s.renew(leadCtx, cancel) })
	acker.Go(func() { s.ack(results) })
	for _, r := range s.routes {
		dispatchers.Go(func() { s.dispatch(leadCtx, r, results) })
	}
	dispatchers.Wait() // each waits for its sends
	close(results)
	acker.Wait()
	cancel()
	renew.Wait()
	bg, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer done()
	if err := s.store.Release(bg, LeaseName, s.cfg.Holder); err != nil {
		s.log.Warn("outbox lease release", "holder", s.cfg.Holder, "err", err)
	}
	s.heldUntil.Store(0)
	if ctx.Err() == nil {
		s.log.Warn("outbox sender lost its lease", "holder", s.cfg.Holder)
	}
}

// renew keeps the lease until ctx is done, and calls lost when it is
// taken or cannot be renewed before it expires.
func (s *Sender) renew(ctx context.Context, lost context.CancelFunc) {
	t := time.NewTicker(s.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.cfg.Now()
		ok, err := s.store.Lease(ctx, LeaseName, s.cfg.Holder, now, now.Add(s.cfg.Lease))
		switch {
		case ok:
			s.heldUntil.Store(now.Add(s.cfg.Lease).UnixNano())
		case err == nil:
			lost()
			return
		case ctx.Err() != nil:
			return
		default:
			s.log.Warn("outbox lease renewal", "holder", s.cfg.Holder, "err", err)
			if !s.holds(s.cfg.Now().Add(s.cfg.Lease / 3)) {
				lost()
				return
			}
		}
	}
}

// holds reports whether the lease is still ours at t.
func (s *Sender) holds(t time.Time) bool { return t.UnixNano() < s.heldUntil.Load() }

// retry runs fn until it succeeds, with a growing pause, for at most
// total: a batch's record must not be lost to a short outage.
func retry(ctx context.Context, total time.Duration, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, total)
	defer cancel()
	pause := 50 * time.Millisecond
	for {
		err := fn(ctx)
		if err == nil || dispatchd.ErrorCode(err) == dispatchd.EINVALID {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, 2*time.Second)
	}
}
