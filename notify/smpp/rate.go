package smpp

import (
	"context"
	"sync"
	"time"
)

// bucket is a token bucket: rate tokens a second, at most burst saved up.
// take reserves a token and says how long to wait before using it, so that
// the limit holds whatever the caller's timing.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newBucket(rate int, now func() time.Time) *bucket {
	burst := float64(max(1, rate/50)) // 20 ms of sends
	return &bucket{rate: float64(rate), burst: burst, tokens: burst, last: now(), now: now}
}

// take reserves one token and returns how long from now it is due.
func (b *bucket) take() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// wait blocks until a token is due or ctx is done.
func (b *bucket) wait(ctx context.Context) error {
	d := b.take()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
