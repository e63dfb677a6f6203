package web_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenZones drives the screen's risk zones in Chromium: the zones in
// force now are drawn, +24h shows those of tomorrow only, a new import
// shows at once (zones.imported), a team entering a red zone raises a
// toast, and a pick whose route ends in a red zone carries the red tag.
func TestScreenZones(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t, "sqlite")
	built(t, e)
	now := time.Now().UTC().Truncate(time.Second)
	e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
		zoneFeature("now-red", "red", "flood", 120.19, 30.22, 0.02, now.Add(-time.Hour), now.Add(6*time.Hour)),
		zoneFeature("tomorrow", "orange", "typhoon", 120.5, 30.5, 0.3, now.Add(20*time.Hour), now.Add(30*time.Hour)),
	)), 201, nil)
	e.mustJSON(e.as("manager", "POST", "/api/v1/depots/d1/stock/adjustments", map[string]any{"reason": "采购入库",
		"lines": []map[string]any{{"item": "1010101", "delta": 300}}}), 200, nil)
	inc := newIncident(e, "zones-inc", map[string]any{"needs": map[string]any{
		"teams": []map[string]any{{"capability": "fire_fighting", "count": 1}}}})

	ctx := chromiumTab(t, exe, true, 240*time.Second)
	poll := screenPoller(t, ctx, 50*time.Millisecond, `JSON.stringify({zones: window.dispatchdZones,
		plan: document.querySelector('#plan')?.innerText})`)
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("log in", chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(e.url+"/screen"),
		chromedp.WaitVisible("#login-user", chromedp.ByQuery),
		chromedp.SendKeys("#login-user", "commander", chromedp.ByQuery),
		chromedp.SendKeys("#login-pass", "secret", chromedp.ByQuery),
		chromedp.Click("#login-submit", chromedp.ByQuery))
	ids := `(window.dispatchdZones?.features || []).map((f) => f.id).sort().join(',')`
	drawn := `(dispatchdMap.getSource('zones')?.serialize().data.features || []).map((f) => f.properties.level).join(',')`
	poll("the zones in force now", fmt.Sprintf(`%s === 'now-red' && %s === 'red'`, ids, drawn))
	run("+24h", chromedp.Click(`#zones-time button[data-offset="24"]`, chromedp.ByQuery))
	poll("the zones in force in 24 hours", fmt.Sprintf(`%s === 'tomorrow' && %s === 'orange'`, ids, drawn))
	run("now", chromedp.Click(`#zones-time button[data-offset="0"]`, chromedp.ByQuery))
	poll("back to now", fmt.Sprintf(`%s === 'now-red'`, ids))

	// A newer import shows without a reload.
	e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
		zoneFeature("late-blue", "blue", "fire", 120.0, 30.0, 0.05, now.Add(-time.Hour), now.Add(time.Hour)))), 201, nil)
	poll("the new import", fmt.Sprintf(`%s === 'late-blue,now-red'`, ids))

	// The team enters the red zone: a toast.
	e.moveAt("t1", 120.195, 30.225, now.Add(-time.Minute))
	poll("the entry toast", `!!document.querySelector('.zone-toast[data-team="t1"][data-zone="now-red"]')`)

	// The plan of the incident in the red zone tags its pick.
	run("select the incident", chromedp.Evaluate(fmt.Sprintf(`document.querySelector('#incidents li.incident[data-id="%s"]')?.click()`, inc), nil))
	poll("the red tag on the pick", `!!document.querySelector('#plan label.pick span.red-zone[data-zones*="end:now-red"]')`)

	// The team's lead, on its page, gets a red banner when the team
	// enters another red zone.
	e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
		zoneFeature("second-red", "red", "hazmat", 120.22, 30.22, 0.02, now.Add(-time.Hour), now.Add(time.Hour)))), 201, nil)
	run("the lead's page", chromedp.Navigate(e.url+"/lead"),
		chromedp.WaitVisible("#login-user", chromedp.ByQuery),
		chromedp.SendKeys("#login-user", "lead", chromedp.ByQuery),
		chromedp.SendKeys("#login-pass", "secret", chromedp.ByQuery),
		chromedp.Click("#login-submit", chromedp.ByQuery))
	poll("the lead's page live", `document.querySelector('#conn')?.dataset.state === 'live'`)
	e.moveAt("t1", 120.225, 30.225, now.Add(-30*time.Second))
	poll("the lead's banner", `!document.querySelector('#zone-alert').hidden &&
		document.querySelector('#zone-alert p[data-zone="second-red"]')?.textContent.includes('区域 second-red')`)
}
