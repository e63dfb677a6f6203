package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenTab is a Chromium tab of its own, logged in to a page of the
// server: the screen tests' browser.
type screenTab struct {
	t   *testing.T
	ctx context.Context
	// poll waits for a JavaScript expression to be true (screenPoller).
	poll func(what, expr string)
}

// screenAs opens the large screen in Chromium, in a 1920×1080 window, and
// logs in as user; seen is what a failed poll shows of the page.
func screenAs(t *testing.T, e *env, user, seen string) *screenTab {
	t.Helper()
	s := &screenTab{t: t, ctx: chromiumTab(t, chromium(t), true, 300*time.Second)}
	s.poll = screenPoller(t, s.ctx, 50*time.Millisecond, seen)
	s.run("the window", chromedp.EmulateViewport(1920, 1080))
	s.login(e, "/screen", user)
	return s
}

// login opens page and logs in as user (password "secret").
func (s *screenTab) login(e *env, page, user string) {
	s.t.Helper()
	s.run("log in as "+user+" on "+page, chromedp.Navigate(e.url+page),
		chromedp.WaitVisible("#login-user", chromedp.ByQuery),
		chromedp.SendKeys("#login-user", user, chromedp.ByQuery),
		chromedp.SendKeys("#login-pass", "secret", chromedp.ByQuery),
		chromedp.Click("#login-submit", chromedp.ByQuery))
}

// run runs actions in the tab, failing the test with what on an error.
func (s *screenTab) run(what string, actions ...chromedp.Action) {
	s.t.Helper()
	if err := chromedp.Run(s.ctx, actions...); err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}
