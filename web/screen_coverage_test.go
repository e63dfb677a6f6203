package web_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"dispatchd/coverage"
)

// TestScreenCoverage drives the coverage layer in Chromium: the commander
// picks mine rescue; the map shades the cells of the two counties, the
// list names 淳安县 below the threshold; once 淳安县's only team is
// dispatched and a node records the gap, the screen shows a toast and no
// cell of 淳安县 stays covered.
func TestScreenCoverage(t *testing.T) {
	chromium(t)
	e := newEnv(t, "sqlite")
	built(t, e)
	coverageWorld(e)
	ctx := context.Background()
	// Once the dispatch view has both teams, a node with a threshold of
	// 10% records the first state: no gap.
	var cov coverageOut
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		e.mustJSON(e.as("viewer", "GET", "/api/v1/coverage?region=330100&capability=mine_rescue", nil), 200, &cov)
		if len(cov.Counties) == 2 && cov.Counties[0].Covered > 0 && cov.Counties[1].Covered > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the teams never cover their counties: %+v", cov)
		}
	}
	node := coverage.NewService(coverage.Config{Gap: 0.1}, e.proj, e.regs)
	node.SetGaps(e.store)
	if n, err := node.Check(ctx); err != nil || n != 0 {
		t.Fatalf("the first check: %d events, %v; want none", n, err)
	}

	tab := screenAs(t, e, "commander", `JSON.stringify({c: window.dispatchdState?.coverage,
		options: [...document.querySelectorAll('#coverage-cap option')].map((o) => o.value)})`)
	poll := tab.poll
	poll("the capability is offered and picked", `(() => {
		const s = document.querySelector('#coverage-cap');
		if (!s || !window.dispatchdState?.teams?.size) return false;
		s.dispatchEvent(new Event('focus'));
		if (s.value !== 'mine_rescue') { s.value = 'mine_rescue'; s.dispatchEvent(new Event('change')); }
		return s.value === 'mine_rescue';
	})()`)
	cells := `dispatchdMap.getSource('coverage')?.serialize().data.features`
	poll("the cells are drawn and 淳安县 is listed", `(`+cells+` || []).reduce((n, f) => n + f.properties.cells, 0) === `+strconv.Itoa(cov.Cells)+
		` && window.dispatchdState.coverage.gaps.some((g) => g.region === '330127')
		&& document.querySelector('.coverage-gaps li[data-region="330127"]')?.textContent.includes('淳安县')
		&& `+cells+`.some((f) => f.properties.county === '330127' && f.properties.covered)`)

	id := newIncident(e, "cov-screen", map[string]any{"location": map[string]float64{"lon": 119.7, "lat": 29.45},
		"needs": map[string]any{"teams": []map[string]any{{"capability": "mine_rescue", "count": 1}}}})
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{
		"tasks": []map[string]any{{"team": "c1", "need": "mine_rescue"}}}), 201, nil)
	for deadline := time.Now().Add(10 * time.Second); ; {
		n, err := node.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no coverage.gap after the dispatch")
		}
		time.Sleep(50 * time.Millisecond)
	}
	poll("the gap shows a toast and the layer follows", `window.dispatchdState.coverage.toasts >= 1
		&& document.querySelector('.coverage-toast.gap')?.textContent.includes('淳安县')
		&& !`+cells+`.some((f) => f.properties.county === '330127' && f.properties.covered)`)
}
