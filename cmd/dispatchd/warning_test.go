package main

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"dispatchd/notify/smpp/smpptest"
	"dispatchd/warning/cap"
)

// linkRE finds a one-tap link in a message.
var linkRE = regexp.MustCompile(`https?://[^\s]+/a/[A-Za-z0-9_-]{22}`)

// inbox collects what the SMSC received, by phone.
type inbox struct {
	t    *testing.T
	smsc *smpptest.Server
	got  map[string][]string
}

func (in *inbox) await(what string, ok func() bool) {
	in.t.Helper()
	deadline := time.After(60 * time.Second)
	for !ok() {
		select {
		case m := <-in.smsc.Received():
			in.got[m.To] = append(in.got[m.To], m.Text)
		case <-deadline:
			in.t.Fatalf("waiting for %s: the SMSC has %v", what, in.got)
		}
	}
}

// phoneTab opens url in Chromium as a phone would: a small touch screen,
// no login.
func phoneTab(t *testing.T, b *browser, name, url string) *tab {
	t.Helper()
	tb := b.newTab(name)
	tb.run(emulation.SetDeviceMetricsOverride(390, 844, 3, true),
		emulation.SetUserAgentOverride("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36"),
		emulation.SetTouchEmulationEnabled(true),
		chromedp.Navigate(url))
	return tb
}

// tapAnswer checks that the one-tap page shows headline and answers
// nothing yet, then taps its button and waits for the page to say so.
func tapAnswer(t *testing.T, tb *tab, headline string) {
	t.Helper()
	var shown string
	tb.run(chromedp.WaitVisible("#answer", chromedp.ByQuery), chromedp.Text("#headline", &shown, chromedp.ByQuery))
	if !strings.Contains(shown, headline) {
		t.Fatalf("the one-tap page shows %q, want %q", shown, headline)
	}
	tb.shot("shown")
	tb.run(chromedp.Click("#answer", chromedp.ByQuery), chromedp.WaitVisible("#answered", chromedp.ByQuery))
	tb.shot("answered")
}

// TestWarningStory is the story of issue 17 on both stores, against a real
// SMPP gateway in this process and the one-tap page in Chromium: the
// provincial duty officer issues an orange rainstorm warning for three
// counties; every responsible person there gets an SMS with a link; one
// answers by tapping it on a phone, one by replying 收到; the summary
// counts them per county; at the deadline the others are sent it again
// and their superiors told; the warning reads back as CAP and a CAP
// cancel ends it; a task to a lead whose page is closed goes by SMS and
// its link acknowledges it.
func TestWarningStory(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			smsc, err := smpptest.New("pw123456", 1000)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { smsc.Close() })
			env := append(demoEnv(t, store),
				"DISPATCH_SMPP_URL=smpp://dispatchd:pw123456@"+smsc.Addr()+"?source=12379&rate=500",
				"DISPATCH_WARNING_ESCALATE_EVERY=500ms", "DISPATCH_TASK_SMS_GRACE=1s")
			p := start(t, env, "serve", "--addr", "127.0.0.1:0", "--demo")
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("dispatchd's log:\n%s", p.err.String())
				}
			})
			warningStory(t, p, smsc)
		})
	}
}

func warningStory(t *testing.T, p *proc, smsc *smpptest.Server) {
	duty := p.login("commander")
	counties := []string{"330122", "330127", "330182"}
	type person struct{ ID, Name, Phone, Region, Duty, Superior string }
	var persons []person
	for _, c := range counties {
		var res struct{ Items []person }
		if code := p.call("GET", "/api/v1/responsible-persons?region="+c, duty, nil, &res); code != 200 || len(res.Items) != 3 {
			t.Fatalf("persons of %s: got %d %+v, want the county's and two hazard points'", c, code, res)
		}
		persons = append(persons, res.Items...)
	}
	const within = 20
	var w struct {
		ID, Identifier, Sender, Level, State string
		Sent                                 time.Time
	}
	body := map[string]any{"level": "orange", "type": "rainstorm", "event": "暴雨", "category": []string{"Met"},
		"urgency": "Expected", "severity": "Severe", "certainty": "Likely",
		"headline": "暴雨橙色预警", "description": "预计未来6小时桐庐、淳安、建德将出现50毫米以上降水。",
		"instruction":     "立即转移山洪、地质灾害隐患点群众，回复1确认。",
		"areas":           []map[string]any{{"area_desc": "桐庐县、淳安县、建德市", "regions": counties}},
		"answer_within_s": within}
	if code := p.call("POST", "/api/v1/warnings", duty, body, &w); code != 201 || w.Level != "orange" {
		t.Fatalf("issue: got %d %+v", code, w)
	}
	issued := time.Now()
	box := &inbox{t: t, smsc: smsc, got: map[string][]string{}}
	box.await("an SMS to each of the 9 persons", func() bool {
		for _, ps := range persons {
			if len(box.got[ps.Phone]) == 0 {
				return false
			}
		}
		return true
	})
	for _, ps := range persons {
		if msg := box.got[ps.Phone][0]; !strings.Contains(msg, "暴雨橙色预警") || !linkRE.MatchString(msg) {
			t.Fatalf("the SMS to %s: %q, want the headline and a one-tap link", ps.Name, msg)
		}
	}
	// 淳安县's person taps the link on a phone; a hazard point's replies 收到.
	var county, hazard person
	for _, ps := range persons {
		switch {
		case ps.Region == "330127" && ps.Duty == "county_duty":
			county = ps
		case ps.Region == "330127" && ps.Duty == "hazard_point" && hazard.ID == "":
			hazard = ps
		}
	}
	link := linkRE.FindString(box.got[county.Phone][0])
	b := newBrowser(t, p.url)
	tb := phoneTab(t, b, "answer-"+t.Name()[len("TestWarningStory/"):], link)
	tapAnswer(t, tb, "暴雨橙色预警")
	smsc.MO(hazard.Phone, "12379", "收到")

	type recipient struct {
		ID, Person, Name, Phone, Region, Kind, State string
		AnsweredVia                                  string `json:"answered_via"`
	}
	recipients := func(query string) []recipient {
		t.Helper()
		var res struct{ Items []recipient }
		if code := p.call("GET", "/api/v1/warnings/"+w.ID+"/recipients?limit=100"+query, duty, nil, &res); code != 200 {
			t.Fatalf("recipients: got %d", code)
		}
		return res.Items
	}
	waitFor(t, time.Minute, "two answers, by page and by sms", func() bool {
		via := map[string]string{}
		for _, r := range recipients("") {
			if r.State == "answered" {
				via[r.Person] = r.AnsweredVia
			}
		}
		return via[county.ID] == "page" && via[hazard.ID] == "sms"
	})
	var sum struct {
		Regions []struct {
			Region               string
			Recipients, Answered int
			Unanswered           []recipient
		}
	}
	if code := p.call("GET", "/api/v1/warnings/"+w.ID+"/summary", duty, nil, &sum); code != 200 || len(sum.Regions) != 3 {
		t.Fatalf("summary: got %d %+v", code, sum)
	}
	for _, r := range sum.Regions {
		want := map[string]int{"330127": 2}[r.Region]
		if r.Recipients != 3 || r.Answered != want || len(r.Unanswered) != 3-want {
			t.Errorf("summary of %s: %+v, want 3 recipients, %d answered", r.Region, r, want)
		}
	}

	// The deadline passes: the unanswered get it again, their superiors a
	// notice each.
	if d := time.Until(issued.Add(within * time.Second)); d > 0 {
		time.Sleep(d)
	}
	other := persons[0]
	waitFor(t, time.Minute, "escalations", func() bool {
		n := 0
		for _, r := range recipients("&state=escalated") {
			if r.Kind == "warning" {
				n++
			}
		}
		return n == 7
	})
	box.await("the warning again to an unanswered person", func() bool { return len(box.got[other.Phone]) >= 2 })
	notices := 0
	for _, r := range recipients("") {
		if r.Kind == "notice" {
			notices++
		}
	}
	// One per unanswered recipient, to his superior: the city's person for
	// 桐庐县's and 建德市's, each of those for his two points, 淳安县's for
	// his unanswered point.
	if notices != 7 {
		t.Errorf("got %d notices, want 7", notices)
	}

	// CAP out, and a CAP cancel in.
	req, _ := http.NewRequest("GET", p.url+"/api/v1/warnings/"+w.ID, nil)
	req.Header.Set("Authorization", "Bearer "+duty)
	req.Header.Set("Accept", "application/cap+xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/cap+xml") {
		t.Fatalf("CAP out: got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	a, err := cap.Decode(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("CAP out does not decode: %v\n%s", err, doc)
	}
	if a.Identifier != w.Identifier || len(a.Info) == 0 || a.Info[0].Level() != "orange" {
		t.Fatalf("CAP out: %+v", a)
	}
	regions, _ := a.Regions()
	if strings.Join(regions, ",") != strings.Join(counties, ",") {
		t.Errorf("CAP out names %v, want %v", regions, counties)
	}
	cancel := &cap.Alert{Identifier: w.Identifier + "-cancel", Sender: a.Sender, Sent: time.Now().UTC().Truncate(time.Second),
		Status: "Actual", MsgType: "Cancel", Scope: "Public",
		References: []cap.Reference{{Sender: a.Sender, Identifier: a.Identifier, Sent: a.Sent}},
		Info:       []cap.Info{{Category: []string{"Met"}, Event: "暴雨", Urgency: "Past", Severity: "Severe", Certainty: "Observed", Headline: "暴雨橙色预警解除", Area: a.Info[0].Area}}}
	var xmlBody bytes.Buffer
	if err := cap.Encode(&xmlBody, cancel); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("POST", p.url+"/api/v1/warnings", &xmlBody)
	req.Header.Set("Authorization", "Bearer "+duty)
	req.Header.Set("Content-Type", "application/cap+xml")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("CAP cancel: got %d", resp.StatusCode)
	}
	if code := p.call("GET", "/api/v1/warnings/"+w.ID, duty, nil, &w); code != 200 || w.State != "cancelled" {
		t.Fatalf("after the cancel: got %d %+v", code, w)
	}

	taskBySMS(t, p, box, b, duty)
}

// taskBySMS gives a task to a team whose lead has no page open: the task
// goes by SMS, and its link acknowledges it.
func taskBySMS(t *testing.T, p *proc, box *inbox, b *browser, duty string) {
	var teams struct {
		Items []struct {
			ID     string
			Leader struct{ Phone string }
		}
	}
	if code := p.call("GET", "/api/v1/teams?region=330127&status=available&limit=1", duty, nil, &teams); code != 200 || len(teams.Items) != 1 {
		t.Fatalf("a team of 淳安县: got %d %+v", code, teams)
	}
	team := teams.Items[0]
	var in struct{ ID string }
	if code := p.call("POST", "/api/v1/incidents", duty, map[string]any{"type": "flood", "level": 2, "title": "千岛湖镇内涝",
		"location": map[string]float64{"lon": 119.04, "lat": 29.61}}, &in); code != 201 {
		t.Fatalf("incident: got %d", code)
	}
	var task struct{ ID, Status string }
	if code := p.call("POST", "/api/v1/incidents/"+in.ID+"/tasks", duty, map[string]any{"team": team.ID, "instructions": "携冲锋舟赴千岛湖镇转移群众", "ack_within_s": 600}, &task); code != 201 {
		t.Fatalf("task: got %d", code)
	}
	box.await("the task by SMS", func() bool {
		for _, m := range box.got[team.Leader.Phone] {
			if strings.Contains(m, "千岛湖镇内涝") {
				return true
			}
		}
		return false
	})
	msgs := box.got[team.Leader.Phone]
	link := linkRE.FindString(msgs[len(msgs)-1])
	if link == "" {
		t.Fatalf("the task's SMS %q has no link", msgs[len(msgs)-1])
	}
	tb := phoneTab(t, b, "task-"+t.Name()[len("TestWarningStory/"):], link)
	tapAnswer(t, tb, "千岛湖镇内涝")
	if s := taskStatus(t, p, duty, task.ID); s != "acknowledged" {
		t.Fatalf("the task after its link: %s, want acknowledged", s)
	}
}
