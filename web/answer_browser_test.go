package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dispatchd/web/browsertest"
)

// chromium returns the browser the page tests drive.
func chromium(t testing.TB) string {
	t.Helper()
	return browsertest.Chromium(t)
}

// sharedChromium is the one Chromium that the package's page tests
// share; TestMain stops it.
var sharedChromium browsertest.Shared

// chromiumTab opens a tab in a browser context of its own (its own
// storage, cookies and cache, as with a Chromium of its own) in the
// package's shared Chromium, which runs with software WebGL for the
// screen's map, and returns it; the tab closes when the test ends, its
// context is done after timeout. screen (the page is the screen, with a
// map) asks for nothing more now that every tab can draw a map; the
// parameter stays for the callers.
func chromiumTab(t *testing.T, exe string, screen bool, timeout time.Duration) context.Context {
	t.Helper()
	tab, _ := sharedChromium.Tab(t, exe)
	ctx, cancel := context.WithTimeout(tab, timeout)
	t.Cleanup(cancel)
	return ctx
}

// screenPoller returns a function that waits for a JavaScript expression
// to be true in the tab, every interval, and fails the test with what
// seen reads of the page when it does not. The first wait is long: on a
// machine busy with other browsers (the rest of make test) the screen
// may take long to load.
func screenPoller(t *testing.T, ctx context.Context, interval time.Duration, seen string) func(what, expr string) {
	wait := 150 * time.Second
	return func(what, expr string) {
		t.Helper()
		err := chromedp.Run(ctx, chromedp.Poll(expr, nil, chromedp.WithPollingInterval(interval),
			chromedp.WithPollingTimeout(wait)))
		wait = 60 * time.Second
		if err != nil {
			var page string
			_ = chromedp.Run(ctx, chromedp.Evaluate(seen, &page))
			t.Fatalf("%s: %v\nthe page:\n%s", what, err, page)
		}
	}
}

// TestOneTapPageInChromium opens a recipient's link in Chromium as a
// phone (a 390×844 touch screen; the page has no script, its CSP allows
// none):
// the page shows the warning's headline and deadline and the button,
// opening it answers nothing; one tap answers, the page says so, and the
// API shows the recipient answered via the page.
func TestOneTapPageInChromium(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t, "sqlite")
	warningWorld(e)
	w := e.issue("commander", "330127")
	rcp := e.recipientOf(w.ID, "330127")
	code := linkCode(e, rcp.ID)

	ctx := chromiumTab(t, exe, false, 90*time.Second)

	var headline, deadline, answered string
	var buttonW, viewportW float64
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(3), chromedp.EmulateTouch),
		chromedp.Navigate(e.url+"/a/"+code),
		chromedp.WaitVisible("#answer", chromedp.ByQuery),
		chromedp.Text("#headline", &headline, chromedp.ByQuery),
		chromedp.Text("#deadline", &deadline, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("open the link: %v", err)
	}
	if headline != "淳安县气象台发布暴雨橙色预警" || !strings.Contains(deadline, "请于") || !strings.Contains(deadline, "Please answer by") {
		t.Fatalf("got headline %q, deadline %q", headline, deadline)
	}
	if got := e.recipient(w.ID, rcp.ID); got.AnsweredAt != nil {
		t.Fatalf("opening the link answered: %+v", got)
	}
	// The button spans the phone's width, a thumb's target.
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`document.querySelector('#answer').getBoundingClientRect().width`, &buttonW),
		chromedp.Evaluate(`window.innerWidth`, &viewportW))
	if err != nil {
		t.Fatal(err)
	}
	if viewportW != 390 || buttonW < 0.8*viewportW {
		t.Errorf("got a button %.0f px wide in a viewport of %.0f, want the page laid out for the phone", buttonW, viewportW)
	}
	err = chromedp.Run(ctx,
		chromedp.Click("#answer", chromedp.ByQuery),
		chromedp.WaitVisible("#answered", chromedp.ByQuery),
		chromedp.Text("#answered", &answered, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("tap the button: %v", err)
	}
	if !strings.Contains(answered, "已确认") || !strings.Contains(answered, "Answered") {
		t.Fatalf("after the tap the page says %q", answered)
	}
	got := e.recipient(w.ID, rcp.ID)
	if got.State != "answered" || got.AnsweredVia != "page" || got.AnsweredAt == nil {
		t.Fatalf("after the tap: got %+v, want answered via page", got)
	}
}
