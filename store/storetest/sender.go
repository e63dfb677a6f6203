package storetest

import (
	"context"
	"log/slog"
	"slices"
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

// eventually waits for cond, failing the test after a minute.
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

// testSenderRestart stops a sender in the middle of 10,000 messages; the
// next, on another node, sends the rest: none twice, none lost.
func testSenderRestart(t *testing.T, s Store) {
	const n = 10000
	srv := newSMSC(t, 2*n)
	msgs := queue(t, s, n, time.Now(), "m ")
	log := newHookLog()
	a := startNode(t, s, srv, "node-a", log.hooks("node-a", false), fast)
	eventually(t, "a quarter sent", func() bool { return srv.Submits() >= n/4 })
	a.stop(t)
	// The stopped sender gave its lease up.
	now := time.Now()
	if !ok(s.Lease(ctx(t), notify.LeaseName, "probe", now, now.Add(time.Millisecond))).get(t) {
		t.Error("the stopped sender kept its lease")
	}
	noErr(t, s.Release(ctx(t), notify.LeaseName, "probe"))
	byA, _ := log.counts()
	if byA == 0 || byA >= n {
		t.Fatalf("the first sender sent %d of %d before it stopped: the test proves nothing", byA, n)
	}
	if got := srv.Submits(); got != int64(byA) {
		t.Errorf("after the stop: the gateway took %d, the outbox recorded %d", got, byA)
	}
	b := startNode(t, s, srv, "node-b", log.hooks("node-b", false), fast)
	eventually(t, "every message sent", func() bool { sent, _ := log.counts(); return sent >= n })
	b.stop(t)
	exactlyOnce(t, s, srv, msgs, log)
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

// testSenderLosesLease: a sender whose lease another node took sends
// nothing more, and takes it back once it is free.
func testSenderLosesLease(t *testing.T, s Store) {
	c := ctx(t)
	srv := newSMSC(t, 100)
	log := newHookLog()
	var logs lockedBuffer
	startNodeLog(t, s, srv, "node-a", log.hooks("node-a", false), fast, slog.New(slog.NewTextHandler(&logs, nil)))
	queue(t, s, 1, time.Now(), "first ")
	eventually(t, "the first message sent", func() bool { sent, _ := log.counts(); return sent == 1 })

	noErr(t, s.Release(c, notify.LeaseName, "node-a"))
	now := time.Now()
	if !ok(s.Lease(c, notify.LeaseName, "thief", now, now.Add(time.Hour))).get(t) {
		t.Fatal("the thief could not take the released lease")
	}
	eventually(t, "node-a to notice", func() bool { return strings.Contains(logs.String(), "lost its lease") })
	msgs := queue(t, s, 20, time.Now(), "later ")
	for range 10 { // ten polls of the outbox: none may send
		time.Sleep(20 * time.Millisecond)
	}
	if got := srv.Submits(); got != 1 {
		t.Errorf("without the lease: the gateway got %d messages, want 1", got)
	}
	if due := ok(s.Due(c, notify.SMS, time.Now(), 100)).get(t); len(due) != len(msgs) {
		t.Errorf("without the lease: got %d due, want %d", len(due), len(msgs))
	}
	noErr(t, s.Release(c, notify.LeaseName, "thief"))
	eventually(t, "the rest sent", func() bool { sent, _ := log.counts(); return sent == 1+len(msgs) })
}

// testSendersTwoAtOnce runs two senders on one store: the lease makes one
// of them send everything, once.
func testSendersTwoAtOnce(t *testing.T, s Store) {
	const n = 1000
	srv := newSMSC(t, 2*n)
	msgs := queue(t, s, n, time.Now(), "two ")
	log := newHookLog()
	a := startNode(t, s, srv, "node-a", log.hooks("node-a", false), fast)
	b := startNode(t, s, srv, "node-b", log.hooks("node-b", false), fast)
	a.sender.Kick()
	b.sender.Kick()
	eventually(t, "every message sent", func() bool { sent, _ := log.counts(); return sent >= n })
	a.stop(t)
	b.stop(t)
	exactlyOnce(t, s, srv, msgs, log)
	holders := map[string]int{}
	log.mu.Lock()
	for _, hs := range log.sent {
		for _, h := range hs {
			holders[h]++
		}
	}
	log.mu.Unlock()
	if len(holders) != 1 {
		t.Errorf("senders: got %v, want one holder of the lease sending all", holders)
	}
}

// testSenderRetries: a throttling gateway is tried again until it takes
// the message; a refusal fails it at once; attempts run out.
func testSenderRetries(t *testing.T, s Store) {
	srv := newSMSC(t, 100)
	log := newHookLog()
	startNode(t, s, srv, "node-a", log.hooks("node-a", false), fast)

	srv.Refuse(statusThrottled)
	m := queue(t, s, 1, time.Now(), "throttled ")[0]
	eventually(t, "a retry", func() bool { return srv.Submits() >= 2 })
	srv.Refuse(0)
	eventually(t, "the message sent", func() bool { sent, _ := log.counts(); return sent == 1 })
	submits := srv.Submits()
	log.mu.Lock()
	gw := log.sent[m.ID]
	log.mu.Unlock()
	if len(gw) != 1 {
		t.Fatalf("sent hooks: got %v, want one", gw)
	}
	got := received(srv)
	if len(got) != 1 || got[0].Text != m.Body {
		t.Fatalf("received: got %+v, want %q once", got, m.Body)
	}
	row := ok(s.ByGatewayID(ctx(t), notify.SMS, got[0].ID)).get(t)
	if row.ID != m.ID || row.State != notify.Sent || int64(row.Attempts) != submits || row.Attempts < 3 {
		t.Errorf("row: got %s %s after %d attempts, want %s sent after %d (>= 3)", row.ID, row.State, row.Attempts, m.ID, submits)
	}

	srv.Refuse(statusInvalidDst)
	bad := queue(t, s, 1, time.Now(), "refused ")[0]
	eventually(t, "the refused message failed", func() bool { _, failed := log.counts(); return failed == 1 })
	if got := srv.Submits() - submits; got != 1 {
		t.Errorf("a refused message: got %d attempts, want 1", got)
	}
	log.mu.Lock()
	f := log.failed[bad.ID]
	log.mu.Unlock()
	if f.State != notify.Failed || f.LastError == "" || f.Attempts != 1 {
		t.Errorf("failed hook: got %+v, want failed with an error after 1 attempt", f)
	}

	srv.Refuse(statusThrottled)
	submits = srv.Submits()
	tired := queue(t, s, 1, time.Now(), "tired ")[0]
	eventually(t, "the message given up", func() bool { _, failed := log.counts(); return failed == 2 })
	if got := srv.Submits() - submits; got != int64(fast.MaxAttempts) {
		t.Errorf("a throttled message: got %d attempts, want %d", got, fast.MaxAttempts)
	}
	log.mu.Lock()
	_, gaveUp := log.failed[tired.ID]
	log.mu.Unlock()
	if !gaveUp {
		t.Errorf("failed hook: %s missing", tired.ID)
	}
	if left := ok(s.Due(ctx(t), notify.SMS, time.Now().Add(time.Hour), 10)).get(t); len(left) > 0 {
		t.Errorf("still pending: %v", msgIDs(left))
	}
}

// testSenderLinkReceiptReply: a message's link carries a fresh code whose
// hash only is stored; the gateway's receipt reaches the Receipt hook
// after the Sent hook, with the message; a reply reaches Reply.
func testSenderLinkReceiptReply(t *testing.T, s Store) {
	c := ctx(t)
	srv := newSMSC(t, 10)
	now := time.Now().UTC().Truncate(time.Millisecond)
	m := notify.NewMessage(notify.SMS, "13800000009", "Warning, reply: {link}", notify.KindWarning, "r9", now.Add(time.Hour), now)
	noErr(t, s.Enqueue(c, []notify.Message{m}, nil))
	log := newHookLog()
	a := startNode(t, s, srv, "node-a", log.hooks("node-a", true), fast)
	eventually(t, "the receipt", func() bool { log.mu.Lock(); defer log.mu.Unlock(); return len(log.receipts) > 0 })
	log.mu.Lock()
	order, r := slices.Clone(log.order), log.receipts[0]
	log.mu.Unlock()
	if want := []string{"sent " + m.ID, "receipt " + m.ID + " " + notify.Delivered}; !slices.Equal(order, want) {
		t.Errorf("hooks: got %v, want %v", order, want)
	}
	if r.ID != m.ID || r.Subject != "r9" || r.State != notify.Sent || r.GatewayID == "" {
		t.Errorf("receipt's message: got %+v", r)
	}

	got := received(srv)
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	code, found := strings.CutPrefix(got[0].Text, "Warning, reply: http://localhost:8080/a/")
	if !found || !notify.ValidCode(code) {
		t.Fatalf("text: got %q, want the link with a code", got[0].Text)
	}
	stored := ok(s.Code(c, notify.HashCode(code))).get(t)
	if stored.Kind != notify.KindWarning || stored.Subject != "r9" || !stored.Expires.Equal(m.LinkExpires) {
		t.Errorf("code: got %+v, want warning r9 until %v", stored, m.LinkExpires)
	}
	row := ok(s.ByGatewayID(c, notify.SMS, got[0].ID)).get(t)
	if row.Body != m.Body || strings.Contains(row.Body, code) {
		t.Errorf("stored body: got %q, want %q without the code", row.Body, m.Body)
	}

	srv.MO("13800000009", "12345", "收到")
	eventually(t, "the reply", func() bool { log.mu.Lock(); defer log.mu.Unlock(); return len(log.replies) > 0 })
	log.mu.Lock()
	replies := slices.Clone(log.replies)
	log.mu.Unlock()
	if !slices.Equal(replies, []string{"13800000009 收到"}) {
		t.Errorf("replies: got %v", replies)
	}

	// A receipt that comes after a restart, to a node that did not send
	// the message, is matched in the outbox.
	a.stop(t)
	later := newHookLog()
	b := startNode(t, s, srv, "node-b", later.hooks("node-b", true), fast)
	b.sender.Receipt(notify.SMS, got[0].ID, notify.Failed)
	eventually(t, "the late receipt", func() bool { later.mu.Lock(); defer later.mu.Unlock(); return len(later.receipts) > 0 })
	later.mu.Lock()
	defer later.mu.Unlock()
	if want := []string{"receipt " + m.ID + " " + notify.Failed}; !slices.Equal(later.order, want) {
		t.Errorf("late receipt: got %v, want %v", later.order, want)
	}
}

// BenchSender drains 10,000 outbox rows to the in-process SMSC and
// reports messages a second, from the start of the sender to the last
// one recorded.
func BenchSender(b *testing.B, open Open) {
	const n = 10000
	b.StopTimer()
	for range b.N {
		s := open(b)
		srv := newSMSC(b, 1)
		queue(b, s, n, time.Now(), "bench ")
		log := newHookLog()
		b.StartTimer()
		start := time.Now()
		nd := startNode(b, s, srv, "bench", log.hooks("bench", false), notify.ChannelConfig{Rate: 100000, Burst: 100, InFlight: 64})
		eventually(b, "every message sent", func() bool { sent, _ := log.counts(); return sent >= n })
		b.ReportMetric(n/time.Since(start).Seconds(), "msgs/s")
		b.StopTimer()
		nd.stop(b)
		if got := srv.Submits(); got != n {
			b.Fatalf("submits: got %d, want %d", got, n)
		}
	}
}
