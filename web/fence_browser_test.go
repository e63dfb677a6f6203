package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// TestFenceNotesInChromium drives the screen and the lead's page in
// Chromium, each in a browser context of its own: a team sent to a scene
// dwells inside it (its fixes posted over HTTP), and the screen's answers
// to the incident and the lead's task card both say it arrived by
// geofence; it drives off, and both say it left the scene.
func TestFenceNotesInChromium(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t, "sqlite")
	built(t, e)
	id := newIncident(e, "fence-notes", map[string]any{"scene": map[string]any{"radius_m": 200}})
	var tk taskOut
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/tasks", map[string]any{"team": "t1"}), 201, &tk)
	e.mustJSON(e.as("lead", "POST", "/api/v1/tasks/"+tk.ID+"/status", map[string]any{"status": "en_route"}), 200, nil)
	waitFor(t, "the watcher to follow the task", func() bool { return e.fences.Len() == 1 })

	screen := chromiumTab(t, exe, true, 240*time.Second)
	seen := `JSON.stringify({answers: document.querySelector('#plan ol.answers')?.outerHTML,
		lead: document.querySelector('#tasks, main')?.innerText, conn: document.querySelector('#conn')?.dataset.state})`
	pollScreen := screenPoller(t, screen, 50*time.Millisecond, seen)
	run := func(ctx context.Context, what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	logIn := func(ctx context.Context, page, user string) {
		t.Helper()
		run(ctx, "log in to "+page+" as "+user, chromedp.Navigate(e.url+page),
			chromedp.WaitVisible("#login-user", chromedp.ByQuery),
			chromedp.SendKeys("#login-user", user, chromedp.ByQuery),
			chromedp.SendKeys("#login-pass", "secret", chromedp.ByQuery),
			chromedp.Click("#login-submit", chromedp.ByQuery))
	}
	run(screen, "the screen's viewport", chromedp.EmulateViewport(1920, 1080))
	logIn(screen, "/screen", "commander")
	incident := fmt.Sprintf(`#incidents li.incident[data-id="%s"]`, id)
	pollScreen("the incident listed", `!!document.querySelector('`+incident+`')`)
	run(screen, "select the incident", chromedp.Evaluate(`document.querySelector('`+incident+`').click()`, nil))
	answer := fmt.Sprintf(`#plan li.answer[data-task="%s"]`, tk.ID)
	pollScreen("the task among the answers", fmt.Sprintf(`document.querySelector('%s')?.dataset.status === 'en_route'
		&& !document.querySelector('%s span.fence')`, answer, answer))

	// The lead's page, through its form, in a browser context of its own
	// (a session of its own: the pages keep it in localStorage) and
	// own), in a window of its own: headless Chromium opens a new browser
	// context's tab in none.
	exec := cdp.WithExecutor(screen, chromedp.FromContext(screen).Browser)
	bcid, err := target.CreateBrowserContext().WithDisposeOnDetach(true).Do(exec)
	if err != nil {
		t.Fatalf("a browser context for the lead: %v", err)
	}
	tid, err := target.CreateTarget("about:blank").WithBrowserContextID(bcid).WithNewWindow(true).Do(exec)
	if err != nil {
		t.Fatalf("the lead's tab: %v", err)
	}
	lead, cancel := chromedp.NewContext(screen, chromedp.WithTargetID(tid))
	defer cancel()
	pollLead := screenPoller(t, lead, 50*time.Millisecond, seen)
	logIn(lead, "/lead", "lead")
	card := fmt.Sprintf(`article.task[data-id="%s"]`, tk.ID)
	pollLead("the lead's task card", fmt.Sprintf(`document.querySelector('#conn')?.dataset.state === 'live'
		&& !!document.querySelector('%s') && !document.querySelector('%s span.fence')`, card, card))

	// Fixes 5 s apart (300 m each, within the filter's top speed), device
	// times 20 minutes ago: the team comes within 200 m and stays for the
	// minute of the dwell.
	start := time.Now().UTC().Add(-20 * time.Minute).Truncate(time.Second)
	e.track("t1", start, []float64{1000, 700, 400, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100})
	note := func(sel, key, text string) string {
		return fmt.Sprintf(`(() => { const f = document.querySelector('%s span.fence'); return !!f && f.dataset.fence === '%s' && f.textContent.includes('%s'); })()`,
			sel, key, text)
	}
	pollScreen("the screen's arrival note", note(answer, "fenceIn", "到达(围栏)"))
	pollLead("the lead's arrival note", note(card, "fenceIn", "到达(围栏)"))

	// It drives off and stays away for the minute.
	e.track("t1", start.Add(16*5*time.Second), []float64{400, 700, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000})
	pollScreen("the screen's left-scene note", note(answer, "fenceOut", "离开现场(围栏)"))
	pollLead("the lead's left-scene note", note(card, "fenceOut", "离开现场(围栏)"))
}
