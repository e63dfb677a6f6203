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
// toast, a pick whose route ends in a red zone carries the red tag, and a
// replayed moment shows the zones as known then.
func TestScreenZones(t *testing.T) {
	chromium(t)
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

	tab := screenAs(t, e, "commander", `JSON.stringify({zones: window.dispatchdZones,
		plan: document.querySelector('#plan')?.innerText})`)
	poll, run := tab.poll, tab.run
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

	// A newer flood forecast replaces now-red; replaying a moment before
	// it shows now-red as it stood then, back to live the newer one.
	mid := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	untilClock(mid.Add(200 * time.Millisecond))
	e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
		zoneFeature("flood-2", "orange", "flood", 121.0, 31.0, 0.05, now.Add(-time.Hour), now.Add(2*time.Hour)))), 201, nil)
	poll("the newer forecast live", fmt.Sprintf(`%s === 'flood-2,late-blue'`, ids))
	run("replay the moment before", chromedp.Evaluate(fmt.Sprintf(`(dispatchdReplay.enter(%d), true)`, mid.UnixMilli()), nil))
	poll("the zones as known then", fmt.Sprintf(`dispatchdZones.replay && dispatchdZones.at === '%s' && %s === 'late-blue,now-red'
		&& document.querySelector('#zones-time button[data-offset="24"]').disabled`, mid.Format(time.RFC3339), ids))
	run("back to live", chromedp.Evaluate(`(dispatchdReplay.leave(), true)`, nil))
	poll("the zones now again", fmt.Sprintf(`!dispatchdZones.replay && %s === 'flood-2,late-blue'`, ids))

	// The team's lead, on its page, gets a red banner when the team
	// enters another red zone.
	e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
		zoneFeature("second-red", "red", "hazmat", 120.22, 30.22, 0.02, now.Add(-time.Hour), now.Add(time.Hour)))), 201, nil)
	tab.login(e, "/lead", "lead")
	poll("the lead's page live", `document.querySelector('#conn')?.dataset.state === 'live'`)
	e.moveAt("t1", 120.225, 30.225, now.Add(-30*time.Second))
	poll("the lead's banner", `!document.querySelector('#zone-alert').hidden &&
		document.querySelector('#zone-alert p[data-zone="second-red"]')?.textContent.includes('区域 second-red')`)
}
