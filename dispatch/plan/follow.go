package plan

import (
	"context"

	"dispatchd"
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
	realtime.Follow(ctx, feed, sub, FeedBuffer, func(ev dispatchd.Event) {
		if depots := p.Apply(ev); len(depots) > 0 {
			if err := p.ReloadStock(ctx, src, depots); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}, func(ctx context.Context) error {
		_, err := p.Load(ctx, src)
		return err
	}, report)
}
