package replay

import (
	"context"
	"slices"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
	"dispatchd/store/sqlite"
)

// TestWindowPages pages through a window's events on a real store: every
// event the actor may see once, in id order, whatever the page size; an
// actor of one county sees its county's and the catalog's; a window that
// starts after the events holds none, and since moves past them.
func TestWindowPages(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	reg := resources.NewService(st)
	start := time.Now().UTC().Add(-time.Second)
	for i, region := range []string{"330106", "330212", "330106", "330127", "330212", "330106", "330212"} {
		if _, err := reg.CreateTeam(ctx, dispatchd.System, resources.Team{ID: "t" + string(rune('a'+i)), Name: "队伍", Kind: resources.Social,
			Capabilities: []string{"water_rescue"}, Base: geo.Point{Lon: 120.1, Lat: 30.2}, Region: region}); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.CreateItem(ctx, dispatchd.System, resources.Item{Code: "10101" + string(rune('0'+i)) + "0", Name: "帐篷",
			Kind: resources.Material, Unit: "顶"}); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Now().UTC().Add(time.Second)
	all, err := st.ListEvents(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(evs []dispatchd.Event) []int64 {
		out := []int64{}
		for _, ev := range evs {
			out = append(out, ev.ID)
		}
		return out
	}
	xihu := dispatchd.Actor{Username: "xihu", Role: dispatchd.RoleViewer, Jurisdiction: "330106"}
	tests := []struct {
		name    string
		actor   dispatchd.Actor
		max     int
		scanned int
	}{
		{"everything at once", dispatchd.System, MaxEvents, maxScanned},
		{"pages of three", dispatchd.System, 3, maxScanned},
		{"a county, pages of two", xihu, 2, maxScanned},
		{"a county, three read a page", xihu, MaxEvents, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := NewService(st, st, reg)
			svc.maxEvents, svc.maxScanned = tt.max, tt.scanned
			var got []dispatchd.Event
			q := Query{From: start, To: end}
			for pages := 0; ; pages++ {
				w, err := svc.Window(ctx, tt.actor, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(w.Events) > tt.max || pages > len(all) {
					t.Fatalf("got %d events in a page of %d, page %d", len(w.Events), tt.max, pages)
				}
				got = append(got, w.Events...)
				if !w.More {
					break
				}
				q.Since = w.NextSince
			}
			want := slices.DeleteFunc(slices.Clone(all), func(ev dispatchd.Event) bool { return !ev.Visible(tt.actor.Scope()) })
			if !slices.Equal(ids(got), ids(want)) {
				t.Fatalf("got events %v, want %v", ids(got), ids(want))
			}
			if tt.actor.Jurisdiction != "" && (len(want) == len(all) || len(want) == 0) {
				t.Fatalf("the county sees %d of %d events: the test shows no scope", len(want), len(all))
			}
		})
	}
	// From the time of an event in the middle: that event first.
	for _, k := range []int{1, len(all) / 2, len(all) - 1} {
		w, err := NewService(st, st, reg).Window(ctx, dispatchd.System, Query{From: all[k].TS, To: end})
		if err != nil {
			t.Fatal(err)
		}
		first := all[slices.IndexFunc(all, func(ev dispatchd.Event) bool { return !ev.TS.Before(all[k].TS) })]
		if len(w.Events) == 0 || w.Events[0].ID != first.ID {
			t.Fatalf("from the time of event %d: got events %v", all[k].ID, ids(w.Events))
		}
	}
	// After the events: none, and since past them all.
	w, err := NewService(st, st, reg).Window(ctx, dispatchd.System, Query{From: end, To: end.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Events) != 0 || w.More || w.NextSince != all[len(all)-1].ID {
		t.Fatalf("got %d events, more %v, next_since %d after the last event %d", len(w.Events), w.More, w.NextSince, all[len(all)-1].ID)
	}
	// Before them: none, and since before them all.
	w, err = NewService(st, st, reg).Window(ctx, dispatchd.System, Query{From: start.Add(-time.Hour), To: start})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Events) != 0 || w.More || w.NextSince != 0 {
		t.Fatalf("got %d events, more %v, next_since %d before the first event", len(w.Events), w.More, w.NextSince)
	}
}
