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
	list := benchPersons(townships, per, false)
	importBenchPersons(b, s, list)
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

// benchPersons returns per persons in each of townships townships of
// 淳安县; with superiors, each answers to the first of its township, and
// those to the county's person, the first of the list.
func benchPersons(townships, per int, superiors bool) []warning.Person {
	now := time.Now().UTC()
	list := make([]warning.Person, 0, townships*per+1)
	list = append(list, warning.Person{ID: dispatchd.NewID(), Name: "县值班", Phone: "13800000000", Region: "330127",
		Duty: warning.DutyCounty, CreatedAt: now, UpdatedAt: now})
	for i := range townships {
		head := ""
		for j := range per {
			p := warning.Person{ID: dispatchd.NewID(), Name: fmt.Sprintf("责任人%d-%d", i, j),
				Phone: fmt.Sprintf("139%04d%04d", i, j), Region: fmt.Sprintf("330127%03d", i+1),
				Duty: warning.DutyVillage, CreatedAt: now, UpdatedAt: now}
			if superiors {
				p.Superior = head
				if j == 0 {
					p.Superior, head = list[0].ID, p.ID
				}
			}
			list = append(list, p)
		}
	}
	if !superiors {
		list = list[1:]
	}
	return list
}

func importBenchPersons(b *testing.B, s Store, list []warning.Person) {
	b.Helper()
	ev := dispatchd.NewEvent("person.imported", dispatchd.System, "bench", map[string]int{"rows": len(list)})
	if err := s.ImportPersons(context.Background(), list, &ev); err != nil {
		b.Fatal(err)
	}
}

// BenchEscalate escalates a warning none of whose 5,000 recipients
// answered: each is sent it again and its superior a notice, in batches
// of warning.EscalateBatch.
func BenchEscalate(b *testing.B, open Open) {
	const townships, per = 50, 100
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		importBenchPersons(b, s, benchPersons(townships, per, true))
		clk := &testClock{t: time.Now().UTC()}
		svc := warning.NewService(s)
		svc.SetClock(clk.now)
		svc.SetChannels(notify.SMS)
		w := rainstorm("330127")
		w.Duties = []warning.Duty{warning.DutyVillage}
		if _, err := svc.Issue(ctx, countyCmd, w); err != nil {
			b.Fatal(err)
		}
		clk.add(time.Hour)
		b.StartTimer()
		n, err := svc.Escalate(ctx)
		if err != nil || n != townships*per {
			b.Fatalf("escalated %d, %v; want %d", n, err, townships*per)
		}
	}
	b.ReportMetric(townships*per, "recipients/op")
}
