package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd/notify"
	"dispatchd/regions"
	"dispatchd/warning/cap"
	"dispatchd/web"
)

// The warnings over HTTP: issued in JSON and as CAP 1.2, read back in
// either by content negotiation, scoped by jurisdiction, their recipients
// and summary, an answer recorded by a commander, and the one-tap page.

type warningOut struct {
	ID         string   `json:"id"`
	Identifier string   `json:"identifier"`
	Sender     string   `json:"sender"`
	Level      string   `json:"level"`
	Headline   string   `json:"headline"`
	State      string   `json:"state"`
	Regions    []string `json:"regions"`
}

type recipientOut struct {
	ID          string  `json:"id"`
	Warning     string  `json:"warning"`
	Person      string  `json:"person"`
	Name        string  `json:"name"`
	Region      string  `json:"region"`
	State       string  `json:"state"`
	AnsweredAt  *string `json:"answered_at"`
	AnsweredVia string  `json:"answered_via"`
}

type recipientList struct {
	Items      []recipientOut `json:"items"`
	NextCursor string         `json:"next_cursor"`
}

// warningTree is the region tree the warnings reach: 淳安县 and 桐庐县 of
// 杭州市, and 建德市, whose persons the CAP sample also warns.
var warningTree = []regions.Region{
	{Code: "330000", Name: "浙江省", Level: regions.Province},
	{Code: "330100", Name: "杭州市", Level: regions.City, Parent: "330000"},
	{Code: "330122", Name: "桐庐县", Level: regions.County, Parent: "330100"},
	{Code: "330127", Name: "淳安县", Level: regions.County, Parent: "330100"},
	{Code: "330182", Name: "建德市", Level: regions.County, Parent: "330100"},
}

// warningWorld loads the tree, the commanders of jurisdictionUsers and a
// responsible person of each county (names by region).
func warningWorld(e *env) map[string]string {
	e.t.Helper()
	if err := e.store.PutRegions(context.Background(), warningTree, nil); err != nil {
		e.t.Fatal(err)
	}
	jurisdictionUsers(e)
	persons := map[string]string{}
	for i, region := range []string{"330127", "330122", "330182"} {
		var p struct{ ID string }
		e.mustJSON(e.as("admin", "POST", "/api/v1/responsible-persons", map[string]any{"name": "值班员 " + region,
			"phone": fmt.Sprintf("1370000%04d", i), "region": region, "duty": "county_duty"}), 201, &p)
		persons[region] = p.ID
	}
	return persons
}

var warningSeq atomic.Int64

// newWarning is a JSON warning to regions.
func newWarning(regions ...string) map[string]any {
	return map[string]any{"identifier": fmt.Sprintf("web-test-%d", warningSeq.Add(1)), "status": "Actual", "msg_type": "Alert",
		"scope": "Public", "level": "orange", "type": "rainstorm", "category": []string{"Met"}, "event": "暴雨",
		"urgency": "Expected", "severity": "Severe", "certainty": "Likely", "headline": "淳安县气象台发布暴雨橙色预警",
		"instruction": "切断有危险的室外电源，暂停户外作业。", "areas": []any{map[string]any{"regions": regions}}, "answer_within_s": 600}
}

// issue issues a JSON warning as user and returns it.
func (e *env) issue(user string, regions ...string) warningOut {
	e.t.Helper()
	var w warningOut
	e.mustJSON(e.as(user, "POST", "/api/v1/warnings", newWarning(regions...)), 201, &w)
	return w
}

// capSample is the CAP sample of warning/cap with a fresh identifier and
// times around now, so that it has not expired.
func capSample(t *testing.T) []byte {
	t.Helper()
	doc, err := os.ReadFile("../warning/cap/testdata/rainstorm.xml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	times := regexp.MustCompile(`<(sent|effective|onset|expires)>[^<]*</`)
	doc = times.ReplaceAllFunc(doc, func(m []byte) []byte {
		name := string(times.FindSubmatch(m)[1])
		at := now
		if name == "expires" {
			at = now.Add(24 * time.Hour)
		}
		return []byte("<" + name + ">" + cap.FormatTime(at) + "</")
	})
	id := fmt.Sprintf("33000041600000_web_%d", warningSeq.Add(1))
	return regexp.MustCompile(`<identifier>[^<]*</identifier>`).ReplaceAll(doc, []byte("<identifier>"+id+"</identifier>"))
}

// TestWarningsIssueAndRead issues warnings in JSON and as CAP 1.2 and reads
// them back in either, by Accept: q-values and wildcards weigh, and a
// header that takes neither type is answered 406. A duplicate identifier
// is refused with 409, a broken CAP document with 400 naming the element.
func TestWarningsIssueAndRead(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		warningWorld(e)
		body := newWarning("330127")
		var w warningOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/warnings", body), 201, &w)
		if w.ID == "" || w.Level != "orange" || w.State != "active" || !contains(w.Regions, "330127") {
			t.Fatalf("got %+v, want an active orange warning of 330127", w)
		}
		e.mustProblem(e.as("commander", "POST", "/api/v1/warnings", body), 409)

		// The short form: regions beside the fields make one area.
		short := newWarning()
		delete(short, "areas")
		short["regions"] = []string{"330122"}
		var sw warningOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/warnings", short), 201, &sw)
		if !contains(sw.Regions, "330122") || contains(sw.Regions, "330127") {
			t.Fatalf("got %+v from regions beside the fields, want 330122 only", sw)
		}

		// CAP in, JSON out (no Accept), and CAP in, CAP out.
		r := e.as("commander", "POST", "/api/v1/warnings", capSample(t), "Content-Type", "application/cap+xml")
		var cw warningOut
		e.mustJSON(r, 201, &cw)
		if cw.Level != "orange" || cw.Sender != "33000041600000" || !contains(cw.Regions, "330122") || !contains(cw.Regions, "330127") {
			t.Fatalf("got %+v from the CAP sample, want orange from 33000041600000 to 330122 and 330127", cw)
		}
		r = e.as("commander", "POST", "/api/v1/warnings", capSample(t), "Content-Type", "application/cap+xml", "Accept", "application/cap+xml")
		if r.status != 201 || r.header.Get("Content-Type") != "application/cap+xml" {
			t.Fatalf("got %d %s, want 201 application/cap+xml: %s", r.status, r.header.Get("Content-Type"), r.body)
		}
		if _, err := cap.Decode(bytes.NewReader(r.body)); err != nil {
			t.Fatalf("the answer is not a CAP 1.2 alert: %v\n%s", err, r.body)
		}

		// Reading back: the type Accept prefers.
		for _, tt := range []struct{ accept, want string }{
			{"", "application/json"},
			{"application/cap+xml", "application/cap+xml"},
			{"application/json;q=0.5, application/cap+xml", "application/cap+xml"},
			{"application/cap+xml;q=0.4, application/json;q=0.9", "application/json"},
			{"*/*", "application/json"},
			{"application/*;q=0.2, application/json;q=0", "application/cap+xml"},
			{"text/html, */*;q=0.1", "application/json"},
			{"application/cap+xml; charset=utf-8", "application/cap+xml"},
		} {
			r := e.as("viewer", "GET", "/api/v1/warnings/"+cw.ID, nil, "Accept", tt.accept)
			if r.status != 200 || r.header.Get("Content-Type") != tt.want {
				t.Errorf("Accept %q: got %d %s, want 200 %s", tt.accept, r.status, r.header.Get("Content-Type"), tt.want)
			}
		}
		r = e.as("viewer", "GET", "/api/v1/warnings/"+cw.ID, nil, "Accept", "application/cap+xml")
		a, err := cap.Decode(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("GET as CAP: %v\n%s", err, r.body)
		}
		if a.Identifier != cw.Identifier || a.Sender != cw.Sender || len(a.Info) == 0 || a.Info[0].Level() != "orange" {
			t.Fatalf("got CAP %s/%s, want the issued %s/%s, orange", a.Sender, a.Identifier, cw.Sender, cw.Identifier)
		}
		for _, accept := range []string{"text/html", "application/json;q=0, application/cap+xml;q=0", "image/*"} {
			e.mustProblem(e.as("viewer", "GET", "/api/v1/warnings/"+cw.ID, nil, "Accept", accept), 406)
		}

		// A broken CAP document names what is wrong.
		broken := bytes.Replace(capSample(t), []byte("<urgency>Expected</urgency>"), []byte("<urgency>Soon</urgency>"), 1)
		e.mustProblem(e.as("commander", "POST", "/api/v1/warnings", broken, "Content-Type", "application/cap+xml"), 400, "info[0].urgency")
		e.mustProblem(e.as("commander", "POST", "/api/v1/warnings", "<alert", "Content-Type", "application/cap+xml"), 400)

		// Lists filter by level and state.
		var l struct{ Items []warningOut }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/warnings?level=orange&state=active", nil), 200, &l)
		if !listed(l.Items, w.ID) || !listed(l.Items, cw.ID) {
			t.Fatalf("got %+v, want %s and %s listed", l.Items, w.ID, cw.ID)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/warnings?level=red", nil), 200, &l)
		if listed(l.Items, w.ID) {
			t.Fatalf("?level=red lists orange warning %s", w.ID)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/warnings?level=purple", nil), 400, "level")
	})
}

// TestWarningsIdempotentCAP retries a CAP issue with its Idempotency-Key:
// the first answer, CAP XML, comes back as it was, and nothing is issued
// twice.
func TestWarningsIdempotentCAP(t *testing.T) {
	e := newEnv(t, "sqlite")
	warningWorld(e)
	doc := capSample(t)
	first := e.as("commander", "POST", "/api/v1/warnings", doc, "Content-Type", "application/cap+xml", "Accept", "application/cap+xml",
		"Idempotency-Key", "cap-1")
	again := e.as("commander", "POST", "/api/v1/warnings", doc, "Content-Type", "application/cap+xml", "Accept", "application/cap+xml",
		"Idempotency-Key", "cap-1")
	if first.status != 201 || again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" ||
		again.header.Get("Content-Type") != "application/cap+xml" || !bytes.Equal(first.body, again.body) {
		t.Fatalf("got %d then %d %s (replayed %q), want 201 twice with the same CAP answer",
			first.status, again.status, again.header.Get("Content-Type"), again.header.Get("Idempotent-Replayed"))
	}
}

// TestWarningsJurisdiction: a county's commander issues only within its
// county, and another county's warning is to it as an unknown one: 404 on
// reads, its recipients, its summary and a console answer; left out of
// lists.
func TestWarningsJurisdiction(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		warningWorld(e)
		mine := e.issue("county", "330127")
		other := e.issue("admin", "330122")
		var rs recipientList
		e.mustJSON(e.as("admin", "GET", "/api/v1/warnings/"+other.ID+"/recipients", nil), 200, &rs)
		if len(rs.Items) == 0 {
			t.Fatalf("warning %s of 330122 has no recipients", other.ID)
		}
		e.mustProblem(e.as("county", "POST", "/api/v1/warnings", newWarning("330122")), 400)
		for _, path := range []string{"", "/recipients", "/summary"} {
			e.mustProblem(e.as("county", "GET", "/api/v1/warnings/"+other.ID+path, nil), 404)
			e.mustJSON(e.as("county", "GET", "/api/v1/warnings/"+mine.ID+path, nil), 200, nil)
		}
		e.mustProblem(e.as("county", "GET", "/api/v1/warnings/"+other.ID, nil, "Accept", "application/cap+xml"), 404)
		e.mustProblem(e.as("county", "POST", "/api/v1/warnings/"+other.ID+"/recipients/"+rs.Items[0].ID+"/answer", nil), 404)
		// A recipient answered under another warning's path is not found,
		// and nothing is recorded.
		e.mustProblem(e.as("admin", "POST", "/api/v1/warnings/"+mine.ID+"/recipients/"+rs.Items[0].ID+"/answer", nil), 404)
		var after recipientList
		e.mustJSON(e.as("admin", "GET", "/api/v1/warnings/"+other.ID+"/recipients", nil), 200, &after)
		for _, r := range after.Items {
			if r.ID == rs.Items[0].ID && r.AnsweredAt != nil {
				t.Fatalf("recipient %s of %s was answered through %s's path", r.ID, other.ID, mine.ID)
			}
		}
		var l struct{ Items []warningOut }
		e.mustJSON(e.as("county", "GET", "/api/v1/warnings", nil), 200, &l)
		if !listed(l.Items, mine.ID) || listed(l.Items, other.ID) {
			t.Fatalf("got %+v, want %s listed and not %s", l.Items, mine.ID, other.ID)
		}
		// A warning to both counties is the county's too, but only its
		// own recipients are listed to it.
		both := e.issue("admin", "330127", "330122")
		e.mustJSON(e.as("county", "GET", "/api/v1/warnings/"+both.ID+"/recipients", nil), 200, &rs)
		if len(rs.Items) != 1 || rs.Items[0].Region != "330127" {
			t.Fatalf("got %+v, want the recipient of 330127 only", rs.Items)
		}
	})
}

// TestWarningRecipientsAndConsoleAnswer lists a warning's recipients with
// their filters, records a phone answer from the console and sees it in
// the recipient and the summary; a second answer changes nothing.
func TestWarningRecipientsAndConsoleAnswer(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		persons := warningWorld(e)
		w := e.issue("commander", "330127", "330122")
		var rs recipientList
		e.mustJSON(e.as("viewer", "GET", "/api/v1/warnings/"+w.ID+"/recipients", nil), 200, &rs)
		if len(rs.Items) != 2 {
			t.Fatalf("got %d recipients %+v, want the persons of 330127 and 330122", len(rs.Items), rs.Items)
		}
		var chunan recipientOut
		for _, r := range rs.Items {
			if r.Region == "330127" {
				chunan = r
			}
		}
		if chunan.Person != persons["330127"] || chunan.AnsweredAt != nil {
			t.Fatalf("got %+v, want the unanswered person %s of 330127", chunan, persons["330127"])
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/warnings/"+w.ID+"/recipients?region=330122", nil), 200, &rs)
		if len(rs.Items) != 1 || rs.Items[0].Region != "330122" {
			t.Fatalf("?region=330122: got %+v", rs.Items)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/warnings/"+w.ID+"/recipients?limit=1", nil), 200, &rs)
		if len(rs.Items) != 1 || rs.NextCursor == "" {
			t.Fatalf("?limit=1: got %d items, cursor %q; want 1 and a cursor", len(rs.Items), rs.NextCursor)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/warnings/"+w.ID+"/recipients?state=lost", nil), 400, "state")

		var got recipientOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/warnings/"+w.ID+"/recipients/"+chunan.ID+"/answer", nil), 200, &got)
		if got.State != "answered" || got.AnsweredVia != "console" || got.AnsweredAt == nil {
			t.Fatalf("got %+v, want answered via console", got)
		}
		var again recipientOut
		e.mustJSON(e.as("admin", "POST", "/api/v1/warnings/"+w.ID+"/recipients/"+chunan.ID+"/answer", map[string]any{}), 200, &again)
		if again.AnsweredAt == nil || *again.AnsweredAt != *got.AnsweredAt {
			t.Fatalf("a second answer moved the time: %v, then %v", *got.AnsweredAt, again.AnsweredAt)
		}
		e.mustProblem(e.as("viewer", "POST", "/api/v1/warnings/"+w.ID+"/recipients/"+chunan.ID+"/answer", nil), 403)
		e.mustProblem(e.as("commander", "POST", "/api/v1/warnings/"+w.ID+"/recipients/no-such/answer", nil), 404)

		e.mustJSON(e.as("viewer", "GET", "/api/v1/warnings/"+w.ID+"/recipients?unanswered=true", nil), 200, &rs)
		if len(rs.Items) != 1 || rs.Items[0].Region != "330122" {
			t.Fatalf("?unanswered=true: got %+v, want only the person of 330122", rs.Items)
		}
		var sum struct {
			Warning string `json:"warning"`
			Totals  struct {
				Recipients, Answered int
				AnswerRate           float64 `json:"answer_rate"`
				Unanswered           []recipientOut
			}
			Regions []struct {
				Region     string
				Recipients int
				Answered   int
				AnswerRate float64 `json:"answer_rate"`
				Unanswered []recipientOut
			}
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/warnings/"+w.ID+"/summary", nil), 200, &sum)
		if sum.Warning != w.ID || sum.Totals.Recipients != 2 || sum.Totals.Answered != 1 || sum.Totals.AnswerRate != 0.5 {
			t.Fatalf("got totals %+v, want 2 recipients, 1 answered, rate 0.5", sum.Totals)
		}
		for _, r := range sum.Regions {
			want := map[string]int{"330127": 1, "330122": 0}[r.Region]
			if r.Answered != want || (want == 0) != (len(r.Unanswered) == 1) {
				t.Errorf("region %s: got %+v, want %d answered", r.Region, r, want)
			}
		}

		// The after-action record as a spreadsheet table: the warning,
		// its regions, and each recipient with the time of each step.
		r := e.as("viewer", "GET", "/api/v1/warnings/"+w.ID+"/summary?format=csv", nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("format=csv: got %d %s", r.status, r.header.Get("Content-Type"))
		}
		rows := readCSV(t, r.body)
		col := map[string]int{}
		for i, name := range rows[0] {
			col[name] = i
		}
		sections := map[string]int{}
		for _, row := range rows[1:] {
			sections[row[col["section"]]]++
			switch {
			case row[col["section"]] == "warning" && (row[col["recipients"]] != "2" || row[col["answered"]] != "1" || row[col["answer_rate"]] != "0.500"):
				t.Errorf("the warning's row: %v", row)
			case row[col["section"]] == "recipient" && row[col["region"]] == "330127" &&
				(row[col["state"]] != "answered" || row[col["answered_via"]] != "console" || row[col["answered_at"]] == ""):
				t.Errorf("淳安县's recipient: %v", row)
			}
		}
		if sections["warning"] != 1 || sections["region"] != 2 || sections["recipient"] != 2 {
			t.Fatalf("format=csv sections %v:\n%s", sections, r.body)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/warnings/"+w.ID+"/summary?format=xls", nil), 400, "format")
	})
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func listed(ws []warningOut, id string) bool {
	for _, w := range ws {
		if w.ID == id {
			return true
		}
	}
	return false
}

// outbox is the part of the store the sender uses to claim a message and
// keep the codes of its links.
type outbox interface {
	Due(ctx context.Context, channel string, now time.Time, limit int) ([]notify.Message, error)
	Claim(ctx context.Context, ids []string, now, retryAt time.Time, codes []notify.Code) ([]string, error)
}

// linkCode returns a one-tap code for the recipient, stored as the sender
// stores it: the recipient's queued message is claimed with the code's
// hash, as before a send.
func linkCode(e *env, recipient string) string {
	e.t.Helper()
	ob, ok := any(e.store).(outbox)
	if !ok {
		e.t.Fatal("the store has no outbox (notify.Store)")
	}
	ctx := context.Background()
	now := time.Now().UTC()
	for _, ch := range []string{notify.SMS, notify.Webhook} {
		msgs, err := ob.Due(ctx, ch, now.Add(time.Minute), 1000)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Subject != recipient {
				continue
			}
			code, hash := notify.NewCode()
			claimed, err := ob.Claim(ctx, []string{m.ID}, now.Add(time.Minute), now.Add(time.Hour),
				[]notify.Code{{Hash: hash, Kind: m.Kind, Subject: recipient, Expires: now.Add(time.Hour), Created: now}})
			if err != nil || len(claimed) != 1 {
				e.t.Fatalf("claim message %s: %v (claimed %v)", m.ID, err, claimed)
			}
			return code
		}
	}
	e.t.Fatalf("recipient %s has no queued message", recipient)
	return ""
}

// recipientOf returns the recipient of warning w in region.
func (e *env) recipientOf(w, region string) recipientOut {
	e.t.Helper()
	var rs recipientList
	e.mustJSON(e.as("admin", "GET", "/api/v1/warnings/"+w+"/recipients?region="+region, nil), 200, &rs)
	if len(rs.Items) == 0 {
		e.t.Fatalf("warning %s has no recipient in %s", w, region)
	}
	return rs.Items[0]
}

// recipient reads one recipient back over the API.
func (e *env) recipient(w, id string) recipientOut {
	e.t.Helper()
	var rs recipientList
	e.mustJSON(e.as("admin", "GET", "/api/v1/warnings/"+w+"/recipients?limit=10000", nil), 200, &rs)
	for _, r := range rs.Items {
		if r.ID == id {
			return r
		}
	}
	e.t.Fatalf("warning %s has no recipient %s", w, id)
	return recipientOut{}
}

// TestOneTapPage opens a recipient's one-tap link without a login: a GET
// shows the warning and answers nothing (a messaging app's preview must
// not answer), a POST answers and shows the time, a second POST shows the
// same; an unknown code is a 404 page. The page is never cached, sends no
// referrer, runs no script, and the code is in no log line.
func TestOneTapPage(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		warningWorld(e)
		w := e.issue("commander", "330127")
		rcp := e.recipientOf(w.ID, "330127")
		code := linkCode(e, rcp.ID)

		for range 2 {
			r := e.call("GET", "/a/"+code, "", nil)
			mustPage(t, r, 200, "淳安县气象台发布暴雨橙色预警", "切断有危险的室外电源", `<form method="post">`, "level-orange")
		}
		if got := e.recipient(w.ID, rcp.ID); got.AnsweredAt != nil {
			t.Fatalf("a GET answered: %+v", got)
		}
		r := e.call("POST", "/a/"+code, "", "", "Content-Type", "application/x-www-form-urlencoded")
		mustPage(t, r, 200, "已确认", "Answered", `id="answered"`)
		got := e.recipient(w.ID, rcp.ID)
		if got.State != "answered" || got.AnsweredVia != "page" || got.AnsweredAt == nil {
			t.Fatalf("after the POST: got %+v, want answered via page", got)
		}
		again := e.call("POST", "/a/"+code, "", "", "Content-Type", "application/x-www-form-urlencoded")
		mustPage(t, again, 200, "已确认")
		if !bytes.Equal(again.body, r.body) {
			t.Errorf("a second answer shows another page:\n%s\nthen\n%s", r.body, again.body)
		}
		if got2 := e.recipient(w.ID, rcp.ID); *got2.AnsweredAt != *got.AnsweredAt {
			t.Errorf("a second answer moved the time from %s to %s", *got.AnsweredAt, *got2.AnsweredAt)
		}
		mustPage(t, e.call("GET", "/a/"+code, "", nil), 200, "已确认")

		unknown, _ := notify.NewCode()
		for _, c := range []string{unknown, "short", strings.Repeat("x", 200)} {
			mustPage(t, e.call("GET", "/a/"+c, "", nil), 404, "链接无效或已过期")
			mustPage(t, e.call("POST", "/a/"+c, "", "", "Content-Type", "application/x-www-form-urlencoded"), 404, "链接无效或已过期")
		}
	})
}

// mustPage checks that r is an HTML page of the one-tap link with the
// status, its headers, and the texts.
func mustPage(t *testing.T, r response, status int, texts ...string) {
	t.Helper()
	if r.status != status || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("got %d %s, want %d text/html: %s", r.status, r.header.Get("Content-Type"), status, r.body)
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s: got %q, want %q", h, got, want)
		}
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
		t.Errorf("got Content-Security-Policy %q, want default-src 'none' and no script", csp)
	}
	for _, s := range texts {
		if !strings.Contains(string(r.body), s) {
			t.Fatalf("the page lacks %q:\n%s", s, r.body)
		}
	}
}

// TestOneTapLimits: an address that asks too often, or tries too many
// unknown codes, is answered 429 with Retry-After, as a page.
func TestOneTapLimits(t *testing.T) {
	e := newEnv(t, "sqlite", func(c *webConfig) {
		c.Limits.AnswerRate, c.Limits.AnswerBurst = 0.001, 100
		c.Limits.KeyFailureRate, c.Limits.KeyFailureBurst = 0.001, 3
	})
	for i := range 5 {
		code, _ := notify.NewCode()
		r := e.call("GET", "/a/"+code, "", nil)
		want := 404
		if i >= 3 {
			want = 429
		}
		if r.status != want {
			t.Fatalf("unknown code %d: got %d, want %d", i+1, r.status, want)
		}
		if want == 429 {
			mustPage(t, r, 429, "请求过多")
			if r.header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	e = newEnv(t, "sqlite", func(c *webConfig) { c.Limits.AnswerRate, c.Limits.AnswerBurst = 0.001, 2 })
	for i := range 3 {
		r := e.call("GET", "/a/short", "", nil)
		if want := map[bool]int{true: 429, false: 404}[i >= 2]; r.status != want {
			t.Fatalf("request %d: got %d, want %d", i+1, r.status, want)
		}
	}
}

// TestOneTapCodeNotLogged answers by a link on a server whose request log
// is kept: no line holds the code, the route stands for it.
func TestOneTapCodeNotLogged(t *testing.T) {
	var logs syncBuffer
	e := newEnv(t, "sqlite", func(c *webConfig) { c.Logger = slogTo(&logs) })
	warningWorld(e)
	w := e.issue("commander", "330127")
	code := linkCode(e, e.recipientOf(w.ID, "330127").ID)
	mustPage(t, e.call("GET", "/a/"+code, "", nil), 200)
	mustPage(t, e.call("POST", "/a/"+code, "", "", "Content-Type", "application/x-www-form-urlencoded"), 200, "已确认")
	mustPage(t, e.call("GET", "/a/"+code+"x", "", nil), 404)
	out := logs.String()
	if strings.Contains(out, code) {
		t.Fatalf("the log holds the code:\n%s", out)
	}
	if !strings.Contains(out, "path=/a/:code") {
		t.Fatalf("the log has no request of the route /a/:code:\n%s", out)
	}
	m := e.call("GET", "/metrics", "", nil)
	if strings.Contains(string(m.body), code) || !strings.Contains(string(m.body), `route="/a/:code"`) {
		t.Fatalf("the metrics hold the code, or not the route")
	}
	var ev struct{ Items []json.RawMessage }
	e.mustJSON(e.as("admin", "GET", "/api/v1/audit?limit=1000", nil), 200, &ev)
	for _, it := range ev.Items {
		if strings.Contains(string(it), code) {
			t.Fatalf("the audit holds the code: %s", it)
		}
	}
}

type webConfig = web.Config

// syncBuffer is a log's output, written by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestWarningsCancelByReference cancels a warning by its CAP reference
// ("sender,identifier,sent"): the cancel answers 201 as cancelled and
// replacing it, the warning reads back cancelled, and a second cancel is
// refused with 409, the warning being no longer active.
func TestWarningsCancelByReference(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		warningWorld(e)
		var w struct {
			warningOut
			Sent time.Time `json:"sent"`
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/warnings", newWarning("330127")), 201, &w)
		cancel := func() map[string]any {
			return map[string]any{"identifier": fmt.Sprintf("web-cancel-%d", warningSeq.Add(1)), "msg_type": "Cancel",
				"status": "Actual", "scope": "Public", "headline": "解除暴雨橙色预警",
				"references": []string{w.Sender + "," + w.Identifier + "," + cap.FormatTime(w.Sent)}}
		}
		var c struct {
			warningOut
			Replaces string `json:"replaces"`
		}
		e.mustJSON(e.as("commander", "POST", "/api/v1/warnings", cancel()), 201, &c)
		if c.State != "cancelled" || c.Replaces != w.ID {
			t.Fatalf("got %+v, want a cancel replacing %s", c, w.ID)
		}
		var got warningOut
		e.mustJSON(e.as("viewer", "GET", "/api/v1/warnings/"+w.ID, nil), 200, &got)
		if got.State != "cancelled" {
			t.Fatalf("the cancelled warning reads %q", got.State)
		}
		e.mustProblem(e.as("commander", "POST", "/api/v1/warnings", cancel()), 409)
	})
}

// TestWarningsWebsocket subscribes the warnings topic as a county's
// commander and as the whole deployment's: a warning to another county
// reaches only the whole deployment, one to the county reaches both, and
// so does the answer recorded for it; a screen subscribed to incidents
// only gets none of them.
func TestWarningsWebsocket(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		warningWorld(e)
		subscribe := func(user string, topics ...string) *wsClient {
			c := e.ws(user)
			c.send(map[string]any{"op": "subscribe", "topics": topics})
			c.until(isType("snapshot"))
			return c
		}
		county := subscribe("county", "warnings")
		whole := subscribe("commander", "warnings", "incidents")
		incidents := subscribe("commander", "incidents")
		other := e.issue("admin", "330122")
		mine := e.issue("admin", "330127")
		rcp := e.recipientOf(mine.ID, "330127")
		e.mustJSON(e.as("commander", "POST", "/api/v1/warnings/"+mine.ID+"/recipients/"+rcp.ID+"/answer", nil), 200, nil)
		answered := func(m wsMsg) bool { return m.Type == "event" && m.Event == "warning.answered" }

		outside := []string{other.ID, e.recipientOf(other.ID, "330122").ID}
		_, seen := county.until(answered)
		for _, m := range seen {
			if slices.Contains(outside, m.Subject) {
				t.Errorf("the county got %s of another county's warning", m.Event)
			}
		}
		if !slices.ContainsFunc(seen, func(m wsMsg) bool { return m.Event == "warning.issued" && m.Subject == mine.ID }) {
			t.Errorf("the county did not get its warning's warning.issued: %+v", seen)
		}
		_, seen = whole.until(answered)
		for _, id := range []string{other.ID, mine.ID} {
			if !slices.ContainsFunc(seen, func(m wsMsg) bool { return m.Event == "warning.issued" && m.Subject == id }) {
				t.Errorf("the whole deployment did not get warning.issued of %s: %+v", id, seen)
			}
		}
		// A marker on the incidents topic: no warning event before it.
		var in struct{ ID string }
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents", map[string]any{"type": "flood", "level": 4, "title": "marker",
			"location": map[string]float64{"lon": 119.04, "lat": 29.61}, "region": "330127"}), 201, &in)
		_, seen = incidents.until(func(m wsMsg) bool { return m.Type == "event" && m.Subject == in.ID })
		for _, m := range seen {
			if strings.HasPrefix(m.Event, "warning") {
				t.Errorf("a screen without the warnings topic got %s", m.Event)
			}
		}
	})
}
