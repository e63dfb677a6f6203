package realtime

import (
	"context"
	"time"

	"dispatchd"
)

// Follow hands the feed's events to apply until ctx ends, starting with
// sub, which must have been taken before the feed ran past the state the
// follower was loaded at. A subscription the feed drops for falling
// behind is replaced by one of n events and the follower reloaded with
// reload, so that it never misses a change; errors go to report, and a
// failed reload is retried every second.
func Follow(ctx context.Context, feed *Feed, sub *Subscription, n int, apply func(dispatchd.Event), reload func(context.Context) error, report func(error)) {
	for {
		for ev := range sub.C {
			apply(ev)
		}
		if ctx.Err() != nil {
			return
		}
		report(sub.Err())
		sub = feed.Subscribe(n)
		for {
			err := reload(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			report(err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}
