package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/warning"
)

// testWarningEscalation lets deadlines pass: the unanswered are sent
// again and their superiors told, up the chain, each once.
func testWarningEscalation(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	w := ok(e.svc.Issue(c, countyCmd, rainstorm("330127101"))).get(t)
	rs := e.recipients(t, w.ID)
	byKey := map[string]warning.Recipient{}
	for _, r := range rs {
		byKey[e.who([]warning.Recipient{r})[0]] = r
	}
	ok(e.svc.AnswerByConsole(c, countyCmd, "", byKey["point"].ID)).get(t)

	if n := ok(e.svc.Escalate(c)).get(t); n != 0 {
		t.Fatalf("escalated %d before the deadline, want none", n)
	}
	e.clk.add(10 * time.Minute)
	if n := ok(e.svc.Escalate(c)).get(t); n != 2 {
		t.Fatalf("escalated %d, want the town's and the village's", n)
	}
	if n := ok(e.svc.Escalate(c)).get(t); n != 0 {
		t.Fatalf("escalated %d again, want none", n)
	}
	all := e.recipients(t, w.ID)
	var notices []warning.Recipient
	for _, r := range all {
		switch {
		case r.Kind == warning.KindNotice:
			notices = append(notices, r)
		case r.ID == byKey["point"].ID:
			if r.State != warning.Answered || r.EscalatedAt != nil {
				t.Fatalf("got the answered %+v, want it left alone", r)
			}
		default:
			if r.State != warning.Escalated || r.Resent != 1 || r.EscalatedAt == nil {
				t.Fatalf("got %+v, want escalated and resent once", r)
			}
		}
	}
	// The village's person answers to the town's, the town's to the
	// county's: each superior is told about the one below.
	want := map[string]string{byKey["village"].ID: "town", byKey["town"].ID: "county"}
	if len(notices) != 2 {
		t.Fatalf("got %d notices, want 2", len(notices))
	}
	for _, n := range notices {
		if e.who([]warning.Recipient{n})[0] != want[n.About] || n.State != warning.Queued ||
			!n.Deadline.Equal(warnStart.Add(20*time.Minute)) {
			t.Fatalf("got notice %+v, want the superior of %s with a fresh deadline", n, n.About)
		}
	}
	listed, _, err := e.svc.WarningRecipients(c, countyCmd, warning.RecipientFilter{Warning: w.ID, Kind: warning.KindNotice})
	noErr(t, err)
	if len(listed) != 2 {
		t.Fatalf("got %d notices listed, want 2", len(listed))
	}
	evs := eventsOf(t, s, "warning.escalated")
	if len(evs) != 2 || !slices.Equal(evs[0].Regions, []string{"330127101"}) {
		t.Fatalf("got escalated events %+v, want 2 scoped to the township", evs)
	}

	// The town's person answers late: recorded. The county's notice goes
	// unanswered and climbs to the city.
	late := ok(e.svc.AnswerByConsole(c, countyCmd, "", byKey["town"].ID)).get(t)
	if late.State != warning.Answered || late.EscalatedAt == nil {
		t.Fatalf("got %+v, want a late answer recorded", late)
	}
	var townNotice warning.Recipient
	for _, n := range notices {
		if n.About == byKey["village"].ID {
			townNotice = n
		}
	}
	ok(e.svc.AnswerByConsole(c, countyCmd, "", townNotice.ID)).get(t)
	e.clk.add(10 * time.Minute)
	if n := ok(e.svc.Escalate(c)).get(t); n != 1 {
		t.Fatalf("escalated %d, want the county's notice", n)
	}
	var cityNotice *warning.Recipient
	for _, r := range e.recipients(t, w.ID) {
		if r.Kind == warning.KindNotice && r.Person == e.p["city"].ID {
			cityNotice = &r
		}
	}
	if cityNotice == nil || cityNotice.Region != "330100" {
		t.Fatalf("got no notice to the city, want one about the county's notice")
	}
	// Each escalation sent the warning again by both channels, and the
	// notice by both: the town's person is told the village's did not
	// answer, by name and township.
	e.spy.mu.Lock()
	changes := slices.Clone(e.spy.changes)
	e.spy.mu.Unlock()
	if len(changes) != 3 {
		t.Fatalf("got %d escalations, want 3", len(changes))
	}
	for _, ch := range changes {
		if len(ch.Messages) != 4 || len(ch.Notices) != 1 {
			t.Fatalf("got %d messages and %d notices, want 4 and 1", len(ch.Messages), len(ch.Notices))
		}
		if ch.Recipient.Kind == warning.KindWarning && !strings.Contains(ch.Messages[0].Body, "暴雨橙色预警") {
			t.Fatalf("got resent %q, want the warning", ch.Messages[0].Body)
		}
		notice := ch.Messages[2]
		if notice.Subject != ch.Notices[0].ID || notice.Kind != notify.KindNotice || !strings.Contains(notice.Body, notify.Link) ||
			!strings.Contains(notice.Body, ch.Recipient.Name+"（") || !strings.Contains(notice.Body, "未应答") {
			t.Fatalf("got notice message %+v, want the notice about %s with a link", notice, ch.Recipient.Name)
		}
		if ch.Recipient.Person == e.p["village"].ID && !strings.Contains(notice.Body, "村主任（千岛湖镇）未应答") {
			t.Fatalf("got %q, want the village's person and township named", notice.Body)
		}
	}
}

// testWarningProgress moves recipients by what the sender reports.
func testWarningProgress(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	w := ok(e.svc.Issue(c, countyCmd, rainstorm("330127101"))).get(t)
	msgs := e.spy.lastIssue().Messages
	byPerson := map[string]string{}
	for _, r := range e.recipients(t, w.ID) {
		byPerson[e.who([]warning.Recipient{r})[0]] = r.ID
	}
	of := func(keys ...string) []notify.Message {
		var out []notify.Message
		for _, m := range msgs {
			for _, k := range keys {
				if m.Subject == byPerson[k] && m.Channel == notify.SMS {
					out = append(out, m)
				}
			}
		}
		return out
	}
	ok(e.svc.AnswerByConsole(c, countyCmd, "", byPerson["point"])).get(t)
	task := notify.NewMessage(notify.SMS, "1390", "x", notify.KindTask, byPerson["town"], time.Time{}, warnStart)
	noErr(t, e.svc.Progress(c, append(of("town", "village", "point"), task), notify.Sent))
	noErr(t, e.svc.Progress(c, of("town"), "delivered"))
	noErr(t, e.svc.Progress(c, of("village", "point"), notify.Failed))
	noErr(t, e.svc.Progress(c, of("town"), notify.Sent)) // late: never back
	wantCode(t, e.svc.Progress(c, of("town"), "read"), dispatchd.EINVALID)
	want := map[string]string{"town": warning.Delivered, "village": warning.Failed, "point": warning.Answered}
	for k, state := range want {
		r := ok(s.GetRecipient(c, byPerson[k])).get(t)
		if r.State != state {
			t.Fatalf("%s: got %s, want %s", k, r.State, state)
		}
		if k == "town" && (r.SentAt == nil || r.DeliveredAt == nil) {
			t.Fatalf("got %+v, want sent and delivered times", r)
		}
	}
	sent := eventsOf(t, s, "warning.sent")
	if len(sent) != 1 || sent[0].Subject != w.ID || !strings.Contains(string(sent[0].Data), byPerson["village"]) ||
		strings.Contains(string(sent[0].Data), byPerson["point"]) {
		t.Fatalf("got sent events %+v, want one listing the town's and village's", sent)
	}
}

// testWarningSummary counts a warning's recipients per region.
func testWarningSummary(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	w := ok(e.svc.Issue(c, cityCmd, rainstorm("330127", "330122"))).get(t)
	byKey := map[string]string{}
	for _, r := range e.recipients(t, w.ID) {
		byKey[e.who([]warning.Recipient{r})[0]] = r.ID
	}
	e.clk.add(30 * time.Second)
	ok(e.svc.AnswerByConsole(c, cityCmd, "", byKey["town"])).get(t)
	e.clk.add(60 * time.Second)
	ok(e.svc.AnswerByConsole(c, cityCmd, "", byKey["county2"])).get(t)
	e.clk.add(10 * time.Minute)
	ok(e.svc.Escalate(c)).get(t) // county, village, point; notices to city, county, town

	sum := ok(e.svc.Summary(c, cityCmd, w.ID)).get(t)
	if sum.Totals.Recipients != 5 || sum.Totals.Answered != 2 || sum.Totals.Escalated != 3 || sum.Escalated != 3 || sum.Notices != 3 {
		t.Fatalf("got totals %+v (escalated %d, notices %d), want 5, 2 answered, 3 escalated, 3 notices", sum.Totals, sum.Escalated, sum.Notices)
	}
	if got := fmt.Sprintf("%.1f %.1f", sum.Totals.AnswerRate, sum.Totals.MeanAnswerS); got != "0.4 60.0" {
		t.Fatalf("got rate and mean %s, want 0.4 60.0", got)
	}
	if !sum.Deadline.Equal(warnStart.Add(10 * time.Minute)) {
		t.Fatalf("got deadline %v", sum.Deadline)
	}
	if len(sum.Regions) != 2 {
		t.Fatalf("got %d regions, want 2", len(sum.Regions))
	}
	chunan, tonglu := sum.Regions[0], sum.Regions[1]
	if chunan.Region != "330127" || chunan.Name != "淳安县" || chunan.Recipients != 4 || chunan.Answered != 1 ||
		chunan.MeanAnswerS != 30 || len(chunan.Unanswered) != 3 {
		t.Fatalf("got 淳安县 %+v, want 4, 1 answered in 30 s, 3 unanswered named", chunan)
	}
	if tonglu.Region != "330122" || tonglu.Recipients != 1 || tonglu.AnswerRate != 1 || len(tonglu.Unanswered) != 0 {
		t.Fatalf("got 桐庐县 %+v, want 1 answered", tonglu)
	}

	// The county's commander sees his county only; the township's
	// viewer, the city's warning as far as his township.
	county := ok(e.svc.Summary(c, countyCmd, w.ID)).get(t)
	if len(county.Regions) != 1 || county.Regions[0].Region != "330127" || county.Totals.Recipients != 4 || county.Notices != 2 {
		t.Fatalf("got %+v, want 淳安县 only with the notices to its persons", county)
	}
	town := dispatchd.Actor{Username: "t", Role: dispatchd.RoleViewer, Jurisdiction: "330127101"}
	ts := ok(e.svc.Summary(c, town, w.ID)).get(t)
	if len(ts.Regions) != 1 || ts.Regions[0].Region != "330127101" || ts.Totals.Recipients != 3 {
		t.Fatalf("got %+v, want the township's 3", ts)
	}
	_, err := e.svc.Summary(c, otherCmd, w.ID)
	wantCode(t, err, dispatchd.ENOTFOUND)
}

// testWarningEscalator runs the escalator's loop until it has escalated
// the due recipients, then stops it.
func testWarningEscalator(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	w := ok(e.svc.Issue(c, countyCmd, rainstorm("330127101"))).get(t)
	e.clk.add(time.Hour)
	loop, stop := context.WithCancel(c)
	reports := make(chan int, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.RunEscalator(loop, time.Millisecond, func(n int, err error) {
			if err != nil {
				t.Errorf("escalator: %v", err)
			}
			reports <- n
		})
	}()
	if n := <-reports; n != 3 {
		t.Errorf("got %d escalated, want 3", n)
	}
	stop()
	<-done
	for _, r := range e.recipients(t, w.ID) {
		if r.Kind == warning.KindWarning && r.State != warning.Escalated {
			t.Fatalf("got %+v, want escalated", r)
		}
	}
}

// testWarningEscalationOnce runs two escalators at once, as two nodes
// would: each recipient is escalated once, each superior told once.
func testWarningEscalationOnce(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	w := ok(e.svc.Issue(c, countyCmd, rainstorm("330127101"))).get(t)
	e.clk.add(time.Hour)
	other := warning.NewService(s)
	other.SetClock(e.clk.now)
	other.SetChannels(notify.SMS)
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, svc := range []*warning.Service{e.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := svc.Escalate(c)
			if err != nil {
				t.Errorf("escalate: %v", err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != 3 {
		t.Fatalf("escalated %v, want 3 in all", counts)
	}
	notices := 0
	for _, r := range e.recipients(t, w.ID) {
		if r.Kind == warning.KindNotice {
			notices++
		} else if r.Resent != 1 {
			t.Fatalf("got %+v, want resent once", r)
		}
	}
	if notices != 3 {
		t.Fatalf("got %d notices, want 3", notices)
	}
	if got := eventsOf(t, s, "warning.escalated"); len(got) != 3 {
		t.Fatalf("got %d escalated events, want 3", len(got))
	}
}

// testWarningAnswerOnce answers one link from several taps at once: one
// answer, one event, the same answer returned to each.
func testWarningAnswerOnce(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	w := ok(e.svc.Issue(c, countyCmd, rainstorm("330127101"))).get(t)
	code := e.codes.add(notify.KindWarning, e.recipients(t, w.ID)[0].ID, warnStart.Add(time.Hour))
	const taps = 5
	got := make([]*warning.Answer, taps)
	var wg sync.WaitGroup
	for i := range taps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := e.svc.AnswerCode(c, code)
			if err != nil {
				t.Errorf("answer: %v", err)
				return
			}
			got[i] = a
		}()
	}
	wg.Wait()
	for _, a := range got {
		if a == nil || a.Recipient.AnsweredAt == nil || !a.Recipient.AnsweredAt.Equal(*got[0].Recipient.AnsweredAt) {
			t.Fatalf("got %+v, want the one answer", a)
		}
	}
	if n := len(eventsOf(t, s, "warning.answered")); n != 1 {
		t.Fatalf("got %d answered events, want 1", n)
	}
}
