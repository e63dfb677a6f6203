package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenWarnings drives the large screen in Chromium: the warnings
// panel lists the active warnings in their level's colour, with the
// countdown to the deadline and, per region, the answer rate and the
// names of those who have not answered; a phone answer recorded at the
// console shows within the panel live, and an escalation blinks.
func TestScreenWarnings(t *testing.T) {
	chromium(t)
	e := newEnv(t, "sqlite")
	built(t, e)
	warningWorld(e)
	orange := e.issue("commander", "330127", "330122")
	red := newWarning("330182")
	red["level"], red["headline"], red["answer_within_s"] = "red", "建德市山洪红色预警", 1
	var redW warningOut
	e.mustJSON(e.as("commander", "POST", "/api/v1/warnings", red), 201, &redW)

	tab := screenAs(t, e, "commander", `document.querySelector('#warnings-panel')?.innerText || ''`)
	ctx, poll := tab.ctx, tab.poll
	sel := func(id string) string { return `document.querySelector('#warnings li.warning[data-id="` + id + `"]')` }
	poll("the warnings listed", sel(orange.ID)+` && `+sel(redW.ID))
	// The red one first, each edged in its level's colour.
	poll("red before orange, coloured", `(() => {
		const ws = [...document.querySelectorAll('#warnings li.warning')];
		const c = (el) => getComputedStyle(el).borderLeftColor;
		return ws[0].dataset.id === '`+redW.ID+`' && c(ws[0]) === 'rgb(215, 0, 15)' && c(ws[1]) === 'rgb(240, 131, 0)';
	})()`)
	poll("the countdown runs", sel(orange.ID)+`.querySelector('.countdown').textContent.match(/^\d+:\d\d$/)`)
	poll("the unanswered named", sel(orange.ID)+`.querySelector('li.wregion[data-region="330127"] .unanswered').textContent.includes('值班员 330127')`)
	poll("no answer yet", sel(orange.ID)+`.querySelector('li.wregion[data-region="330127"] .rate').textContent.startsWith('0/1')`)
	// The console records a phone answer: the screen follows live, by
	// the warnings topic.
	var events int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`window.dispatchdState.warningEvents || 0`, &events)); err != nil {
		t.Fatal(err)
	}
	rcp := e.recipientOf(orange.ID, "330127")
	e.mustJSON(e.as("commander", "POST", "/api/v1/warnings/"+orange.ID+"/recipients/"+rcp.ID+"/answer", nil), 200, nil)
	poll("the answer's event", fmt.Sprintf(`(window.dispatchdState.warningEvents || 0) > %d`, events))
	poll("the answer shown", sel(orange.ID)+`.querySelector('li.wregion[data-region="330127"] .rate').textContent.startsWith('1/1')`+
		` && !`+sel(orange.ID)+`.querySelector('li.wregion[data-region="330127"] .unanswered')`)
	// The red warning's second passes: its recipient escalates, and the
	// warning and its region blink.
	for tries := 0; ; tries++ {
		n, err := e.warnings.Escalate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if tries == 600 {
			t.Fatal("the red warning's recipient never came due")
		}
		time.Sleep(100 * time.Millisecond)
	}
	poll("the escalation blinks", `(() => {
		const w = `+sel(redW.ID)+`;
		const r = w?.querySelector('li.wregion[data-region="330182"]');
		return w && w.classList.contains('escalated') && getComputedStyle(w).animationName === 'blink'
			&& r && getComputedStyle(r).animationName === 'blink';
	})()`)
	var text string
	if err := chromedp.Run(ctx, chromedp.Text("#warnings-panel", &text, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "建德市山洪红色预警") {
		t.Fatalf("the panel reads:\n%s", text)
	}
}
