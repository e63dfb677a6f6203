package coverage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/resources"
)

// TestConcurrentSyncAndSuggest runs syncs, reports, move-ups and plans
// (which ask each pick's cost under the view's lock) while teams leave,
// come back and move: under -race, and without deadlock.
func TestConcurrentSyncAndSuggest(t *testing.T) {
	proj, cov, d := demoProvince(t)
	ctx := context.Background()
	caps := cov.Capabilities()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	loop := func(fn func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				fn(i)
			}
		}()
	}
	loop(func(i int) {
		tm := d.Teams[i%len(d.Teams)]
		st := resources.TeamAssigned
		if i%2 == 1 {
			st = resources.TeamAvailable
		}
		setStatus(t, proj, int64(i+2), tm.ID, st)
		proj.SetPosition(tm.ID, geo.Point{Lon: tm.Base.Lon + 0.01, Lat: tm.Base.Lat}, time.Now())
	})
	loop(func(int) {
		if err := cov.Sync(ctx, time.Now()); err != nil {
			t.Error(err)
		}
	})
	loop(func(i int) {
		c := caps[i%len(caps)]
		if _, err := cov.Report(ctx, dispatchd.Actor{}, "330100", c); err != nil {
			t.Error(err)
		}
		if _, err := cov.MoveUp(ctx, dispatchd.Actor{}, "330127", c); err != nil {
			t.Error(err)
		}
	})
	loop(func(i int) {
		req := plan.Request{Location: geo.Point{Lon: 119.0, Lat: 29.6}, Deadline: time.Now().Add(time.Hour),
			Needs: plan.Needs{Teams: []plan.TeamNeed{{Capability: caps[i%len(caps)], Count: 2}}}}
		proj.Suggest(req, plan.Open{}, plan.Config{}, time.Now())
	})
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
}
