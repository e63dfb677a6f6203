package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/warning"
	"dispatchd/warning/cap"
)

func reference(w *warning.Warning) string {
	return w.Sender + "," + w.Identifier + "," + cap.FormatTime(w.Sent)
}

// testWarningUpdateCancel replaces a warning by an update, then cancels
// the update.
func testWarningUpdateCancel(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	first := ok(e.svc.Issue(c, cityCmd, rainstorm("330127"))).get(t)
	e.clk.add(time.Minute)

	up := rainstorm("330127", "330122")
	up.MsgType, up.Level, up.References = "Update", "red", []string{reference(first)}
	second := ok(e.svc.Issue(c, cityCmd, up)).get(t)
	if second.Replaces != first.ID || second.State != warning.Active {
		t.Fatalf("got %+v, want an active warning replacing %s", second, first.ID)
	}
	if got := ok(e.svc.Warning(c, cityCmd, first.ID)).get(t); got.State != warning.Updated {
		t.Fatalf("got the first warning %s, want updated", got.State)
	}
	// The store refuses to replace a warning no longer active, whatever
	// the service checked.
	late := *second
	late.ID, late.Identifier = dispatchd.NewID(), "late"
	stale := *first
	stale.State = warning.Updated
	wantCode(t, s.IssueWarning(c, &warning.Issue{Warning: &late, Replaced: &stale}), dispatchd.ECONFLICT)
	rs := e.recipients(t, second.ID)
	if got := e.who(rs); !slices.Equal(got, []string{"county", "county2", "point", "town", "village"}) {
		t.Fatalf("got the update's recipients %v, want both counties' persons", got)
	}
	if !rs[0].Deadline.Equal(warnStart.Add(time.Minute + 5*time.Minute)) {
		t.Fatalf("got deadline %v, want a fresh red one", rs[0].Deadline)
	}

	tests := []struct {
		name  string
		actor dispatchd.Actor
		ref   string
		code  string
	}{
		{"the replaced one again", cityCmd, reference(first), dispatchd.ECONFLICT},
		{"unknown", cityCmd, "cmd-330100,nope,2026-07-01T00:30:00+00:00", dispatchd.ENOTFOUND},
		{"sent at another time", cityCmd, first.Sender + "," + first.Identifier + ",2026-07-01T09:30:00+08:00", dispatchd.ENOTFOUND},
		{"not visible", otherCmd, reference(second), dispatchd.ENOTFOUND},
		{"beyond the jurisdiction", countyCmd, reference(second), dispatchd.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := rainstorm("330127")
			if tt.actor.Jurisdiction == "330106" {
				w = rainstorm("330106")
			}
			w.MsgType, w.References = "Update", []string{tt.ref}
			_, err := e.svc.Issue(c, tt.actor, w)
			wantCode(t, err, tt.code)
			if tt.code == dispatchd.ENOTFOUND {
				wantFieldCode(t, err, tt.code, "references[0]")
			}
		})
	}

	// Someone answers the update; then it is cancelled: every person it
	// reached gets a notice that needs no answer.
	ok(e.svc.AnswerByConsole(c, cityCmd, "", rs[0].ID)).get(t)
	cancel := warning.Warning{MsgType: "Cancel", References: []string{reference(first), reference(second)}}
	third := ok(e.svc.Issue(c, cityCmd, cancel)).get(t)
	if third.State != warning.Cancelled || third.Replaces != second.ID || third.Level != "red" || !slices.Equal(third.Regions, second.Regions) {
		t.Fatalf("got %+v, want a cancel of the update with its level and regions", third)
	}
	if got := ok(e.svc.Warning(c, cityCmd, second.ID)).get(t); got.State != warning.Cancelled {
		t.Fatalf("got the update %s, want cancelled", got.State)
	}
	if got := e.who(e.recipients(t, third.ID)); !slices.Equal(got, e.who(rs)) {
		t.Fatalf("got the cancel's recipients %v, want the update's %v", got, e.who(rs))
	}
	for _, m := range e.spy.lastIssue().Messages {
		if strings.Contains(m.Body, notify.Link) || !strings.Contains(m.Body, "解除") || !m.LinkExpires.IsZero() {
			t.Fatalf("got cancel message %+v, want a notice without a link", m)
		}
	}
	// Nothing is active any more: no SMS answers, nothing escalates.
	if got := ok(e.svc.AnswerSMS(c, "13900000004", "1")).get(t); got {
		t.Fatal("an SMS answered a cancelled warning")
	}
	e.clk.add(time.Hour)
	if n := ok(e.svc.Escalate(c)).get(t); n != 0 {
		t.Fatalf("escalated %d of cancelled warnings, want none", n)
	}
	cancel.References = []string{reference(second)}
	_, err := e.svc.Issue(c, cityCmd, cancel)
	wantCode(t, err, dispatchd.ECONFLICT)
	if got := eventsOf(t, s, "warning.cancelled"); len(got) != 1 || got[0].Subject != second.ID {
		t.Fatalf("got cancelled events %+v, want one of the update", got)
	}
}

// testWarningVisibility lists warnings and recipients by jurisdiction.
func testWarningVisibility(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	city := ok(e.svc.Issue(c, cityCmd, rainstorm("330100"))).get(t)
	county := ok(e.svc.Issue(c, countyCmd, rainstorm("330127"))).get(t)
	other := ok(e.svc.Issue(c, otherCmd, rainstorm("330106"))).get(t)
	ids := func(ws []warning.Warning) []string {
		out := []string{}
		for _, w := range ws {
			out = append(out, w.ID)
		}
		return out
	}
	tests := []struct {
		name  string
		actor dispatchd.Actor
		want  []string
	}{
		{"the whole deployment", actor, []string{other.ID, county.ID, city.ID}},
		{"the province", provinceCmd, []string{other.ID, county.ID, city.ID}},
		{"a county sees the city's and its own", countyCmd, []string{county.ID, city.ID}},
		{"another county", otherCmd, []string{other.ID, city.ID}},
		{"a township of the county", dispatchd.Actor{Username: "t", Role: dispatchd.RoleViewer, Jurisdiction: "330127101"}, []string{county.ID, city.ID}},
		{"another province", dispatchd.Actor{Username: "p", Role: dispatchd.RoleViewer, Jurisdiction: "320000"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := e.svc.Warnings(c, tt.actor, warning.WarningFilter{})
			noErr(t, err)
			if !slices.Equal(ids(got), tt.want) {
				t.Fatalf("got %v, want %v", ids(got), tt.want)
			}
		})
	}
	_, err := e.svc.Warning(c, otherCmd, county.ID)
	wantCode(t, err, dispatchd.ENOTFOUND)
	page, next, err := e.svc.Warnings(c, actor, warning.WarningFilter{Limit: 2})
	noErr(t, err)
	rest, last, err := e.svc.Warnings(c, actor, warning.WarningFilter{Limit: 2, Before: next})
	noErr(t, err)
	if !slices.Equal(append(ids(page), ids(rest)...), []string{other.ID, county.ID, city.ID}) || last != "" {
		t.Fatalf("got pages %v %v, want all three newest first", ids(page), ids(rest))
	}

	// The county's commander sees the city warning's recipients of his
	// county only, a page at a time.
	var got []warning.Recipient
	f := warning.RecipientFilter{Warning: city.ID, Limit: 3}
	for {
		rs, next, err := e.svc.WarningRecipients(c, countyCmd, f)
		noErr(t, err)
		got = append(got, rs...)
		if next == "" {
			break
		}
		f.After = next
	}
	if w := e.who(got); !slices.Equal(w, []string{"county", "point", "town", "village"}) {
		t.Fatalf("got %v, want the county's four", w)
	}
	rs, _, err := e.svc.WarningRecipients(c, cityCmd, warning.RecipientFilter{Warning: city.ID, Region: "330127101", Unanswered: true})
	noErr(t, err)
	if w := e.who(rs); !slices.Equal(w, []string{"point", "town", "village"}) {
		t.Fatalf("got %v, want the township's three", w)
	}
	rs, _, err = e.svc.WarningRecipients(c, cityCmd, warning.RecipientFilter{Warning: city.ID, Kind: warning.KindNotice})
	noErr(t, err)
	if len(rs) != 0 {
		t.Fatalf("got %d notices, want none yet", len(rs))
	}
	_, _, err = e.svc.WarningRecipients(c, otherCmd, warning.RecipientFilter{Warning: county.ID})
	wantCode(t, err, dispatchd.ENOTFOUND)
	_, _, err = e.svc.WarningRecipients(c, cityCmd, warning.RecipientFilter{Warning: city.ID, After: "garbage"})
	wantField(t, err, "after")
}

// testWarningAnswers answers by link, SMS and console.
func testWarningAnswers(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	w := ok(e.svc.Issue(c, countyCmd, rainstorm("330127"))).get(t)
	byKey := map[string]warning.Recipient{}
	for _, r := range e.recipients(t, w.ID) {
		byKey[e.who([]warning.Recipient{r})[0]] = r
	}
	e.clk.add(90 * time.Second)

	code := e.codes.add(notify.KindWarning, byKey["town"].ID, warnStart.Add(time.Hour))
	shown := ok(e.svc.ShowCode(c, code)).get(t)
	if shown.Recipient.ID != byKey["town"].ID || shown.Warning.ID != w.ID || shown.Recipient.AnsweredAt != nil {
		t.Fatalf("got %+v, want the town's recipient unanswered", shown)
	}
	a := ok(e.svc.AnswerCode(c, code)).get(t)
	if a.Recipient.State != warning.Answered || a.Recipient.AnsweredVia != warning.ViaPage || a.Recipient.AnswerS != 90 {
		t.Fatalf("got %+v, want answered by page in 90 s", a.Recipient)
	}
	e.clk.add(time.Minute)
	again := ok(e.svc.AnswerCode(c, code)).get(t)
	if !again.Recipient.AnsweredAt.Equal(*a.Recipient.AnsweredAt) {
		t.Fatalf("a second answer moved the answer to %v", again.Recipient.AnsweredAt)
	}
	for name, bad := range map[string]string{
		"expired": e.codes.add(notify.KindWarning, byKey["village"].ID, warnStart.Add(time.Minute)),
		"a task":  e.codes.add(notify.KindTask, byKey["village"].ID, warnStart.Add(time.Hour)),
		"unknown": "AAAAAAAAAAAAAAAAAAAAAA",
		"no code": "x",
	} {
		_, err := e.svc.AnswerCode(c, bad)
		wantCode(t, err, dispatchd.ENOTFOUND)
		_, err = e.svc.ShowCode(c, bad)
		if dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
			t.Fatalf("%s: got %v, want not_found", name, err)
		}
	}

	tests := []struct {
		phone, text string
		want        bool
		key         string
	}{
		{"+8613900000005", "好的", false, ""},
		{"+8613900000005", " 收到！", true, "village"},
		{"13900000005", "1", false, ""}, // nothing left open for that phone
		{"86 139 0000 0003", "1", true, "county"},
		{"13900000099", "1", false, ""},
	}
	for _, tt := range tests {
		got := ok(e.svc.AnswerSMS(c, tt.phone, tt.text)).get(t)
		if got != tt.want {
			t.Fatalf("%s %q: got answered %v, want %v", tt.phone, tt.text, got, tt.want)
		}
		if tt.key != "" {
			r := ok(s.GetRecipient(c, byKey[tt.key].ID)).get(t)
			if r.State != warning.Answered || r.AnsweredVia != warning.ViaSMS {
				t.Fatalf("%s: got %+v, want answered by sms", tt.key, r)
			}
		}
	}

	_, err := e.svc.AnswerByConsole(c, otherCmd, "", byKey["point"].ID)
	wantCode(t, err, dispatchd.ENOTFOUND)
	r := ok(e.svc.AnswerByConsole(c, countyCmd, "", byKey["point"].ID)).get(t)
	if r.AnsweredVia != warning.ViaConsole {
		t.Fatalf("got %+v, want answered by console", r)
	}
	if got := eventsOf(t, s, "warning.answered"); len(got) != 4 || !slices.Equal(got[0].Regions, []string{"330127101"}) {
		t.Fatalf("got %d answered events (%+v), want 4 scoped to the recipient's region", len(got), got)
	}
}
