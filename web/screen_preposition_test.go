package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"dispatchd"
	"dispatchd/zones"
)

// forecast is a zone source over zones in memory, as the zones service
// answers.
type forecast []zones.Zone

func (f forecast) Zone(_ context.Context, id string) (*zones.Zone, error) {
	for i := range f {
		if f[i].ID == id {
			return &f[i], nil
		}
	}
	return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "zone %s not found", id)
}

func (f forecast) InForce(_ context.Context, t time.Time) ([]zones.Zone, error) {
	var out []zones.Zone
	for _, z := range f {
		if z.ValidAt(t) {
			out = append(out, z)
		}
	}
	return out, nil
}

// TestScreenPreposition drives the large screen in Chromium: the 预置
// button plans the red zone in force, the plan shows, its confirmation
// dispatches it whole, and the panel lists the pre-positioning with its
// progress and a marker at its staging point; a delivery shows.
func TestScreenPreposition(t *testing.T) {
	chromium(t)
	e := newEnv(t, "sqlite")
	built(t, e)
	setupBoard(e)
	floodTemplate(e, 200)
	now := time.Now()
	e.board.SetZones(forecast{{ID: "zr", Name: "钱塘江北岸", Hazard: "flood", Level: zones.Red, ValidFrom: now.Add(-time.Hour), ValidTo: now.Add(6 * time.Hour),
		Geometry: orb.Polygon{{{120.18, 30.21}, {120.22, 30.21}, {120.22, 30.25}, {120.18, 30.25}, {120.18, 30.21}}}}})

	tab := screenAs(t, e, "commander", `document.querySelector('#prepositions')?.innerText || ''`)
	ctx, poll := tab.ctx, tab.poll
	poll("the panel, empty", `(window.dispatchdState.prepositionLoads || 0) > 0 && !document.querySelector('#prepositions li.preposition')`)
	if err := chromedp.Run(ctx, chromedp.Click("#preposition-plan", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	poll("the plan shown", `document.querySelector('#prepositions .zone-plan[data-zone="zr"]')?.innerText.includes('钱塘江北岸')`)
	if err := chromedp.Run(ctx, chromedp.Click("#preposition-confirm", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	poll("listed with its progress", `document.querySelector('#prepositions li.preposition .orders')?.textContent.endsWith('0/1')`)
	poll("the staging marker", `!!document.querySelector('.preposition-marker')`)
	poll("the time left", `/\d/.test(document.querySelector('#prepositions li.preposition .left').textContent)`)

	var list struct{ Items []prepositionOut }
	e.mustJSON(e.as("viewer", "GET", "/api/v1/prepositions", nil), 200, &list)
	if len(list.Items) != 1 {
		t.Fatalf("got %d pre-positionings, want the one confirmed", len(list.Items))
	}
	var p prepositionOut
	e.mustJSON(e.as("viewer", "GET", "/api/v1/prepositions/"+list.Items[0].ID, nil), 200, &p)
	o := p.Orders[0].ID
	// The panel follows the events, well within its fallback poll of a
	// minute: an order delivered, then a pre-positioning made elsewhere.
	start := time.Now()
	e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+o+"/confirm", nil), 200, nil)
	e.mustJSON(e.as("manager", "POST", "/api/v1/orders/"+o+"/ship", nil), 200, nil)
	e.mustJSON(e.as("commander", "POST", "/api/v1/orders/"+o+"/deliver", nil), 200, nil)
	poll("the delivery shown", `document.querySelector('#prepositions li.preposition .orders')?.textContent.endsWith('1/1')`)
	e.mustJSON(e.as("commander", "POST", "/api/v1/prepositions", map[string]any{"zone": redZone("z2"),
		"staging": map[string]float64{"lon": 120.19, "lat": 30.22},
		"orders":  []any{map[string]any{"depot": "d1", "lines": []any{map[string]any{"item": "1010101", "qty": 5}}}}}), 201, nil)
	poll("the new one listed", `document.querySelectorAll('#prepositions li.preposition').length === 2`)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the panel took %v to follow the events: it polls instead", d)
	}
}
