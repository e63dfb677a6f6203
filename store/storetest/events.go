package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"dispatchd/resources"
)

func testEventsEveryChange(t *testing.T, s Store) {
	c := ctx(t)
	svc := resources.NewService(s)
	ok(svc.CreateItem(c, actor, newItem("1010101", "帐篷"))).get(t)
	team := ok(svc.CreateTeam(c, actor, newTeam("", "一队", resources.Social, "330106", 120.1, 30.2))).get(t)
	hc := 3
	ok(svc.UpdateTeam(c, actor, team.ID, resources.TeamPatch{Headcount: &hc})).get(t)
	ok(svc.CreateDepot(c, actor, newDepot("d1", "库", resources.County, "330106", 120.1, 30.2))).get(t)
	ok(svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "r", Lines: []resources.Adjustment{{Item: "1010101", Delta: 1}}})).get(t)
	noErr(t, svc.DeleteTeam(c, actor, team.ID))
	evs := events(t, s)
	var types []string
	for i, ev := range evs {
		if ev.ID != int64(i+1) {
			t.Fatalf("got id %d at position %d, want %d", ev.ID, i, i+1)
		}
		if ev.Actor != "tester" || ev.TS.IsZero() || len(ev.Data) == 0 {
			t.Fatalf("got %+v", ev)
		}
		types = append(types, ev.Type)
	}
	want := "[item.created team.created team.updated depot.created stock.adjusted team.deleted]"
	if fmt.Sprint(types) != want {
		t.Fatalf("got %v, want %v", types, want)
	}
	if evs[1].Subject != team.ID {
		t.Fatalf("got subject %q, want %q", evs[1].Subject, team.ID)
	}
	if last := ok(s.LastEventID(c)).get(t); last != int64(len(evs)) {
		t.Fatalf("got last id %d, want %d", last, len(evs))
	}
	if page := ok(s.ListEvents(c, 2, 2)).get(t); len(page) != 2 || page[0].ID != 3 {
		t.Fatalf("got %+v, want events 3 and 4", page)
	}
}

// testEventsConcurrentWriters has many writers append events while a reader
// tails the log with since=<last seen id>, as a reconnecting client does. If
// ids were not handed out in commit order, the reader would move past an id
// that commits later and never see it.
func testEventsConcurrent(t *testing.T, s Store) {
	c := ctx(t)
	svc := resources.NewService(s)
	const writers, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, err := svc.CreateTeam(c, actor, newTeam(fmt.Sprintf("w%d-%d", w, i), fmt.Sprintf("队%d-%d", w, i),
					resources.Social, "330106", 120.1, 30.2))
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	done := make(chan struct{})
	seen := map[int64]bool{}
	var since int64
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-done:
				return
			default:
			}
			page, err := s.ListEvents(c, since, 7)
			if err != nil {
				errs <- err
				return
			}
			for _, ev := range page {
				seen[ev.ID] = true
				since = ev.ID
			}
			if len(page) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	wg.Wait()
	close(done)
	<-readerDone
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent write: %v", err)
	}
	// Drain what the reader had not reached yet.
	for {
		page := ok(s.ListEvents(c, since, 100)).get(t)
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			seen[ev.ID] = true
			since = ev.ID
		}
	}
	total := writers * each
	if len(seen) != total {
		t.Fatalf("the tailing reader saw %d of %d events: it skipped some", len(seen), total)
	}
	for id := int64(1); id <= int64(total); id++ {
		if !seen[id] {
			t.Fatalf("event %d was skipped", id)
		}
	}
}
