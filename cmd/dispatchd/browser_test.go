package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"dispatchd/web/browsertest"
)

// chromium returns the browser the page tests drive.
func chromium(t testing.TB) string {
	t.Helper()
	return browsertest.Chromium(t)
}

// artifacts is where the page tests leave their screenshots.
func artifacts(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("DISPATCH_ARTIFACTS")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "artifacts", "pages")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// browser starts headless Chromium; each tab is a page a user has open.
type browser struct {
	t     testing.TB
	exec  string
	base  string
	dir   string
	mu    sync.Mutex
	sizes map[string]int64 // bytes transferred per page, by tab name
}

func newBrowser(t testing.TB, base string) *browser {
	t.Helper()
	return &browser{t: t, exec: chromium(t), base: base, dir: artifacts(t), sizes: map[string]int64{}}
}

// logSizes reports what each page has transferred so far.
func (b *browser) logSizes() {
	b.mu.Lock()
	defer b.mu.Unlock()
	names := make([]string, 0, len(b.sizes))
	for n := range b.sizes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.t.Logf("transferred by %s: %d KiB", n, b.sizes[n]/1024)
	}
}

// tab is one page, logged in as one user.
type tab struct {
	b    *browser
	name string
	ctx  context.Context
	bcid cdp.BrowserContextID // its browser context
	mu   sync.Mutex
	logs []string
}

// open logs user in on path in a new tab of the given size.
func (b *browser) open(name, path, user string, w, h int64) *tab {
	b.t.Helper()
	tb := b.login(name, path, user, w, h)
	tb.run(chromedp.WaitNotPresent("#login", chromedp.ByQuery))
	return tb
}

// login opens path in a new tab of the given size and submits the login.
func (b *browser) login(name, path, user string, w, h int64) *tab {
	b.t.Helper()
	tb := b.newTab(name)
	tb.run(network.Enable(), chromedp.EmulateViewport(w, h),
		chromedp.Navigate(b.base+path),
		chromedp.WaitVisible("#login-user", chromedp.ByQuery),
		chromedp.SendKeys("#login-user", user, chromedp.ByQuery),
		chromedp.SendKeys("#login-pass", "demo", chromedp.ByQuery),
		chromedp.Click("#login-submit", chromedp.ByQuery))
	return tb
}

// sharedChromium is the one headless Chromium that the package's page
// tests share, started by the first tab and stopped by TestMain.
var sharedChromium struct {
	mu     sync.Mutex
	ctx    context.Context // the browser's first tab; nil until started
	cancel func()
}

// chromiumContext returns the shared Chromium, starting it on first use.
func chromiumContext(t testing.TB, exe string) context.Context {
	t.Helper()
	sharedChromium.mu.Lock()
	defer sharedChromium.mu.Unlock()
	if sharedChromium.ctx != nil {
		return sharedChromium.ctx
	}
	dir, err := os.MkdirTemp("", "dispatchd-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.Flag("headless", "new"),
		// WebGL through SwiftShader, in software: MapLibre needs it.
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	stop := func() {
		cancelCtx()
		cancelAlloc()
		os.RemoveAll(dir)
	}
	if err := chromedp.Run(ctx); err != nil {
		stop()
		t.Fatalf("start Chromium: %v", err)
	}
	sharedChromium.ctx, sharedChromium.cancel = ctx, stop
	return ctx
}

// stopChromium stops the shared Chromium, if a test started it.
func stopChromium() {
	sharedChromium.mu.Lock()
	defer sharedChromium.mu.Unlock()
	if sharedChromium.cancel != nil {
		sharedChromium.cancel()
		sharedChromium.ctx, sharedChromium.cancel = nil, nil
	}
}

// newTab opens a blank tab in a browser context of its own, whose errors
// and console lines it keeps and whose traffic it counts under name.
func (b *browser) newTab(name string) *tab {
	b.t.Helper()
	// Each user has a browser context of their own in the one Chromium:
	// their own storage, cookies and cache, as on their own device, in a
	// window of its own (the default flags keep background pages from
	// being throttled). The context is disposed when the test ends.
	// Each gets a window of its own: Chromium opens a tab of a new
	// browser context in no window of its own.
	bctx := chromiumContext(b.t, b.exec)
	browserExec := cdp.WithExecutor(bctx, chromedp.FromContext(bctx).Browser)
	bcid, err := target.CreateBrowserContext().Do(browserExec)
	if err != nil {
		b.t.Fatalf("new browser context: %v", err)
	}
	b.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		_ = target.DisposeBrowserContext(bcid).Do(cdp.WithExecutor(ctx, chromedp.FromContext(bctx).Browser))
	})
	tid, err := target.CreateTarget("about:blank").WithBrowserContextID(bcid).WithNewWindow(true).Do(browserExec)
	if err != nil {
		b.t.Fatalf("open a tab: %v", err)
	}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithTargetID(tid))
	b.t.Cleanup(cancel)
	tb := &tab{b: b, name: name, ctx: ctx, bcid: bcid}
	// The first Run starts the tab, which lives as long as the context it
	// is given: this one, not a step's timeout.
	if err := chromedp.Run(ctx); err != nil {
		b.t.Fatalf("open a tab: %v", err)
	}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *cdpruntime.EventExceptionThrown:
			tb.log("exception: " + e.ExceptionDetails.Error())
		case *cdpruntime.EventConsoleAPICalled:
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			tb.log(string(e.Type) + ": " + strings.Join(parts, " "))
		case *network.EventLoadingFinished:
			b.mu.Lock()
			b.sizes[name] += int64(e.EncodedDataLength)
			b.mu.Unlock()
		case *network.EventWebSocketFrameReceived:
			b.mu.Lock()
			b.sizes[name+" (websocket)"] += int64(len(e.Response.PayloadData))
			b.mu.Unlock()
		}
	})
	return tb
}

func (tb *tab) log(s string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.logs = append(tb.logs, s)
}

// run runs actions with a bound, and on failure says what the page logged.
func (tb *tab) run(actions ...chromedp.Action) {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		tb.mu.Lock()
		logs := strings.Join(tb.logs, "\n")
		tb.mu.Unlock()
		tb.shot("failed")
		tb.b.t.Fatalf("%s: %v\npage log:\n%s", tb.name, err, logs)
	}
}

// wait waits until the JavaScript expression is true.
func (tb *tab) wait(expr string) {
	tb.b.t.Helper()
	tb.run(chromedp.Poll(expr, nil, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)))
}

func (tb *tab) visible(sel string) {
	tb.b.t.Helper()
	tb.run(chromedp.WaitVisible(sel, chromedp.ByQuery))
}

// click clicks the element once it is shown. The page redraws panels as
// events arrive, so the element is found and clicked in one step inside the
// page: a node found in one call may be gone by the next.
func (tb *tab) click(sel string) {
	tb.b.t.Helper()
	q, _ := json.Marshal(sel)
	tb.wait(fmt.Sprintf(`(() => { const el = document.querySelector(%s);
		if (!el || !el.getClientRects().length) return false;
		el.click(); return true; })()`, q))
}

func (tb *tab) eval(expr string, v any) {
	tb.b.t.Helper()
	tb.run(chromedp.Evaluate(expr, v))
}

// shot saves a screenshot of the tab as a test artifact.
func (tb *tab) shot(label string) {
	var png []byte
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		tb.b.t.Logf("screenshot %s: %v", label, err)
		return
	}
	name := filepath.Join(tb.b.dir, tb.name+"-"+label+".png")
	if err := os.WriteFile(name, png, 0o644); err != nil {
		tb.b.t.Logf("screenshot %s: %v", label, err)
	}
}

// TestPages drives the pages in real Chromium against a real dispatchd
// with the demo province: the large screen with the commander's plan, the
// team lead's page with its offline outbox, the depot manager's page, and
// the screen's recovery after the server restarts.
func TestPages(t *testing.T) {
	addr := freeAddr(t)
	env := demoEnv(t, "sqlite")
	p := start(t, env, "serve", "--addr", addr, "--demo")
	base := "http://" + addr
	token := p.login("commander")
	b := newBrowser(t, base)

	// Each role logs in on its page; the large screen loads the province.
	screen := b.open("screen", "/screen", "commander", 1920, 1080)
	screen.wait(`window.dispatchdState && dispatchdState.snapshots >= 1 && dispatchdState.teams.size > 500 && dispatchdState.depots.size > 3000`)
	screen.wait(`document.querySelector('#conn').dataset.state === 'live'`)
	screen.wait(`dispatchdMap.loaded() && dispatchdMap.getSource('teams') && dispatchdMap.querySourceFeatures('teams').length > 0 && dispatchdMap.getLayer('b-cities-33-line') !== undefined`)

	// An incident created over the API appears on the screen.
	var inc struct{ ID string }
	body := map[string]any{"type": "flood", "level": 1, "title": "钱塘江堤防管涌", "location": map[string]float64{"lon": 120.2, "lat": 30.25},
		"needs": map[string]any{"teams": []map[string]any{{"capability": "water_rescue", "count": 1}},
			"items": []map[string]any{{"item": "1010101", "qty": 50}}}}
	if code := p.call("POST", "/api/v1/incidents", token, body, &inc); code != 201 {
		t.Fatalf("create incident: got %d", code)
	}
	screen.visible(fmt.Sprintf(`li.incident[data-id="%s"]`, inc.ID))

	// Positions move a team on the map.
	var moved struct{ Accepted int }
	fix := map[string]any{"positions": []map[string]any{{"team": "team-0005", "lon": 120.31, "lat": 30.31, "ts": time.Now().UTC().Format(time.RFC3339)}}}
	if code := p.call("POST", "/api/v1/positions", token, fix, &moved); code != 200 || moved.Accepted != 1 {
		t.Fatalf("post position: got %d %+v", code, moved)
	}
	screen.wait(`(() => { const f = dispatchdMap.querySourceFeatures('teams', {filter: ['==', ['get', 'id'], 'team-0005']})[0];
		return f && Math.abs(f.geometry.coordinates[0] - 120.31) < 1e-4 && Math.abs(f.geometry.coordinates[1] - 30.31) < 1e-4; })()`)

	// The commander opens the incident: the plan is drawn, then dispatched.
	screen.click(fmt.Sprintf(`li.incident[data-id="%s"]`, inc.ID))
	screen.visible(`#plan label.pick[data-team] input:checked`)
	screen.wait(`dispatchdState.planLines >= 2 && document.querySelectorAll('.eta-tag').length === dispatchdState.planLines`)
	screen.shot("plan")

	// The commander adjusts it: the first alternate instead of the pick,
	// and fewer tents from the first depot.
	var planned struct {
		Pick, Alt string
		Depots    []string
	}
	screen.eval(`({pick: document.querySelector('#plan label.pick[data-team]:not(.alt)').dataset.team,
		alt: document.querySelector('#plan label.pick.alt[data-team]').dataset.team,
		depots: [...document.querySelectorAll('#plan label.pick[data-depot]')].map(e => e.dataset.depot)})`, &planned)
	if planned.Alt == "" || planned.Alt == planned.Pick || len(planned.Depots) < 2 {
		t.Fatalf("the plan offers no alternate or too few depots: %+v", planned)
	}
	screen.click(fmt.Sprintf(`#plan label.pick[data-team="%s"]:not(.alt) input`, planned.Pick))
	screen.wait(`dispatchdState.plan.off.size === 1`)
	// Unticked, the pick asks why: the reason goes with the dispatch.
	reasonInput := fmt.Sprintf(`#plan input.skip-reason[data-skip="t:water_rescue:%s"]`, planned.Pick)
	screen.visible(reasonInput)
	screen.run(chromedp.SendKeys(reasonInput, "队伍正在休整", chromedp.ByQuery))
	screen.click(`#plan details summary`)
	screen.wait(`document.querySelector('#plan details').open`)
	screen.click(fmt.Sprintf(`#plan label.pick.alt[data-team="%s"] input`, planned.Alt))
	screen.wait(`dispatchdState.plan.on.size === 1`)
	screen.run(chromedp.Evaluate(`(() => { const q = document.querySelector('#plan label.pick[data-depot] input.qty');
		q.value = 5; q.dispatchEvent(new Event('change')); })()`, nil))
	screen.wait(`dispatchdState.planLines >= 2 && document.querySelector('#plan label.pick[data-depot] input.qty').value === '5'`)

	// The alternate's lead has the page open: the task arrives live, with
	// an alert.
	lead := b.open("lead", "/lead", "lead-"+planned.Alt, 412, 915)
	lead.visible(`p.none`)
	screen.click(`#dispatch`)
	screen.visible(`#dispatch-result`)
	var task struct{ ID, Team, Suggestion string }
	screen.eval(`[...dispatchdState.tasks.values()].find(k => k.incident === '`+inc.ID+`')`, &task)
	if task.Team != planned.Alt || task.Suggestion == "" {
		t.Fatalf("dispatched team %q from suggestion %q, the commander chose %q from the plan shown", task.Team, task.Suggestion, planned.Alt)
	}
	// The review sets the pick against the alternate chosen, with the
	// reason typed.
	var review struct {
		Proposals []struct {
			Suggestion string
			Teams      []struct {
				Team, Instead, Reason string
				Chosen                bool
			}
		}
	}
	if code := p.call("GET", "/api/v1/incidents/"+inc.ID+"/review", token, nil, &review); code != 200 || len(review.Proposals) != 1 ||
		review.Proposals[0].Suggestion != task.Suggestion || len(review.Proposals[0].Teams) != 1 {
		t.Fatalf("review: got %d %+v, want the dispatch from suggestion %s", code, review.Proposals, task.Suggestion)
	}
	if pk := review.Proposals[0].Teams[0]; pk.Team != planned.Pick || pk.Chosen || pk.Instead != planned.Alt || pk.Reason != "队伍正在休整" {
		t.Fatalf("review: got pick %+v, want %s passed over for %s with the reason typed", pk, planned.Pick, planned.Alt)
	}
	var orders []struct {
		ID, Depot string
		Lines     []struct {
			Item string
			Qty  int
		}
	}
	screen.eval(`[...dispatchdState.orders.values()].filter(o => o.incident === '`+inc.ID+`')`, &orders)
	first := -1
	for i, o := range orders {
		if o.Depot == planned.Depots[0] {
			first = i
		}
	}
	if len(orders) != len(planned.Depots) || first < 0 || orders[first].Lines[0].Qty != 5 {
		t.Fatalf("orders: got %+v, want one per planned depot %v and 5 tents from the first", orders, planned.Depots)
	}
	order, other := orders[first], orders[(first+1)%len(orders)]
	screen.visible(fmt.Sprintf(`li.answer[data-task="%s"][data-status="assigned"]`, task.ID))
	screen.visible(fmt.Sprintf(`#acks li.task[data-id="%s"] .countdown`, task.ID))

	// The team lead acknowledges it.
	lead.visible(fmt.Sprintf(`article.task[data-id="%s"] button.ack`, task.ID))
	lead.wait(`window.dispatchdAlerts === 1`)
	lead.shot("task")
	lead.click(fmt.Sprintf(`article.task[data-id="%s"] button.ack`, task.ID))
	screen.visible(fmt.Sprintf(`li.answer[data-task="%s"][data-status="acknowledged"]`, task.ID))
	lead.visible(fmt.Sprintf(`article.task[data-id="%s"][data-status="acknowledged"] button.next`, task.ID))

	// The lead's phone shares its location: the team moves on the screen.
	lead.run(cdpbrowser.SetPermission(&cdpbrowser.PermissionDescriptor{Name: "geolocation"}, cdpbrowser.PermissionSettingGranted).WithOrigin(base).
		WithBrowserContextID(lead.bcid),
		emulation.SetGeolocationOverride().WithLatitude(30.2612).WithLongitude(120.1877).WithAccuracy(8))
	lead.click(`#share`)
	lead.visible(`#share.on`)
	screen.wait(`(() => { const tm = dispatchdState.teams.get('` + task.Team + `');
		return tm && tm.position && Math.abs(tm.position.lon - 120.1877) < 1e-4 && Math.abs(tm.position.lat - 30.2612) < 1e-4; })()`)

	var since int64
	screen.eval(`dispatchdLive.since`, &since)

	// Offline, the lead's next step waits in the outbox and is sent once
	// when the network returns.
	lead.run(offline(true)...)
	lead.click(fmt.Sprintf(`article.task[data-id="%s"] button.next[data-to="en_route"]`, task.ID))
	lead.visible(`#queue:not([hidden])`)
	lead.shot("offline")
	if st := taskStatus(t, p, token, task.ID); st != "acknowledged" {
		t.Fatalf("while offline the task became %q", st)
	}
	lead.run(offline(false)...)
	lead.wait(`document.querySelector('#queue').hidden`)
	screen.visible(fmt.Sprintf(`li.answer[data-task="%s"][data-status="en_route"]`, task.ID))
	if n := countEvents(t, p, token, since, "task.en_route", task.ID); n != 1 {
		t.Fatalf("task.en_route events: got %d, want 1", n)
	}

	// The depot manager confirms the order and ships it; the screen shows
	// each step, and the stock leaves the depot.
	depot := b.open("depot", "/depot", "mgr-"+order.Depot, 1280, 800)
	depot.visible(fmt.Sprintf(`article.order[data-id="%s"] button.confirm`, order.ID))
	stockRow := `table.stock tr[data-item="1010101"]`
	depot.visible(stockRow)
	var before []string
	depot.eval(`[...document.querySelectorAll('`+stockRow+` td')].map(td => td.textContent)`, &before)
	depot.click(fmt.Sprintf(`article.order[data-id="%s"] button.confirm`, order.ID))
	depot.visible(fmt.Sprintf(`article.order[data-id="%s"][data-status="confirmed"] button.ship`, order.ID))
	screen.visible(fmt.Sprintf(`li.answer[data-order="%s"][data-status="confirmed"]`, order.ID))
	depot.shot("orders")
	depot.click(fmt.Sprintf(`article.order[data-id="%s"] button.ship`, order.ID))
	screen.visible(fmt.Sprintf(`li.answer[data-order="%s"][data-status="shipped"]`, order.ID))
	onHand, err := strconv.Atoi(before[1])
	if err != nil {
		t.Fatalf("stock row %q: %v", before, err)
	}
	depot.wait(fmt.Sprintf(`document.querySelector('%s td:nth-child(2)').textContent === '%d'`, stockRow, onHand-5))

	// Another depot's manager rejects theirs, with a reason.
	depot2 := b.open("depot2", "/depot", "mgr-"+other.Depot, 1280, 800)
	depot2.visible(fmt.Sprintf(`article.order[data-id="%s"] form.reject input`, other.ID))
	depot2.wait(fmt.Sprintf(`(() => { const f = document.querySelector('article.order[data-id="%s"] form.reject');
		if (!f) return false;
		f.querySelector('input').value = '库房进水，帐篷受潮'; f.querySelector('button').click(); return true; })()`, other.ID))
	screen.visible(fmt.Sprintf(`li.answer[data-order="%s"][data-status="rejected"]`, other.ID))

	// A new incident recorded by clicking the map.
	var rect struct{ X, Y float64 }
	screen.eval(`(() => { const r = document.querySelector('#map').getBoundingClientRect(); return {x: r.left + 60, y: r.top + 60}; })()`, &rect)
	screen.run(chromedp.MouseClickXY(rect.X, rect.Y))
	screen.visible(`#new-incident input[name=title]`)
	screen.run(chromedp.SendKeys(`#new-incident input[name=title]`, "山体滑坡", chromedp.ByQuery),
		chromedp.SendKeys(`#new-incident input[name=teams]`, "geological_hazard×1", chromedp.ByQuery),
		chromedp.Click(`#new-incident button[type=submit]`, chromedp.ByQuery))
	screen.wait(`[...document.querySelectorAll('li.incident .title')].some(e => e.textContent === '山体滑坡')`)

	// English on request.
	screen.click(`#lang`)
	screen.wait(`document.querySelector('#incidents h2').textContent === 'Open incidents'`)
	screen.click(`#lang`)
	screen.wait(`document.querySelector('#incidents h2').textContent === '当前事件'`)
	screen.click(`#close-plan`)
	screen.shot("live")

	// A viewer sees the screen but no plan; a team lead may not use it.
	viewer := b.open("viewer", "/screen", "viewer", 1920, 1080)
	viewer.visible(fmt.Sprintf(`li.incident[data-id="%s"]`, inc.ID))
	viewer.wait(`!document.body.classList.contains('commander')`)
	refused := b.login("refused", "/lead", "viewer", 412, 915)
	refused.wait(`document.querySelector('#login-error').textContent === '此页面不适用于该角色'`)

	// The province at a glance, for the README: a large incident short of
	// boats, a task waiting for its acknowledgement.
	big := map[string]any{"type": "typhoon", "level": 2, "title": "台风“海葵”温州登陆", "location": map[string]float64{"lon": 120.69, "lat": 27.99},
		"needs": map[string]any{"teams": []map[string]any{{"capability": "water_rescue", "count": 3}},
			"items": []map[string]any{{"item": "2020302", "qty": 5000}}}}
	var typhoon struct{ ID string }
	if code := p.call("POST", "/api/v1/incidents", token, big, &typhoon); code != 201 {
		t.Fatalf("create incident: got %d", code)
	}
	var sent struct {
		Tasks []struct{ ID string } `json:"tasks"`
	}
	req := map[string]any{"tasks": []map[string]any{{"team": "team-0003", "need": "water_rescue", "ack_within_s": 600}}}
	if code := p.call("POST", "/api/v1/incidents/"+typhoon.ID+"/dispatch", token, req, &sent); code != 201 {
		t.Fatalf("dispatch: got %d", code)
	}
	screen.visible(fmt.Sprintf(`#acks li.task[data-id="%s"] .countdown`, sent.Tasks[0].ID))
	screen.visible(`#shortfalls li.short`)
	if screenHasPlan(screen) {
		screen.click(`#close-plan`)
	}
	screen.wait(`document.querySelector('#plan').hidden`)
	screen.run(chromedp.Evaluate(`dispatchdFit()`, nil))
	screen.wait(`!dispatchdMap.isMoving() && dispatchdMap.loaded()`)
	screen.shot("overview")

	// The server restarts: the screen says so, reconnects by itself, and
	// resumes from the last event.
	_ = p.signal(syscall.SIGKILL)
	screen.visible(`#conn[data-state="offline"]`)
	screen.shot("offline")
	p = start(t, env, "serve", "--addr", addr)
	token = p.login("commander")
	body["title"] = "重启后的事件"
	var after struct{ ID string }
	if code := p.call("POST", "/api/v1/incidents", token, body, &after); code != 201 {
		t.Fatalf("create incident after restart: got %d", code)
	}
	screen.visible(fmt.Sprintf(`li.incident[data-id="%s"]`, after.ID))
	screen.visible(`#conn[data-state="live"]`)
	var snapshots int
	screen.eval(`dispatchdState.snapshots`, &snapshots)
	if snapshots != 1 {
		t.Errorf("the screen took %d snapshots; it should have resumed from its last event", snapshots)
	}
	screen.shot("resumed")

	b.logSizes()
}

// offline cuts the tab off the network, or restores it, as a phone losing
// its signal: requests fail and navigator.onLine follows.
func offline(off bool) []chromedp.Action {
	return []chromedp.Action{
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := network.EmulateNetworkConditionsByRule([]*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}}).Do(ctx)
			return err
		}),
		network.OverrideNetworkState(off, 0, -1, -1),
	}
}

func screenHasPlan(tb *tab) bool {
	var open bool
	tb.eval(`!document.querySelector('#plan').hidden`, &open)
	return open
}

func taskStatus(t *testing.T, p *proc, token, id string) string {
	t.Helper()
	var k struct{ Status string }
	if code := p.call("GET", "/api/v1/tasks/"+id, token, nil, &k); code != 200 {
		t.Fatalf("get task: got %d", code)
	}
	return k.Status
}

func countEvents(t *testing.T, p *proc, token string, since int64, typ, subject string) int {
	t.Helper()
	var res struct {
		Items []struct{ Type, Subject string }
	}
	if code := p.call("GET", fmt.Sprintf("/api/v1/events?since=%d&limit=1000", since), token, nil, &res); code != 200 {
		t.Fatalf("events: got %d", code)
	}
	n := 0
	for _, e := range res.Items {
		if e.Type == typ && e.Subject == subject {
			n++
		}
	}
	return n
}

// TestScreenKeepsItsLogin leaves a screen running past its token's life:
// it exchanges the token at half its life, so that it still reconnects
// and shows what happens after the first token has expired.
func TestScreenKeepsItsLogin(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	ttl := 12 * time.Second
	p := start(t, demoEnv(t, "sqlite"), "serve", "--addr", addr, "--demo", "--token-ttl", ttl.String())
	b := newBrowser(t, "http://"+addr)
	// The first token is issued after opened and before started: a loaded
	// machine may take seconds in between.
	opened := time.Now()
	screen := b.open("screen-login", "/screen", "viewer", 1280, 720)
	screen.wait(`window.dispatchdState && dispatchdState.snapshots === 1`)
	var first string
	screen.eval(`JSON.parse(localStorage.getItem('dispatchd.session')).token`, &first)
	started := time.Now()
	screen.wait(`window.dispatchdRefreshes >= 2`)
	// Each token is exchanged at half its life: two exchanges take a
	// whole life from the first login.
	if time.Since(opened) < ttl {
		t.Fatalf("refreshed twice in %v of the first token's life, want each at half a life (%v)", time.Since(opened), ttl/2)
	}
	// Past the first token's life, the screen reconnects with its new one.
	screen.wait(fmt.Sprintf(`Date.now() > %d`, started.Add(ttl+time.Second).UnixMilli()))
	if code := p.call("GET", "/api/v1/auth/me", first, nil, nil); code != 401 {
		t.Fatalf("the first token: got %d, want 401", code)
	}
	screen.run(chromedp.Evaluate(`dispatchdLive.reconnect(0)`, nil))
	token := p.login("commander")
	var inc struct{ ID string }
	body := map[string]any{"type": "fire", "level": 3, "title": "仓库火情", "location": map[string]float64{"lon": 120.3, "lat": 30.3}}
	if code := p.call("POST", "/api/v1/incidents", token, body, &inc); code != 201 {
		t.Fatalf("create incident: got %d", code)
	}
	screen.visible(fmt.Sprintf(`li.incident[data-id="%s"]`, inc.ID))
	screen.visible(`#conn[data-state="live"]`)
}

// benchMap measures the large screen's frame rate in headless Chromium
// (WebGL in software, SwiftShader) with 5,000 units on the map, at the
// province's scale: idle, repainted on every frame (the renderer's own
// cost), or moving, every unit reporting every 5 s (1,000 positions a
// second through the server, as the province's scale plans for). Each
// iteration is one second of frames; it reports frames per second and the
// 95th percentile frame time.
func benchMap(b *testing.B, mode string) {
	b.StopTimer()
	p := start(b, []string{"DISPATCH_DATA_DIR=" + b.TempDir(), "DATABASE_URL="}, "serve", "--addr", freeAddr(b), "--demo")
	token := p.login("commander")
	var teams struct {
		Items []struct{ ID string } `json:"items"`
	}
	p.call("GET", "/api/v1/teams?limit=1000", token, nil, &teams)
	units := make([]string, 0, 5000)
	for _, tm := range teams.Items {
		units = append(units, tm.ID)
	}
	// More units, to 5,000: created over the API, four at a time.
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				body := map[string]any{"name": fmt.Sprintf("测试单元%04d", i), "kind": []string{"fire_rescue", "professional", "social", "medical"}[i%4],
					"capabilities": []string{"logistics"}, "base": map[string]float64{"lon": 118.2 + float64(i%70)*0.06, "lat": 27.3 + float64(i/70)*0.055}, "region": "330100"}
				var tm struct{ ID string }
				if code := p.call("POST", "/api/v1/teams", token, body, &tm); code != 201 {
					b.Errorf("create team: got %d", code)
					return
				}
				mu.Lock()
				units = append(units, tm.ID)
				mu.Unlock()
			}
		}()
	}
	for i := len(units); i < 5000; i++ {
		next <- i
	}
	close(next)
	wg.Wait()

	br := newBrowser(b, p.url)
	screen := br.open("bench", "/screen", "viewer", 1920, 1080)
	screen.wait(`window.dispatchdState && dispatchdState.teams.size >= 5000 && dispatchdMap.loaded()`)
	screen.run(chromedp.Evaluate(`window.benchFrames = []; (function f(t) { benchFrames.push(t); requestAnimationFrame(f); })(performance.now()); true`, nil))
	if mode == "repaint" {
		screen.run(chromedp.Evaluate(`(function r() { dispatchdMap.triggerRepaint(); requestAnimationFrame(r); })(); true`, nil))
	}

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if mode != "moving" {
			<-stop
			return
		}
		// 100 positions every 100 ms: each unit every 5 s.
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			batch := make([]map[string]any, 0, 100)
			now := time.Now().UTC().Format(time.RFC3339Nano)
			for k := 0; k < 100; k++ {
				i := (n*100 + k) % len(units)
				wiggle := float64(n%50) * 0.0004
				batch = append(batch, map[string]any{"team": units[i], "lon": 118.2 + float64(i%70)*0.06 + wiggle, "lat": 27.3 + float64(i/70)*0.055 + wiggle, "ts": now})
			}
			p.call("POST", "/api/v1/positions", token, map[string]any{"positions": batch}, nil)
		}
	}()
	// Let the movement settle into its rhythm before measuring.
	screen.wait(fmt.Sprintf(`performance.now() > %d + benchFrames[0]`, 3000))
	var fps, p95 []float64
	b.StartTimer()
	for i := 0; i < b.N; i++ {
		var r struct{ N, P95 float64 }
		screen.run(chromedp.Evaluate(`benchFrames = [performance.now()]; true`, nil))
		screen.wait(`performance.now() - benchFrames[0] >= 1000`)
		screen.eval(`(() => { const d = []; for (let i = 1; i < benchFrames.length; i++) d.push(benchFrames[i] - benchFrames[i - 1]);
			d.sort((a, b) => a - b); return {n: d.length, p95: d[Math.floor(d.length * 0.95)] || 0}; })()`, &r)
		fps = append(fps, r.N)
		p95 = append(p95, r.P95)
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(medianOf(fps), "frames/s")
	b.ReportMetric(medianOf(p95), "p95-frame-ms")
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// BenchmarkScreenIdle: 5,000 units on the screen, none moving; the map
// draws nothing new.
func BenchmarkScreenIdle(b *testing.B) { benchMap(b, "idle") }

// BenchmarkScreenRepaint is the baseline: the same map redrawn on every
// frame with nothing moving, what the renderer costs by itself.
func BenchmarkScreenRepaint(b *testing.B) { benchMap(b, "repaint") }

// BenchmarkScreenMoving5000: 5,000 units on the screen, 1,000 positions a
// second.
func BenchmarkScreenMoving5000(b *testing.B) { benchMap(b, "moving") }
