package storetest

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"dispatchd/notify"
)

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
