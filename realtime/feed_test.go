package realtime_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/realtime"
)

// memLog is an event log in memory: the feed only reads it.
type memLog struct {
	mu  sync.Mutex
	evs []dispatchd.Event
}

func (m *memLog) append(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for range n {
		m.evs = append(m.evs, dispatchd.Event{ID: int64(len(m.evs) + 1), Type: "team.created"})
	}
}

func (m *memLog) ListEvents(_ context.Context, since int64, limit int) ([]dispatchd.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []dispatchd.Event
	for _, ev := range m.evs {
		if ev.ID > since && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

func TestFeedDeliversInOrder(t *testing.T) {
	log := &memLog{}
	log.append(3)
	f := realtime.NewFeed(log, 3, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.Run(ctx) }()
	sub := f.Subscribe(2000)
	for i := range 10 {
		log.append(100 + i)
		f.Notify()
	}
	want := int64(4)
	deadline := time.After(10 * time.Second)
	for want <= 1048 {
		select {
		case ev := <-sub.C:
			if ev.ID != want {
				t.Fatalf("got event %d, want %d", ev.ID, want)
			}
			want++
		case <-deadline:
			t.Fatalf("timed out at event %d", want)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, open := <-sub.C; open {
		t.Fatal("the subscription is still open after the feed stopped")
	}
}

func TestFeedDropsSlowSubscriber(t *testing.T) {
	log := &memLog{}
	f := realtime.NewFeed(log, 0, 5*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.Run(ctx)
	slow := f.Subscribe(5)
	fast := f.Subscribe(1000)
	log.append(50)
	got := 0
	for got < 50 {
		select {
		case <-fast.C:
			got++
		case <-time.After(10 * time.Second):
			t.Fatalf("the fast subscriber got %d of 50", got)
		}
	}
	n := 0
	for range slow.C {
		n++
	}
	if !errors.Is(slow.Err(), realtime.ErrSlow) || n != 5 {
		t.Fatalf("got %d events and %v, want 5 then ErrSlow", n, slow.Err())
	}
	if f.Last() != 50 {
		t.Fatalf("got last %d, want 50", f.Last())
	}
	f.Unsubscribe(fast)
	if _, open := <-fast.C; open || fast.Err() != nil {
		t.Fatalf("got open %v err %v after unsubscribe, want closed with no error", open, fast.Err())
	}
}

// TestFeedSubscribeAfterStop: a subscription taken once Run has returned
// ends at once, so that a follower starting late (the hub, at a shutdown
// just after start) never waits for events that will not come.
func TestFeedSubscribeAfterStop(t *testing.T) {
	feed := realtime.NewFeed(&memLog{}, 0, 5*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = feed.Run(ctx)
	for _, sub := range []*realtime.Subscription{feed.Subscribe(1), func() *realtime.Subscription { s, _ := feed.SubscribeFrom(1); return s }()} {
		select {
		case _, open := <-sub.C:
			if open {
				t.Fatal("got an event from a stopped feed")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a subscription to a stopped feed is still open")
		}
	}
}
