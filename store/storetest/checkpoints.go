package storetest

import (
	"bytes"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/recorder"
	"dispatchd/resources"
)

// testCheckpoints: the first checkpoint from one read of the store, a
// delta after it, one node at a time, a second write of the same
// checkpoint kept as it was, the newest at or before a time, and the state
// at a moment rebuilt from them with the stock an import wrote.
func testCheckpoints(t *testing.T, s Store) {
	c := ctx(t)
	svc := stockSetup(t, s)
	rec := recorder.NewService(s)
	_, err := s.LastCheckpoint(c)
	wantCode(t, err, dispatchd.ENOTFOUND)
	_, err = s.CheckpointAt(c, time.Now())
	wantCode(t, err, dispatchd.ENOTFOUND)
	b := ok(resources.ParseImport(resources.ImportStock, resources.CSV, []byte("depot,item,on_hand\nd1,1010101,40\nd1,1020101,7\n"))).get(t)
	ok(svc.Import(c, actor, b, "count.csv")).get(t)
	imported := ok(s.LastEventID(c)).get(t)
	lines := ok(s.EventLedger(c, imported)).get(t)
	if len(lines) != 2 || lines[0].OnHand+lines[1].OnHand != 47 {
		t.Fatalf("got %+v, want the import's two ledger lines", lines)
	}

	cp1 := recorder.NewCheckpointer(rec, s, "node-1", time.Minute)
	first := ok(cp1.Take(c)).get(t)
	if first == nil || !first.IsBase() || first.EventID != imported {
		t.Fatalf("got %+v, want a base at event %d", first, imported)
	}
	if got := ok(cp1.Take(c)).get(t); got != nil {
		t.Fatalf("got checkpoint %d, want none without new events", got.EventID)
	}
	ok(svc.AdjustStock(c, actor, "d1", resources.AdjustRequest{Reason: "领用", Lines: []resources.Adjustment{{Item: "1010101", Delta: -5}}})).get(t)
	if got := ok(recorder.NewCheckpointer(rec, s, "node-2", time.Minute).Take(c)).get(t); got != nil {
		t.Fatalf("got checkpoint %d from a second node, want none while the first holds the lease", got.EventID)
	}
	second := ok(cp1.Take(c)).get(t)
	if second == nil || second.IsBase() || second.Base != first.EventID {
		t.Fatalf("got %+v, want a delta on base %d", second, first.EventID)
	}
	noErr(t, s.PutCheckpoint(c, &recorder.Checkpoint{EventID: second.EventID, TS: second.TS, Base: second.Base, Data: []byte("other")}))
	got := ok(s.GetCheckpoint(c, second.EventID)).get(t)
	if !bytes.Equal(got.Data, second.Data) || !got.TS.Equal(second.TS) || got.TS.Location() != time.UTC || got.Base != second.Base {
		t.Fatalf("got %+v, want the checkpoint first written", got)
	}
	if got := ok(s.CheckpointAt(c, second.TS.Add(-time.Microsecond))).get(t); got.EventID != first.EventID {
		t.Fatalf("got checkpoint %d just before the second, want %d", got.EventID, first.EventID)
	}
	if got := ok(s.LastCheckpoint(c)).get(t); got.EventID != second.EventID {
		t.Fatalf("got last checkpoint %d, want %d", got.EventID, second.EventID)
	}

	for _, tt := range []struct {
		name string
		at   time.Time
		want int64 // on hand of 1010101 at d1
	}{
		{"at the base", first.TS, 40},
		{"after the delta", time.Now(), 35},
	} {
		st := ok(rec.At(c, actor, tt.at)).get(t)
		var have int64 = -1
		for _, l := range st.Stock {
			if l.Depot == "d1" && l.Item == "1010101" {
				have = l.OnHand
			}
		}
		if have != tt.want || len(st.Depots) != 1 || st.Depots[0].ID != "d1" {
			t.Fatalf("%s: got %d on hand, depots %v, want %d at d1", tt.name, have, st.Depots, tt.want)
		}
	}
	_, err = rec.At(c, actor, first.TS.Add(-time.Second))
	wantCode(t, err, dispatchd.ENOTFOUND)
	_, err = rec.At(c, actor, time.Now().Add(time.Hour))
	wantCode(t, err, dispatchd.EINVALID)

	// A stock import makes the next checkpoint a base again.
	b = ok(resources.ParseImport(resources.ImportStock, resources.CSV, []byte("depot,item,on_hand\nd1,1010101,90\n"))).get(t)
	ok(svc.Import(c, actor, b, "recount.csv")).get(t)
	third := ok(cp1.Take(c)).get(t)
	if third == nil || !third.IsBase() {
		t.Fatalf("got %+v, want a base after a stock import", third)
	}
}
