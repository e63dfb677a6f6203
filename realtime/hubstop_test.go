package realtime_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/realtime"
)

// TestHubStopWaitsForPositions stops the hub while a session's positions
// are being handed on: Run returns only once they are taken (the server
// stops the history after the hub, and must find them there), and the
// hub takes none after it.
func TestHubStopWaitsForPositions(t *testing.T) {
	log := &memLog{}
	feed := realtime.NewFeed(log, 0, 5*time.Millisecond)
	entered, release := make(chan struct{}), make(chan struct{})
	var taken atomic.Int64
	hub := realtime.NewHub(realtime.HubConfig{}, memState{log}, func(_ dispatchd.Actor, ps []realtime.Position) realtime.Result {
		if taken.Add(int64(len(ps))) == 1 {
			close(entered)
			<-release
		}
		return realtime.Result{Accepted: len(ps)}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = feed.Run(ctx) }()
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		hub.Run(ctx, feed)
	}()
	tracker := dispatchd.Actor{UserID: "k1", Role: dispatchd.RoleTracker, Team: "t1"}
	msg := []byte(`{"op":"positions","positions":[{"team":"t1","lon":120,"lat":30,"ts":"2026-07-01T08:00:00Z"}]}`)
	first, err := hub.Open(tracker, realtime.Grant{})
	if err != nil {
		t.Fatal(err)
	}
	go first.Handle(msg)
	<-entered
	cancel()
	select {
	case <-ran:
		t.Fatal("Run returned while a session's positions were being taken")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return once the positions were taken")
	}
	if late, err := hub.Open(tracker, realtime.Grant{}); err == nil {
		late.Handle(msg)
	}
	if got := taken.Load(); got != 1 {
		t.Fatalf("got %d positions taken, want 1: none after the hub stopped", got)
	}
}
