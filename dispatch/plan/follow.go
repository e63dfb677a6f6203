package plan

import (
	"context"
	"time"

	"dispatchd/realtime"
)

// FeedBuffer is how many events the projection may fall behind the feed by
// before the feed drops it and it reloads.
const FeedBuffer = 4096

// Follow keeps the projection current from the feed until ctx ends,
// starting with sub, which must have been taken before the feed ran past
// the event the projection was loaded at. A subscription the feed drops
// for falling behind is replaced and the projection reloaded from src, so
// that it never misses a change. Errors go to report and are retried.
func (p *Projection) Follow(ctx context.Context, feed *realtime.Feed, sub *realtime.Subscription, src Source, report func(error)) {
	for {
		for ev := range sub.C {
			if depots := p.Apply(ev); len(depots) > 0 {
				if err := p.ReloadStock(ctx, src, depots); err != nil && ctx.Err() == nil {
					report(err)
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		report(sub.Err())
		sub = feed.Subscribe(FeedBuffer)
		for {
			_, err := p.Load(ctx, src)
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
