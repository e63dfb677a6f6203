package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/warning"
)

// BenchIssue issues a warning to 10,000 responsible persons (100 per
// township of a county): resolving them, storing the warning and its
// recipients and queueing one SMS each, in one transaction, as POST
// /api/v1/warnings does. Issue #17 asks for under 1 s on both stores.
func BenchIssue(b *testing.B, open Open) {
	const townships, per = 100, 100
	ctx := context.Background()
	s := open(b)
	now := time.Now().UTC()
	list := make([]warning.Person, 0, townships*per)
	for i := range townships {
		for j := range per {
			list = append(list, warning.Person{ID: dispatchd.NewID(), Name: fmt.Sprintf("责任人%d-%d", i, j),
				Phone: fmt.Sprintf("139%04d%04d", i, j), Region: fmt.Sprintf("330127%03d", i+1),
				Duty: warning.DutyVillage, CreatedAt: now, UpdatedAt: now})
		}
	}
	ev := dispatchd.NewEvent("person.imported", dispatchd.System, "bench", map[string]int{"rows": len(list)})
	if err := s.ImportPersons(ctx, list, &ev); err != nil {
		b.Fatal(err)
	}
	svc := warning.NewService(s)
	svc.SetChannels(notify.SMS)
	for b.Loop() {
		w, err := svc.Issue(ctx, countyCmd, rainstorm("330127"))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rs, err := s.ListRecipients(ctx, warning.RecipientFilter{Warning: w.ID, Limit: 2 * townships * per})
		if err != nil || len(rs) != townships*per {
			b.Fatalf("got %d recipients, %v; want %d", len(rs), err, townships*per)
		}
		b.StartTimer()
	}
	b.ReportMetric(townships*per, "recipients/op")
}
