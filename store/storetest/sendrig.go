package storetest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"dispatchd/notify"
	"dispatchd/notify/smpp"
	"dispatchd/notify/smpp/smpptest"
)

// SMPP command statuses the gateway refuses with (SMPP 3.4 5.1.3).
const (
	statusThrottled  = 0x58 // ESME_RTHROTTLED: try later
	statusInvalidDst = 0x0B // ESME_RINVDSTADR: never
)

// fast drives a channel as fast as the tests' gateway takes it, with short
// backoffs.
var fast = notify.ChannelConfig{Rate: 100000, Burst: 100, InFlight: 64, MaxAttempts: 4,
	MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Timeout: 10 * time.Second}

func newSMSC(tb testing.TB, buffer int) *smpptest.Server {
	tb.Helper()
	srv, err := smpptest.New("secret", buffer)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// hookLog is what the hooks of the senders of one test were told, by
// message id.
type hookLog struct {
	mu       sync.Mutex
	sent     map[string][]string // id → the holders whose Sent hook had it
	failed   map[string]notify.Message
	order    []string // "sent <id>", "receipt <id> <state>"
	receipts []notify.Message
	replies  []string // "from text"
}

func newHookLog() *hookLog {
	return &hookLog{sent: map[string][]string{}, failed: map[string]notify.Message{}}
}

func (l *hookLog) hooks(holder string, receipts bool) notify.Hooks {
	h := notify.Hooks{
		Sent: func(_ context.Context, msgs []notify.Message) error {
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, m := range msgs {
				l.sent[m.ID] = append(l.sent[m.ID], holder)
				l.order = append(l.order, "sent "+m.ID)
			}
			return nil
		},
		Failed: func(_ context.Context, msgs []notify.Message) error {
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, m := range msgs {
				l.failed[m.ID] = m
			}
			return nil
		},
	}
	if receipts {
		h.Receipt = func(_ context.Context, m notify.Message, state string) error {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.receipts = append(l.receipts, m)
			l.order = append(l.order, "receipt "+m.ID+" "+state)
			return nil
		}
		h.Reply = func(_ context.Context, from, text string) error {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.replies = append(l.replies, from+" "+text)
			return nil
		}
	}
	return h
}

func (l *hookLog) counts() (sent, failed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.sent), len(l.failed)
}

// sendNode is one dispatchd node's sending side: an SMPP client bound to the
// gateway and a Sender over the shared store.
type sendNode struct {
	sender     *notify.Sender
	stopSender context.CancelFunc
	stopClient context.CancelFunc
	senderDone chan error
	clientDone chan error
	once       sync.Once
}

func startNode(tb testing.TB, s Store, srv *smpptest.Server, holder string, hooks notify.Hooks, cc notify.ChannelConfig) *sendNode {
	tb.Helper()
	return startNodeLog(tb, s, srv, holder, hooks, cc, slog.New(slog.DiscardHandler))
}

// startNodeLog is startNode with the sender's and client's log.
func startNodeLog(tb testing.TB, s Store, srv *smpptest.Server, holder string, hooks notify.Hooks, cc notify.ChannelConfig, log *slog.Logger) *sendNode {
	tb.Helper()
	cfg, err := smpp.ParseURL("smpp://dispatchd:secret@" + srv.Addr() + "?source=12345&rate=100000&timeout=10s")
	if err != nil {
		tb.Fatal(err)
	}
	cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 50*time.Millisecond
	n := &sendNode{senderDone: make(chan error, 1), clientDone: make(chan error, 1)}
	n.sender = notify.NewSender(s, notify.SenderConfig{Holder: holder, LinkBase: "http://localhost:8080/",
		Poll: 20 * time.Millisecond, Lease: 3 * time.Second}, hooks, log)
	client := smpp.New(cfg, smpp.Feed(n.sender), log)
	n.sender.Handle(notify.SMS, smpp.Channel{Client: client}, cc)
	cctx, stopClient := context.WithCancel(context.Background())
	sctx, stopSender := context.WithCancel(context.Background())
	n.stopClient, n.stopSender = stopClient, stopSender
	go func() { n.clientDone <- client.Run(cctx) }()
	go func() { n.senderDone <- n.sender.Run(sctx) }()
	tb.Cleanup(func() { n.stop(tb) })
	return n
}

// stop stops the sender, which finishes and records its sends under way,
// then the client.
func (n *sendNode) stop(tb testing.TB) {
	tb.Helper()
	n.once.Do(func() {
		n.stopSender()
		if err := <-n.senderDone; err != nil {
			tb.Errorf("sender: %v", err)
		}
		n.stopClient()
		if err := <-n.clientDone; err != nil {
			tb.Errorf("smpp client: %v", err)
		}
	})
}

// eventually waits for cond, failing the test after three minutes.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// received drains the gateway's messages.
func received(srv *smpptest.Server) []smpptest.Message {
	var out []smpptest.Message
	for {
		select {
		case m := <-srv.Received():
			out = append(out, m)
		default:
			return out
		}
	}
}

// exactlyOnce checks that the gateway received each of msgs once and
// nothing else, and that the Sent hooks had each once.
func exactlyOnce(t *testing.T, s Store, srv *smpptest.Server, msgs []notify.Message, log *hookLog) {
	t.Helper()
	if got := srv.Submits(); got != int64(len(msgs)) {
		t.Errorf("submits: got %d, want %d", got, len(msgs))
	}
	want := map[string]bool{}
	for _, m := range msgs {
		want[m.Body] = true
	}
	seen := map[string]int{}
	for _, m := range received(srv) {
		seen[m.Text]++
		if seen[m.Text] == 2 {
			t.Errorf("received twice: %q", m.Text)
		}
		if !want[m.Text] {
			t.Errorf("received what was not queued: %q", m.Text)
		}
	}
	missing := 0
	for body := range want {
		if seen[body] == 0 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("never received: %d of %d", missing, len(msgs))
	}
	log.mu.Lock()
	for _, m := range msgs {
		if got := log.sent[m.ID]; len(got) != 1 {
			t.Errorf("message %s: Sent hooks %v, want one", m.ID, got)
			break
		}
	}
	log.mu.Unlock()
	if left := ok(s.Due(ctx(t), notify.SMS, time.Now().Add(24*time.Hour), 10)).get(t); len(left) > 0 {
		t.Errorf("still pending: %v", msgIDs(left))
	}
}

// lockedBuffer is a log's output that tests read while it is written.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// BenchSender drains 10,000 outbox rows to the in-process SMSC and
// reports messages a second, from the start of the sender to the last
// one recorded; then it checks that every delivery receipt reached its
// hook.
func BenchSender(b *testing.B, open Open) {
	b.Run("outbox", func(b *testing.B) { benchOutbox(b, open) })
	b.Run("bare", benchBareSMPP)
}

func benchOutbox(b *testing.B, open Open) {
	const n = 10000
	b.StopTimer()
	for range b.N {
		s := open(b)
		srv := newSMSC(b, 1)
		queue(b, s, n, time.Now(), "bench ")
		log := newHookLog()
		b.StartTimer()
		start := time.Now()
		nd := startNode(b, s, srv, "bench", log.hooks("bench", true), notify.ChannelConfig{Rate: 100000, Burst: 100, InFlight: 64})
		eventually(b, "every message sent", func() bool { sent, _ := log.counts(); return sent >= n })
		b.ReportMetric(n/time.Since(start).Seconds(), "msgs/s")
		b.StopTimer()
		// Every receipt reaches its hook: none dropped on the way.
		eventually(b, "every receipt", func() bool { log.mu.Lock(); defer log.mu.Unlock(); return len(log.receipts) >= n })
		nd.stop(b)
		if got := srv.Submits(); got != n {
			b.Fatalf("submits: got %d, want %d", got, n)
		}
	}
}

// benchBareSMPP is the baseline of BenchSender, measured in the same run:
// the same 10,000 messages sent straight through the SMPP client to the
// same gateway, with as many in flight as the sender keeps, and no
// outbox, links or receipts.
func benchBareSMPP(b *testing.B) {
	const n, inFlight = 10000, 64
	b.StopTimer()
	for range b.N {
		srv := newSMSC(b, 1)
		cfg, err := smpp.ParseURL("smpp://dispatchd:secret@" + srv.Addr() + "?source=12345&rate=100000&timeout=10s")
		if err != nil {
			b.Fatal(err)
		}
		client := smpp.New(cfg, smpp.Handlers{}, slog.New(slog.DiscardHandler))
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- client.Run(ctx) }()
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		next := make(chan int, n)
		for i := range n {
			next <- i
		}
		close(next)
		for range inFlight {
			wg.Go(func() {
				for i := range next {
					if _, err := client.Send(ctx, smpp.Message{To: "13800000000", Text: fmt.Sprintf("bench %d", i)}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(n/time.Since(start).Seconds(), "msgs/s")
		b.StopTimer()
		stop()
		<-done
	}
}
