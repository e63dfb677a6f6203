package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/notify"
)

// queue enqueues n SMS messages created at now, whose bodies name their
// ids, and returns them.
func queue(t testing.TB, s Store, n int, now time.Time, body string) []notify.Message {
	t.Helper()
	msgs := make([]notify.Message, n)
	for i := range msgs {
		msgs[i] = notify.NewMessage(notify.SMS, fmt.Sprintf("1380000%04d", i%10000), "", notify.KindWarning, fmt.Sprintf("r%05d", i), time.Time{}, now)
		msgs[i].Body = body + msgs[i].ID
	}
	ev := dispatchd.NewEvent("outbox.queued", dispatchd.System, "test", map[string]int{"messages": n})
	for start := 0; start < n; start += 5000 {
		if err := s.Enqueue(context.Background(), msgs[start:min(start+5000, n)], &ev); err != nil {
			t.Fatalf("enqueue: %v", err)
		}
	}
	return msgs
}

func testOutbox(t *testing.T, s Store) {
	c := ctx(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := notify.NewMessage(notify.SMS, "13800000001", "one {link}", notify.KindWarning, "r1", now.Add(time.Hour), now.Add(-2*time.Second))
	b := notify.NewMessage(notify.SMS, "13800000002", "two", notify.KindTask, "t1", time.Time{}, now.Add(-time.Second))
	later := notify.NewMessage(notify.SMS, "13800000003", "later", notify.KindTask, "t2", time.Time{}, now.Add(30*time.Second))
	hook := notify.NewMessage(notify.Webhook, "13800000004", "hook", notify.KindTask, "t3", time.Time{}, now.Add(-time.Second))
	ev := dispatchd.NewEvent("outbox.queued", actor, "r1", nil)
	noErr(t, s.Enqueue(c, []notify.Message{later, b, a, hook}, &ev))
	if ev.ID == 0 {
		t.Errorf("the event was not appended")
	}
	wantCode(t, s.Enqueue(c, []notify.Message{a}, nil), dispatchd.ECONFLICT)

	due := ok(s.Due(c, notify.SMS, now, 10)).get(t)
	if len(due) != 2 || due[0].ID != a.ID || due[1].ID != b.ID {
		t.Fatalf("due: got %v, want a and b, oldest first", msgIDs(due))
	}
	if got := due[0]; got.Body != a.Body || got.State != notify.Pending || !got.LinkExpires.Equal(a.LinkExpires) || got.Recipient != a.Recipient || got.Kind != a.Kind || got.Subject != a.Subject {
		t.Errorf("due: got %+v, want %+v", got, a)
	}
	if !due[1].LinkExpires.IsZero() {
		t.Errorf("no link: got link expiry %v, want zero", due[1].LinkExpires)
	}
	if got := ok(s.Due(c, notify.SMS, now, 1)).get(t); len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("limit 1: got %v, want a", msgIDs(got))
	}

	// A claim takes the due ones only, counts an attempt, keeps their
	// codes, and hides them from Due until retryAt.
	code, hash := notify.NewCode()
	codes := []notify.Code{{Hash: hash, Kind: a.Kind, Subject: a.Subject, Expires: a.LinkExpires, Created: now}}
	claimed := ok(s.Claim(c, []string{a.ID, b.ID, later.ID}, now, now.Add(time.Minute), codes)).get(t)
	if len(claimed) != 2 || !slices.Contains(claimed, a.ID) || !slices.Contains(claimed, b.ID) {
		t.Fatalf("claim: got %v, want a and b", claimed)
	}
	if got := ok(s.Claim(c, []string{a.ID, b.ID}, now, now.Add(time.Minute), nil)).get(t); len(got) != 0 {
		t.Errorf("claimed twice: got %v, want none", got)
	}
	if got := ok(s.Due(c, notify.SMS, now.Add(59*time.Second), 10)).get(t); len(got) != 1 || got[0].ID != later.ID {
		t.Errorf("due after the claim: got %v, want later only", msgIDs(got))
	}
	stored := ok(s.Code(c, notify.HashCode(code))).get(t)
	if !bytes.Equal(stored.Hash, hash) || stored.Kind != a.Kind || stored.Subject != a.Subject || !stored.Expires.Equal(a.LinkExpires) {
		t.Errorf("code: got %+v", stored)
	}
	_, err := s.Code(c, notify.HashCode("AAAAAAAAAAAAAAAAAAAAAA"))
	wantCode(t, err, dispatchd.ENOTFOUND)

	// Acked: a sent, b pending again later, the webhook one failed.
	hc := ok(s.Claim(c, []string{hook.ID}, now, now.Add(time.Minute), nil)).get(t)
	if len(hc) != 1 {
		t.Fatalf("claim webhook: got %v", hc)
	}
	noErr(t, s.Acked(c, []notify.Result{
		{ID: a.ID, State: notify.Sent, GatewayID: "gw1", At: now},
		{ID: b.ID, State: notify.Pending, Error: "throttled", NextAt: now.Add(10 * time.Second), At: now},
		{ID: hook.ID, State: notify.Failed, Error: "refused", At: now},
	}))
	got := ok(s.ByGatewayID(c, notify.SMS, "gw1")).get(t)
	if got.ID != a.ID || got.State != notify.Sent || got.Attempts != 1 || got.SentAt == nil || !got.SentAt.Equal(now) || got.Body != "one {link}" {
		t.Errorf("sent: got %+v", got)
	}
	_, err = s.ByGatewayID(c, notify.Webhook, "gw1")
	wantCode(t, err, dispatchd.ENOTFOUND)
	due = ok(s.Due(c, notify.SMS, now.Add(10*time.Second), 10)).get(t)
	if len(due) != 1 || due[0].ID != b.ID || due[0].Attempts != 1 || due[0].LastError != "throttled" {
		t.Errorf("pending again: got %+v, want b once tried", due)
	}
	if got := ok(s.Due(c, notify.Webhook, now.Add(time.Hour), 10)).get(t); len(got) != 0 {
		t.Errorf("failed is not due: got %v", msgIDs(got))
	}
	// An ack of a message no longer pending changes nothing.
	noErr(t, s.Acked(c, []notify.Result{{ID: a.ID, State: notify.Failed, Error: "late", At: now}}))
	if got := ok(s.ByGatewayID(c, notify.SMS, "gw1")).get(t); got.State != notify.Sent {
		t.Errorf("late ack: got state %s, want sent", got.State)
	}
	wantCode(t, s.Acked(c, []notify.Result{{ID: b.ID, State: "lost"}}), dispatchd.EINVALID)
}

func msgIDs(msgs []notify.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func testLease(t *testing.T, s Store) {
	c := ctx(t)
	now := time.Now().UTC()
	take := func(holder string, at time.Time) bool {
		t.Helper()
		return ok(s.Lease(c, "l", holder, at, at.Add(10*time.Second))).get(t)
	}
	if !take("a", now) {
		t.Fatal("a free lease was refused")
	}
	if take("b", now.Add(5*time.Second)) {
		t.Error("b took a's lease before it expired")
	}
	if !take("a", now.Add(5*time.Second)) {
		t.Error("a could not renew its lease")
	}
	if take("b", now.Add(14*time.Second)) {
		t.Error("b took a's renewed lease before it expired")
	}
	if !take("b", now.Add(15*time.Second)) {
		t.Error("b could not take an expired lease")
	}
	if take("a", now.Add(16*time.Second)) {
		t.Error("a took the lease back from b")
	}
	noErr(t, s.Release(c, "l", "a")) // not a's: nothing happens
	if take("a", now.Add(17*time.Second)) {
		t.Error("a's release freed b's lease")
	}
	noErr(t, s.Release(c, "l", "b"))
	if !take("a", now.Add(18*time.Second)) {
		t.Error("a could not take a released lease")
	}
	if !ok(s.Lease(c, "other", "b", now, now.Add(time.Second))).get(t) {
		t.Error("leases of other names are apart")
	}

	// Many nodes race for an expired lease: exactly one gets it.
	at := now.Add(time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var winners []string
	for i := range 8 {
		wg.Go(func() {
			holder := fmt.Sprintf("n%d", i)
			got, err := s.Lease(c, "l", holder, at, at.Add(time.Minute))
			if err != nil {
				t.Errorf("lease %s: %v", holder, err)
				return
			}
			if got {
				mu.Lock()
				winners = append(winners, holder)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Errorf("racing for an expired lease: got winners %v, want one", winners)
	}
}
