package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"dispatchd/realtime"
)

// moveAt reports a team's fix with a past device time, and writes it to
// the history as the history writer of dispatchd serve does.
func (e *env) moveAt(team string, lon, lat float64, ts time.Time) {
	e.t.Helper()
	e.mustJSON(e.as("commander", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
		{"team": team, "lon": lon, "lat": lat, "ts": ts}}}), 200, nil)
	if err := e.store.AppendPositions(context.Background(), []realtime.Position{{Team: team, Lon: lon, Lat: lat, TS: ts}}); err != nil {
		e.t.Fatal(err)
	}
}

// untilClock waits until the wall clock passes t: the events of a replay
// test take their times from it.
func untilClock(t time.Time) { time.Sleep(time.Until(t)) }

// TestScreenReplay drives the screen's time control in Chromium: at a
// moment T the screen shows what existed then (an incident created later
// is absent, a team at its fix at T, its task waiting), and live events are
// not applied; played at 1× the clock runs and paused it holds; at 60× the
// later incident appears, the team moves to its later fixes with a trail
// behind it; back to live shows the present.
func TestScreenReplay(t *testing.T) {
	chromium(t)
	e := newEnv(t, "sqlite")
	built(t, e)
	setupBoard(e)
	e.checkpoint()
	a := newIncident(e, "replay-a", nil)
	var res struct{ Tasks []struct{ ID string } }
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+a+"/dispatch", map[string]any{
		"tasks": []map[string]any{{"team": "t2", "instructions": "堤坝巡查"}}}), 201, &res)
	at := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	e.moveAt("t2", 120.2200, 30.2200, at.Add(-100*time.Second))
	e.moveAt("t2", 120.2300, 30.2200, at.Add(-50*time.Second))
	e.moveAt("t2", 120.2400, 30.2200, at.Add(-2*time.Second)) // its fix at T
	untilClock(at.Add(1500 * time.Millisecond))
	b := newIncident(e, "replay-b", map[string]any{"title": "西湖区内涝", "location": map[string]float64{"lon": 120.15, "lat": 30.25}})
	untilClock(at.Add(4100 * time.Millisecond))
	// Within the filter's top speed: about 100 m a second.
	e.moveAt("t2", 120.2410, 30.2200, at.Add(3*time.Second))
	e.moveAt("t2", 120.2420, 30.2200, at.Add(4*time.Second))

	tab := screenAs(t, e, "commander", `JSON.stringify({r: {...window.dispatchdState?.replay, queue: undefined, tracks: undefined, shown: undefined},
				incidents: [...(window.dispatchdState?.incidents?.keys() || [])], t2: window.dispatchdState?.teams?.get('t2'),
				trails: window.dispatchdState?.trails, clock: document.querySelector('#replay-clock')?.dataset.at})`)
	poll, run := tab.poll, tab.run
	const s = `window.dispatchdState`
	has := func(id string) string { return fmt.Sprintf(`%s.incidents.has('%s')`, s, id) }
	listed := func(id string) string {
		return fmt.Sprintf(`!!document.querySelector('#incidents li.incident[data-id="%s"]')`, id)
	}
	onMap := func(id string) string {
		return fmt.Sprintf(`dispatchdMap.getSource('incidents').serialize().data.features.some((f) => f.id === '%s')`, id)
	}
	t2At := func(lon float64) string {
		return fmt.Sprintf(`%s.teams.get('t2')?.position?.lon === %v && dispatchdMap.getSource('teams').serialize().data.features.some((f) => f.id === 't2')`, s, lon)
	}
	poll("the live screen", s+`?.snapshots >= 1 && `+has(b)+` && window.dispatchdReplay`)

	// The moment T: B did not exist yet, t2 was at its fix at T on its task.
	ms := at.UnixMilli()
	run("pick T", chromedp.Evaluate(fmt.Sprintf(`(() => { document.querySelector('#replay-at').value = dispatchdReplay.localInput(%d);
		document.querySelector('#replay-go').click(); return true; })()`, ms), nil))
	poll("the state at T", fmt.Sprintf(`%s.replay.ready && %s.replay.at === %d && document.querySelector('#replay-clock').dataset.at === '%s'
		&& !document.querySelector('#replay-banner').hidden && document.body.classList.contains('replaying')`, s, s, ms, at.Format(time.RFC3339)))
	poll("A shown at T, B not", has(a)+` && !`+has(b)+` && `+listed(a)+` && !`+listed(b)+` && `+onMap(a)+` && !`+onMap(b))
	poll("t2 at its fix at T, its task waiting", t2At(120.24)+fmt.Sprintf(` && !!document.querySelector('#acks li.task[data-id="%s"]')`, res.Tasks[0].ID))

	// A live event while replaying is received but not applied.
	var since int64
	run("the live position", chromedp.Evaluate(`window.dispatchdLive.since`, &since))
	c := newIncident(e, "replay-c", map[string]any{"title": "滨江区火情"})
	poll("the live event received", fmt.Sprintf(`window.dispatchdLive.since > %d`, since))
	poll("the live event not applied", `!`+has(c)+` && !`+listed(c))

	// 1×: the clock runs; paused, it holds, B still to come.
	run("play at 1×", chromedp.Click("#replay-play", chromedp.ByQuery))
	// Paused by the button as soon as the clock has run, in the same
	// breath: however busy the machine, before B.
	poll("the clock runs, then pause", fmt.Sprintf(`%s.replay.playing && %s.replay.at > %d && (document.querySelector('#replay-play').click(), true)`, s, s, ms+300))
	poll("paused", `!`+s+`.replay.playing && document.querySelector('#replay-play').dataset.playing === 'false'`)
	var held []float64
	run("the clock held", chromedp.Evaluate(`(async () => { const a = `+s+`.replay.at, c = document.querySelector('#replay-clock').dataset.at;
		await new Promise((r) => setTimeout(r, 600)); return [a, `+s+`.replay.at, c === document.querySelector('#replay-clock').dataset.at ? 1 : 0]; })()`,
		&held, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if held[0] != held[1] || held[2] != 1 || held[0] >= float64(ms+1500) {
		t.Fatalf("paused at %v, %v after 600 ms (same clock text: %v); want it held before B", held[0], held[1], held[2])
	}
	poll("B not yet", `!`+has(b))

	// 60×: B appears, t2 moves on with its trail behind it.
	run("play at 60×", chromedp.Evaluate(`(() => { const sel = document.querySelector('#replay-speed'); sel.value = '60';
		sel.dispatchEvent(new Event('change')); document.querySelector('#replay-play').click(); return true; })()`, nil))
	poll("B appears", has(b)+` && `+listed(b)+` && `+onMap(b))
	poll("t2 moved", t2At(120.242))
	poll("its trail drawn", `(() => {
		const f = dispatchdMap.getSource('trails').serialize().data.features.find((x) => x.properties.team === 't2');
		return f && f.geometry.coordinates.length >= 4 && f.geometry.coordinates.at(-1)[0] === 120.242
			&& dispatchdMap.getLayer('trails') && document.querySelector('#replay-banner .speed').textContent === '60×';
	})()`)

	// Back to live: the present, C included, no trail, no banner.
	var snaps int
	run("snapshots", chromedp.Evaluate(s+`.snapshots`, &snaps))
	run("back to live", chromedp.Click("#replay-live", chromedp.ByQuery))
	poll("live again", fmt.Sprintf(`%s.snapshots > %d && !%s.replay.on && !document.body.classList.contains('replaying')
		&& document.querySelector('#replay-banner').hidden && document.querySelector('#conn').dataset.state === 'live'`, s, snaps, s))
	poll("the present", has(a)+` && `+has(b)+` && `+has(c)+` && `+listed(c)+` && `+t2At(120.242)+
		` && dispatchdMap.getSource('trails').serialize().data.features.length === 0`)
}
