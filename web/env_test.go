package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/coverage"
	"dispatchd/dispatch"
	"dispatchd/dispatch/arrival"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/notify"
	"dispatchd/realtime"
	"dispatchd/recorder"
	"dispatchd/regions"
	"dispatchd/resources"
	"dispatchd/store/postgres"
	"dispatchd/store/postgres/pgtest"
	"dispatchd/store/sqlite"
	"dispatchd/warning"
	"dispatchd/web"
	"dispatchd/web/openapitest"
	"dispatchd/zones"
)

type store interface {
	resources.Store
	auth.Store
	dispatch.Store
	plan.Source
	regions.Store
	regions.RollupStore
	warning.Store
	warning.Codes
	OnCommit(fn func())
	web.EventReader
	web.AuditReader
	web.IdempotencyStore
	web.TrackReader
	coverage.GapStore
	coverage.PopulationStore
	realtime.StateSource
	zones.Store
	recorder.Store
	recorder.Leaser
	AppendPositions(ctx context.Context, ps []realtime.Position) error
	Migrate(ctx context.Context) (int, error)
	Ready(ctx context.Context) error
	Close() error
}

// env is a real server over a real store, with a user of every role.
type env struct {
	t     *testing.T
	url   string
	srv   *web.Server
	store store
	board *dispatch.Service
	regs  *regions.Service
	proj  *plan.Projection
	hub   *realtime.Hub
	// warnings is the warning service, for what no route does (escalate).
	warnings *warning.Service
	// rec answers the state at a moment; checkpoint takes a checkpoint.
	rec *recorder.Service
	// fences is the arrival watcher on the position path, as in
	// dispatchd serve.
	fences *arrival.Watcher
	tokens map[string]string
	// zones is the risk zones' service, whose watcher sees every live fix.
	zones *zones.Service
	// cov is the coverage, synced by its routes (Sync for the rest).
	cov *coverage.Service
}

// checkpoint takes a checkpoint of the state now, as the checkpoint loop
// of dispatchd serve does.
func (e *env) checkpoint() {
	e.t.Helper()
	if _, err := recorder.NewCheckpointer(e.rec, e.store, "test", time.Minute).Take(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// backends runs fn once on SQLite and once on PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, b))
		})
	}
}

func newEnv(t *testing.T, backend string, opts ...func(*web.Config)) *env {
	t.Helper()
	return newEnvHub(t, backend, realtime.HubConfig{}, opts...)
}

// newEnvHub is newEnv with a hub configured by hcfg; its zero Flush and
// CatchUp are the tests' own.
func newEnvHub(t *testing.T, backend string, hcfg realtime.HubConfig, opts ...func(*web.Config)) *env {
	t.Helper()
	ctx := context.Background()
	var st store
	var err error
	if backend == "postgres" {
		st, err = postgres.Open(ctx, pgtest.URL(t))
	} else {
		st, err = sqlite.Open(ctx, migratedDir(t)) // migrated once for the package
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	registry := resources.NewService(st)
	authSvc := auth.NewService(st, st, 0)
	sys := dispatchd.System
	for _, it := range []resources.Item{
		{Code: "1010101", Name: "帐篷", Kind: resources.Material, Unit: "顶"},
		{Code: "2020101", Name: "冲锋舟", Kind: resources.Equipment, Unit: "艘"},
	} {
		if _, err := registry.CreateItem(ctx, sys, it); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := registry.CreateDepot(ctx, sys, resources.Depot{ID: "d1", Name: "杭州市应急物资储备库", Tier: resources.Municipal,
		Location: geo.Point{Lon: 120.15, Lat: 30.28}, Region: "330100"}); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.CreateTeam(ctx, sys, resources.Team{ID: "t1", Name: "西湖区消防救援大队", Kind: resources.FireRescue,
		Capabilities: []string{"fire_fighting"}, Base: geo.Point{Lon: 120.13, Lat: 30.26}, Region: "330106"}); err != nil {
		t.Fatal(err)
	}
	users := []auth.SeedUser{
		{Username: "admin", Role: dispatchd.RoleAdmin},
		{Username: "commander", Role: dispatchd.RoleCommander},
		{Username: "viewer", Role: dispatchd.RoleViewer},
		{Username: "lead", Role: dispatchd.RoleTeamLead, Team: "t1"},
		{Username: "manager", Role: dispatchd.RoleDepotManager, Depots: []string{"d1"}},
		{Username: "tracker", Role: dispatchd.RoleTracker, Team: "t1"},
	}
	if _, err := authSvc.EnsureUsers(ctx, sys, "secret", users); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	// The dispatch view follows the event feed, as in dispatchd serve.
	proj := plan.NewProjection(plan.ProjectionConfig{})
	last, err := proj.Load(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	// Every commit wakes the feed (OnCommit); its poll is only the
	// fallback, and each poll is a query: every 50 ms for the life of
	// each env, it cost a seventh of an env's CPU.
	feed := realtime.NewFeed(st, last, 250*time.Millisecond)
	st.OnCommit(feed.Notify)
	sub := feed.Subscribe(plan.FeedBuffer)
	fctx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	go func() { _ = feed.Run(fctx); done <- struct{}{} }()
	go func() {
		proj.Follow(fctx, feed, sub, st, func(err error) { t.Errorf("dispatch view: %v", err) })
		done <- struct{}{}
	}()
	t.Cleanup(func() { stop(); <-done; <-done })
	regs := regions.NewService(st)
	authSvc.SetRegions(regs.Known)
	board := dispatch.NewService(st, proj, dispatch.Config{Regions: regs})
	// Arrival by geofence follows the feed and writes through the board.
	fences := arrival.New(arrival.Config{DepotAt: proj.DepotLocation})
	fsub := feed.Subscribe(arrival.FeedBuffer)
	if err := fences.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	fencesDone := make(chan struct{}, 2)
	go func() {
		fences.Follow(fctx, feed, fsub, st, func(err error) { t.Errorf("arrival watcher: %v", err) })
		fencesDone <- struct{}{}
	}()
	go func() {
		fences.Run(fctx, board, func(err error) { t.Errorf("mark an arrival: %v", err) })
		fencesDone <- struct{}{}
	}()
	t.Cleanup(func() { stop(); <-fencesDone; <-fencesDone })
	zsvc := zones.NewService(st, dispatch.IncidentTypes)
	if err := zsvc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	watch := zones.NewWatcher(zsvc.Index, st, proj.TeamRegion)
	proj.SetZones(zsvc.Index)
	var bus realtime.Bus
	ingest := realtime.NewIngest(realtime.NewFilter(realtime.FilterConfig{}), realtime.NewTeams(proj, st, time.Second).Known,
		func(live, _ []realtime.Position) {
			if len(live) > 0 {
				bus.Publish(live)
			}
		})
	ingest.SetTeamRegion(proj.TeamRegion)
	if hcfg.Flush == 0 {
		hcfg.Flush = 20 * time.Millisecond
	}
	if hcfg.CatchUp == 0 {
		hcfg.CatchUp = 50
	}
	if hcfg.TeamRegion == nil {
		hcfg.TeamRegion = proj.TeamRegion
	}
	hub := realtime.NewHub(hcfg, st, ingest.Accept)
	bus = realtime.LocalBus(hub.Deliver(func(ps []realtime.Position) {
		for _, p := range ps {
			proj.SetPosition(p.Team, geo.Point{Lon: p.Lon, Lat: p.Lat}, p.TS)
			watch.Observe(p.Team, orb.Point{p.Lon, p.Lat}, p.TS)
		}
		fences.Moved(ps)
	}))
	hubDone := make(chan struct{})
	go func() { hub.Run(fctx, feed); close(hubDone) }()
	t.Cleanup(func() { stop(); <-hubDone })
	watchDone := make(chan struct{})
	go func() { watch.Run(fctx, func(err error) { t.Errorf("zone watcher: %v", err) }); close(watchDone) }()
	t.Cleanup(func() { stop(); <-watchDone })
	// Tests make changes faster than people do: the limits are off unless
	// a test sets them.
	cfg := web.Config{Logger: log, Limits: web.Limits{WriteRate: 1e6, WriteBurst: 1e6, IngestRate: 1e6, IngestBurst: 1e6}}
	for _, o := range opts {
		o(&cfg)
	}
	persons := warning.NewService(st)
	persons.SetRegions(regs.Known)
	// Warnings queue an SMS per recipient, which no sender drains here;
	// the one-tap codes are the outbox's, as in dispatchd serve.
	persons.SetChannels(notify.SMS)
	persons.SetCodes(st)
	persons.SetCover(regs.Cover)
	rec := recorder.NewService(st)
	cov := coverage.NewService(coverage.Config{}, proj, regs)
	proj.SetCoverage(cov)
	cov.SetGaps(st)
	cov.SetPopulationStore(st)
	cov.SetCatchUp(func(ctx context.Context) error { return proj.CatchUp(ctx, st, time.Second) })
	srv := web.New(cfg, web.Deps{Coverage: cov, Recorder: rec, Auth: authSvc, Registry: registry, Dispatch: board, Regions: regs, Persons: persons, Rollup: regions.NewRollup(st), Ingest: ingest,
		Hub: hub, Events: st, Audit: st, Idempotency: st, Track: st, Ready: st.Ready, Zones: zsvc,
		ZoneWatch: watch, Arrivals: fences})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e := &env{cov: cov, t: t, url: hs.URL, srv: srv, store: st, board: board, regs: regs, proj: proj, hub: hub, warnings: persons, rec: rec, fences: fences, tokens: map[string]string{}, zones: zsvc}
	for _, u := range users {
		var res struct{ Token string }
		e.mustJSON(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": "secret"}), 200, &res)
		e.tokens[u.Username] = res.Token
	}
	return e
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request; body is JSON-encoded unless it is []byte or string.
func (e *env) call(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		data = b
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.url+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	// Each redirect followed is an answer too.
	client := &http.Client{CheckRedirect: func(next *http.Request, via []*http.Request) error {
		apiDoc(e.t).CheckT(e.t, nil, next.Response, nil)
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.Request != req {
		data = nil // a redirect was followed with a GET
	}
	apiDoc(e.t).CheckT(e.t, data, resp, got)
	return response{status: resp.StatusCode, header: resp.Header, body: got}
}

// apiDoc is the checker of the OpenAPI document the server serves (the
// file it embeds): every answer that call receives must be one it
// documents, or the test fails naming the route, the status and the
// mismatch.
func apiDoc(t testing.TB) *openapitest.Checker {
	t.Helper()
	c, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var loadAPIDoc = sync.OnceValues(func() (*openapitest.Checker, error) {
	doc, err := os.ReadFile("openapi.json")
	if err != nil {
		return nil, err
	}
	return openapitest.New(doc)
})

// as calls with the token of a user.
func (e *env) as(user, method, path string, body any, headers ...string) response {
	e.t.Helper()
	return e.call(method, path, e.tokens[user], body, headers...)
}

// mustJSON checks the status and decodes the body into v.
func (e *env) mustJSON(r response, status int, v any) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("got status %d, want %d: %s", r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			e.t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
		Line    int    `json:"line"`
	} `json:"errors"`
}

// mustProblem checks that r is a problem+json answer with the status, and
// that it names each of the fields.
func (e *env) mustProblem(r response, status int, fields ...string) problem {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("got status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		e.t.Fatalf("got Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		e.t.Fatalf("decode problem %s: %v", r.body, err)
	}
	if p.Status != status || p.Type == "" || p.Title == "" || p.Detail == "" {
		e.t.Fatalf("incomplete problem: %s", r.body)
	}
	for _, f := range fields {
		found := false
		for _, fe := range p.Errors {
			found = found || fe.Field == f
		}
		if !found {
			e.t.Fatalf("the problem does not name field %q: %s", f, r.body)
		}
	}
	return p
}
