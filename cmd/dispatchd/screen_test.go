package main

import (
	"fmt"
	"strings"
	"testing"
)

// rollupRow is what the screen's jurisdiction panel shows of a child
// region, and what the summary API says of it.
type rollupRow struct {
	Code     string `json:"code"`
	Open     int    `json:"open"`
	Teams    int    `json:"teams"`
	Incoming int    `json:"incoming"`
	Outgoing int    `json:"outgoing"`
}

// screenRows reads the panel's rows.
func screenRows(tb *tab) []rollupRow {
	var rows []rollupRow
	tb.eval(`[...document.querySelectorAll('#regions tr.child')].map(r => ({code: r.dataset.code, open: +r.dataset.open,
		teams: +r.dataset.teams, incoming: +r.dataset.incoming, outgoing: +r.dataset.outgoing}))`, &rows)
	return rows
}

// apiRows asks the summary API for the same rows.
func apiRows(t *testing.T, p *proc, token, query string) []rollupRow {
	t.Helper()
	var s struct {
		Children []struct {
			Region    struct{ Code string }            `json:"region"`
			Incidents struct{ Open int }               `json:"incidents"`
			Teams     struct{ Total int }              `json:"teams"`
			Support   struct{ Incoming, Outgoing int } `json:"support_requests"`
		} `json:"children"`
	}
	if code := p.call("GET", "/api/v1/summary"+query, token, nil, &s); code != 200 {
		t.Fatalf("summary%s: got %d", query, code)
	}
	rows := []rollupRow{}
	for _, c := range s.Children {
		rows = append(rows, rollupRow{c.Region.Code, c.Incidents.Open, c.Teams.Total, c.Support.Incoming, c.Support.Outgoing})
	}
	return rows
}

// TestScreenJurisdiction drives the large screen's jurisdiction view in
// Chromium on the demo province: a county's commander sees its county and
// nothing above or beside it; the province's commander sees every city
// with the counts the summary API gives, follows a new incident live, and
// drills into 杭州市 (its counties, the map on them) and back up.
func TestScreenJurisdiction(t *testing.T) {
	addr := freeAddr(t)
	p := start(t, demoEnv(t, "sqlite"), "serve", "--addr", addr, "--demo")
	b := newBrowser(t, "http://"+addr)
	token := p.login("commander")
	supportRoute := p.call("GET", "/api/v1/support-requests?direction=incoming", token, nil, nil) != 404

	county := b.open("county", "/screen", "commander-330127", 1920, 1080)
	county.wait(`dispatchdState.summary && dispatchdState.summary.region.code === '330127'`)
	county.wait(`document.querySelector('#jurisdiction').textContent === '淳安县'`)
	var seen struct {
		Crumbs, Children, Open int
		Panel                  string
	}
	county.eval(`({crumbs: document.querySelectorAll('#regions nav.crumbs > *').length,
		children: document.querySelectorAll('#regions tr.child').length,
		open: +document.querySelector('#regions tr.total').dataset.open,
		panel: document.querySelector('#regions').textContent})`, &seen)
	if seen.Crumbs != 1 || seen.Children != 0 || seen.Open != 1 {
		t.Errorf("the county's panel: got %+v, want its county alone with its one open incident", seen)
	}
	for _, other := range []string{"杭州市", "浙江省", "桐庐县"} {
		if strings.Contains(seen.Panel, other) {
			t.Errorf("the county's panel names %s: %q", other, seen.Panel)
		}
	}
	county.wait(fmt.Sprintf(`document.querySelector('#support').hidden === %t`, !supportRoute))
	// Its map opens on its county.
	county.wait(`dispatchdState.snapshots >= 1 && dispatchdState.fittedRegion === '330127' && !dispatchdMap.isMoving()`)
	county.shot("county")

	screen := b.open("province", "/screen", "commander", 1920, 1080)
	screen.wait(`dispatchdState.summary && dispatchdState.summary.region.code === '330000' && dispatchdState.snapshots >= 1`)
	screen.wait(`document.querySelector('#jurisdiction').textContent === '浙江省'`)
	got, want := screenRows(screen), apiRows(t, p, token, "")
	if len(got) != 11 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the cities panel: got %v, want the summary's %v", got, want)
	}
	if got[0].Code != "330100" || got[0].Open != 4 || got[1].Code != "330200" || got[1].Open != 2 {
		t.Errorf("the demo's incidents: got %v, want four in 杭州市 and two in 宁波市", got[:2])
	}

	// A new incident in 桐庐县 reaches the panel over the websocket.
	body := map[string]any{"type": "geological_hazard", "level": 3, "title": "山体滑坡", "region": "330122",
		"location": map[string]float64{"lon": 119.69, "lat": 29.79}}
	if code := p.call("POST", "/api/v1/incidents", token, body, nil); code != 201 {
		t.Fatalf("create incident: got %d", code)
	}
	screen.wait(`document.querySelector('#regions tr.child[data-code="330100"]').dataset.open === '5'`)

	// Drill into 杭州市: its counties, the map on them, a way back up.
	screen.click(`#regions tr.child[data-code="330100"]`)
	screen.wait(`dispatchdState.summary && dispatchdState.summary.region.code === '330100' && document.querySelectorAll('#regions tr.child').length === 13`)
	got, want = screenRows(screen), apiRows(t, p, token, "?region=330100")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("杭州市's counties: got %v, want the summary's %v", got, want)
	}
	screen.wait(`dispatchdState.fittedRegion === '330100' && !dispatchdMap.isMoving()`)
	var bounds [4]float64
	screen.eval(`(() => { const b = dispatchdMap.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()`, &bounds)
	// 杭州市 spans about 118.3-120.8°E, 29.2-30.6°N: the map frames it,
	// not the province (118-123°E, 27-31.2°N).
	if bounds[0] < 117.5 || bounds[2] > 121.6 || bounds[1] < 28.6 || bounds[3] > 31.2 || bounds[0] > 119.2 || bounds[2] < 120.3 {
		t.Errorf("the map after drilling into 杭州市: %v", bounds)
	}
	screen.shot("hangzhou")
	screen.click(`#regions nav.crumbs button.crumb[data-code="330000"]`)
	screen.wait(`dispatchdState.summary && dispatchdState.summary.region.code === '330000' && document.querySelectorAll('#regions tr.child').length === 11`)
	screen.wait(`dispatchdState.fittedRegion === null && !dispatchdMap.isMoving() && dispatchdMap.loaded()`)
	screen.shot("province")
	var loads int
	screen.eval(`dispatchdState.summaryLoads`, &loads)
	if loads > 10 {
		t.Errorf("the panel loaded the summary %d times; it should follow events at most every two seconds", loads)
	}
}

// TestScreenSupportRequests: a request 淳安县 makes of 杭州市 shows on the
// city's screen as received, with the time left to answer it, and on the
// county's as made; the city's answer (a decline) reaches the county's
// screen live.
func TestScreenSupportRequests(t *testing.T) {
	addr := freeAddr(t)
	p := start(t, demoEnv(t, "sqlite"), "serve", "--addr", addr, "--demo")
	countyToken, cityToken := p.login("commander-330127"), p.login("commander-330100")
	if code := p.call("GET", "/api/v1/support-requests?direction=incoming", cityToken, nil, nil); code != 200 {
		t.Fatalf("the city's incoming support requests: got %d", code)
	}
	var incidents struct {
		Items []struct{ ID, Region string } `json:"items"`
	}
	if code := p.call("GET", "/api/v1/incidents?limit=100", countyToken, nil, &incidents); code != 200 {
		t.Fatalf("list incidents: got %d", code)
	}
	flood := ""
	for _, in := range incidents.Items {
		if in.Region == "330127" {
			flood = in.ID
		}
	}
	if flood == "" {
		t.Fatalf("the demo has no incident in 淳安县: %+v", incidents.Items)
	}
	b := newBrowser(t, "http://"+addr)
	city := b.open("city", "/screen", "commander-330100", 1920, 1080)
	county := b.open("county-support", "/screen", "commander-330127", 1920, 1080)
	for _, tb := range []*tab{city, county} {
		tb.wait(`!document.querySelector('#support').hidden && dispatchdState.supportLoads >= 1 && document.querySelector('#conn').dataset.state === 'live'`)
	}

	var req struct{ ID string }
	ask := map[string]any{"incident": flood, "needs": map[string]any{"teams": []map[string]any{{"capability": "water_rescue", "count": 2}}},
		"respond_within_s": 900}
	if code := p.call("POST", "/api/v1/support-requests", countyToken, ask, &req); code != 201 {
		t.Fatalf("request support: got %d", code)
	}
	city.wait(fmt.Sprintf(`(() => { const li = document.querySelector('#support-incoming li.support[data-id="%s"]');
		return li && /^1[45]:\d\d$/.test(li.querySelector('.countdown').textContent) && li.textContent.includes('淳安县'); })()`, req.ID))
	county.visible(fmt.Sprintf(`#support-outgoing li.support[data-id="%s"][data-status="requested"]`, req.ID))
	city.shot("support")

	if code := p.call("POST", "/api/v1/support-requests/"+req.ID+"/decline", cityToken, map[string]any{"reason": "本市水域救援力量已全部出动"}, nil); code != 200 {
		t.Fatalf("decline: got %d", code)
	}
	county.wait(fmt.Sprintf(`(() => { const li = document.querySelector('#support-outgoing li.support[data-id="%s"]');
		return li && li.dataset.status === 'declined' && li.textContent.includes('本市水域救援力量已全部出动'); })()`, req.ID))
}
