package zones_test

import (
	"context"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/realtime"
	"dispatchd/store/sqlite"
	"dispatchd/zones"
)

// TestFollow: a node that did not import learns of the zones from the
// event feed and rebuilds its index; both nodes agree.
func TestFollow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	feed := realtime.NewFeed(st, 0, 20*time.Millisecond)
	sub := feed.Subscribe(zones.FeedBuffer)
	a, b := zones.NewService(st, []string{"flood"}), zones.NewService(st, []string{"flood"})
	done := make(chan struct{}, 2)
	go func() { _ = feed.Run(ctx); done <- struct{}{} }()
	go func() { b.Follow(ctx, feed, sub, func(err error) { t.Error(err) }); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()

	now := time.Now().UTC()
	fc := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"level":"red","hazard":"flood",` +
		`"valid_from":"` + now.Add(-time.Hour).Format(time.RFC3339) + `","valid_to":"` + now.Add(time.Hour).Format(time.RFC3339) + `"},` +
		`"geometry":{"type":"Polygon","coordinates":[[[120,30],[120.1,30],[120.1,30.1],[120,30.1],[120,30]]]}}]}`
	if _, err := a.Import(ctx, dispatchd.Actor{Username: "c", Role: dispatchd.RoleCommander}, []byte(fc), geo.WGS84); err != nil {
		t.Fatal(err)
	}
	if a.Index().Len() != 1 {
		t.Fatalf("the importing node's index holds %d zones", a.Index().Len())
	}
	for deadline := time.Now().Add(10 * time.Second); b.Index().Len() != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the other node never rebuilt its index")
		}
	}
	if l, z := b.Index().In([2]float64{120.05, 30.05}, now, ""); l != zones.Red || z == nil {
		t.Errorf("the other node finds %q", l)
	}
	// Only admins and commanders import.
	if _, err := a.Import(ctx, dispatchd.Actor{Username: "v", Role: dispatchd.RoleViewer}, []byte(fc), geo.WGS84); dispatchd.ErrorCode(err) != dispatchd.EFORBIDDEN {
		t.Errorf("a viewer's import: %v", err)
	}
}
