// Package realtime carries changes to the people watching: the event feed,
// the parsing and filtering of positions from trackers (the OsmAnd protocol
// among them), the hub that streams events and positions to websocket
// sessions, and the bus that carries positions between nodes.
package realtime

import (
	"context"
	"errors"
	"sync"
	"time"

	"dispatchd"
)

// EventSource reads the event log in id order.
type EventSource interface {
	ListEvents(ctx context.Context, since int64, limit int) ([]dispatchd.Event, error)
}

// ErrSlow is why a subscriber that fell behind was dropped: it must resume
// from the last event it saw.
var ErrSlow = errors.New("subscriber too slow: resume from the last event id")

// Feed tails the event log and fans every new event out to subscribers, in
// id order. It wakes when told (Notify, called after a commit on this node)
// and polls in between, which catches writes from other processes and nodes.
type Feed struct {
	src  EventSource
	poll time.Duration
	wake chan struct{}

	mu   sync.Mutex
	last int64
	subs map[*Subscription]struct{}
	// stopped says Run has returned: a subscription taken after that ends
	// at once, rather than wait for events that will never come.
	stopped bool
}

// Subscription receives events on C until it is closed; Err says why.
type Subscription struct {
	C    <-chan dispatchd.Event
	c    chan dispatchd.Event
	once sync.Once
	err  error
}

// Err returns why the subscription ended, or nil while it runs.
func (s *Subscription) Err() error { return s.err }

func (s *Subscription) close(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.c)
	})
}

// NewFeed returns a feed that starts after event id last.
func NewFeed(src EventSource, last int64, poll time.Duration) *Feed {
	if poll <= 0 {
		poll = time.Second
	}
	return &Feed{src: src, poll: poll, last: last, wake: make(chan struct{}, 1), subs: map[*Subscription]struct{}{}}
}

// Notify wakes the feed to read new events now. It never blocks.
func (f *Feed) Notify() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Last returns the id of the newest event delivered.
func (f *Feed) Last() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// Subscribe returns a subscription with a buffer of n events. A subscriber
// whose buffer is full when an event arrives is dropped with ErrSlow, so that
// it can never hold up the others.
func (f *Feed) Subscribe(n int) *Subscription {
	s, _ := f.SubscribeFrom(n)
	return s
}

// SubscribeFrom is Subscribe that also returns the id of the last event
// delivered before the subscription began: every later event reaches it.
func (f *Feed) SubscribeFrom(n int) (*Subscription, int64) {
	c := make(chan dispatchd.Event, n)
	s := &Subscription{C: c, c: c}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		s.close(nil)
		return s, f.last
	}
	f.subs[s] = struct{}{}
	return s, f.last
}

// Unsubscribe ends a subscription.
func (f *Feed) Unsubscribe(s *Subscription) {
	f.mu.Lock()
	delete(f.subs, s)
	f.mu.Unlock()
	s.close(nil)
}

// Run reads and delivers events until ctx ends; then it closes every
// subscription.
func (f *Feed) Run(ctx context.Context) error {
	t := time.NewTicker(f.poll)
	defer t.Stop()
	defer f.closeAll(ctx.Err())
	for {
		// During a store outage deliver fails; the feed keeps polling and
		// subscribers simply wait, missing nothing.
		_ = f.deliver(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.wake:
		case <-t.C:
		}
	}
}

func (f *Feed) deliver(ctx context.Context) error {
	for {
		evs, err := f.src.ListEvents(ctx, f.Last(), 500)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		f.mu.Lock()
		for _, ev := range evs {
			for s := range f.subs {
				select {
				case s.c <- ev:
				default:
					delete(f.subs, s)
					s.close(ErrSlow)
				}
			}
			f.last = ev.ID
		}
		f.mu.Unlock()
	}
}

func (f *Feed) closeAll(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	for s := range f.subs {
		delete(f.subs, s)
		s.close(err)
	}
}
