package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dispatchd/store/postgres/pgtest"
	"dispatchd/web/openapitest"
)

// TestMain lets the test binary stand in for dispatchd: with
// DISPATCHD_RUN_MAIN=1 it runs main, so that the end-to-end tests start the
// real server as a real process, and can kill it.
func TestMain(m *testing.M) {
	if os.Getenv("DISPATCHD_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	flag.Parse()
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "" && !testing.Short() {
		// The whole package: seed the demo stores while the first tests,
		// which need none, run.
		go demoSQLite()
		go demoPostgres()
	}
	code := m.Run()
	stopChromium()
	removeDemoStores()
	os.Exit(code)
}

type proc struct {
	t   testing.TB
	cmd *exec.Cmd
	url string
	out *bytes.Buffer
	err *syncBuffer // what it wrote to stderr
}

// syncBuffer is a bytes.Buffer that a process writes while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// start runs dispatchd with args and waits until it says where it listens.
func start(t testing.TB, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), append([]string{"DISPATCHD_RUN_MAIN=1", "DISPATCH_LOG_LEVEL=warn"}, env...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, out: &bytes.Buffer{}, err: stderr}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.out.WriteString(line + "\n")
			if rest, ok := strings.CutPrefix(line, "dispatchd is up at "); ok {
				found <- strings.Fields(rest)[0]
			}
		}
		close(found)
	}()
	select {
	case url, ok := <-found:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("dispatchd exited before serving: %s", stderr.String())
		}
		p.url = url
	case <-time.After(5 * time.Minute):
		t.Fatalf("dispatchd did not start in time: %s", stderr.String())
	}
	return p
}

func (p *proc) signal(sig syscall.Signal) error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	return p.cmd.Wait()
}

func (p *proc) call(method, path, token string, body any, v any) int {
	p.t.Helper()
	code, err := p.try(method, path, token, body, v)
	if err != nil {
		p.t.Fatal(err)
	}
	return code
}

// try is call for a server that may be gone: it returns the transport's
// error instead of failing the test. It must not call t.Fatal: it runs in
// the test's own goroutines.
func (p *proc) try(method, path, token string, body any, v any) (int, error) {
	var r io.Reader
	var sent []byte
	if body != nil {
		sent, _ = json.Marshal(body)
		r = bytes.NewReader(sent)
	}
	req, _ := http.NewRequest(method, p.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	checkAnswer(p.t, sent, resp, data)
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode %q: %w", method, path, data, err)
		}
	}
	return resp.StatusCode, nil
}

// loadAPIDoc reads the OpenAPI document the server serves.
var loadAPIDoc = sync.OnceValues(func() (*openapitest.Checker, error) {
	doc, err := os.ReadFile("../../web/openapi.json")
	if err != nil {
		return nil, err
	}
	return openapitest.New(doc)
})

// checkAnswer fails the test when an answer of the real server is not one
// its OpenAPI document promises. It only calls t.Errorf: it runs in the
// tests' own goroutines too.
func checkAnswer(t testing.TB, sent []byte, resp *http.Response, body []byte) {
	t.Helper()
	c, err := loadAPIDoc()
	if err != nil {
		t.Errorf("the OpenAPI document: %v", err)
		return
	}
	c.CheckT(t, sent, resp, body)
}

func (p *proc) login(user string) string {
	p.t.Helper()
	var res struct{ Token string }
	if code := p.call("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": "demo"}, &res); code != 200 {
		p.t.Fatalf("login %s: got %d", user, code)
	}
	return res.Token
}

// TestServeDemoSurvivesKill9 is the "done when", on both stores: the
// demo province loads, the commander logs in and reads complete teams and a
// depot FeatureCollection, and a team created over the API survives kill -9.
func TestServeDemoSurvivesKill9(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env := []string{"DISPATCH_DATA_DIR=" + t.TempDir(), "DATABASE_URL="}
			if backend == "postgres" {
				env[1] = "DATABASE_URL=" + pgtest.URL(t)
			}
			p := start(t, env, "serve", "--addr", "127.0.0.1:0", "--demo")
			if !strings.Contains(p.out.String(), "commander") || !strings.Contains(p.out.String(), `"demo"`) {
				t.Fatalf("the console does not list the demo logins:\n%s", p.out)
			}
			token := p.login("commander")
			var teams struct {
				Items []map[string]any `json:"items"`
			}
			if code := p.call("GET", "/api/v1/teams?limit=5", token, nil, &teams); code != 200 || len(teams.Items) != 5 {
				t.Fatalf("got %d with %d teams, want 5", code, len(teams.Items))
			}
			for _, tm := range teams.Items {
				for _, f := range []string{"id", "name", "kind", "capabilities", "headcount", "leader", "duty_phone", "base", "address", "region", "equipment", "status"} {
					if v, ok := tm[f]; !ok || v == nil || v == "" || fmt.Sprint(v) == "[]" {
						t.Fatalf("team %v lacks %s", tm["id"], f)
					}
				}
			}
			var fc struct {
				Type     string `json:"type"`
				Features []struct {
					Type     string `json:"type"`
					Geometry struct {
						Type        string    `json:"type"`
						Coordinates []float64 `json:"coordinates"`
					} `json:"geometry"`
				} `json:"features"`
			}
			if code := p.call("GET", "/api/v1/depots?format=geojson&limit=5000", token, nil, &fc); code != 200 || fc.Type != "FeatureCollection" || len(fc.Features) < 3000 {
				t.Fatalf("got %d, %q with %d features", code, fc.Type, len(fc.Features))
			}
			for _, f := range fc.Features {
				if f.Type != "Feature" || f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) != 2 {
					t.Fatalf("bad feature %+v", f)
				}
			}
			var team struct{ ID string }
			body := map[string]any{"name": "kill -9 测试队", "kind": "social", "base": map[string]float64{"lon": 120.2, "lat": 30.25}}
			if code := p.call("POST", "/api/v1/teams", token, body, &team); code != 201 {
				t.Fatalf("create team: got %d", code)
			}
			_ = p.signal(syscall.SIGKILL)

			p = start(t, env, "serve", "--addr", "127.0.0.1:0", "--demo")
			token = p.login("commander")
			var got struct{ Name string }
			if code := p.call("GET", "/api/v1/teams/"+team.ID, token, nil, &got); code != 200 || got.Name != "kill -9 测试队" {
				t.Fatalf("after kill -9: got %d %+v", code, got)
			}
			var count struct {
				Items []any `json:"items"`
			}
			p.call("GET", "/api/v1/teams?q=kill&limit=10", token, nil, &count)
			if len(count.Items) != 1 {
				t.Fatalf("got %d copies of the team, want 1", len(count.Items))
			}
			if err := p.signal(syscall.SIGTERM); err != nil {
				t.Fatalf("graceful shutdown: %v", err)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DISPATCH_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	ctx := context.Background()
	var out, errb bytes.Buffer
	env := func(args ...string) error {
		out.Reset()
		errb.Reset()
		return run(ctx, args, strings.NewReader("s3cret-pw\n"), &out, &errb)
	}
	if err := env("migrate"); err != nil {
		t.Fatalf("migrate: %v %s", err, errb.String())
	}
	if err := env("user", "add", "--username", "chief", "--role", "commander"); err != nil || !strings.Contains(out.String(), "created user chief") {
		t.Fatalf("user add: %v %s %s", err, out.String(), errb.String())
	}
	if err := env("user", "add", "--username", "chief", "--role", "commander", "--password", "another1"); err == nil {
		t.Fatal("a second user with the same name was created")
	}
	if err := env("user", "add", "--username", "lead", "--role", "team_lead", "--password", "pw123456"); err == nil || !strings.Contains(userMessage(err), "team") {
		t.Fatalf("got %v, want a message about the team", err)
	}
	f := dir + "/items.csv"
	if err := os.WriteFile(f, []byte("code,name,kind,unit\n1010101,帐篷,material,顶\n2020101,冲锋舟,equipment,艘\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := env("import", "--kind", "items", "--quiet", f); err != nil || !strings.Contains(out.String(), "imported 2 items rows") {
		t.Fatalf("import: %v %q %s", err, out.String(), errb.String())
	}
	bad := dir + "/bad.csv"
	if err := os.WriteFile(bad, []byte("code,name,kind,unit\n123,帐篷,material,顶\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := env("import", "--kind", "items", "--quiet", bad)
	if err == nil || !strings.Contains(userMessage(err), "line 2: code") {
		t.Fatalf("got %v, want an error on line 2", err)
	}
	if err := run(ctx, []string{"frobnicate"}, nil, &out, &errb); err == nil || exitCode(err) != 2 {
		t.Fatalf("got %v, want a usage error", err)
	}
	if err := run(ctx, []string{"--help"}, nil, &out, &errb); err != nil || !strings.Contains(out.String(), "DISPATCH_DATA_DIR") {
		t.Fatalf("help: %v %s", err, out.String())
	}
}

// TestDispatchSurvivesRestart dispatches on the demo province, kills the
// server with SIGKILL, and checks on both stores that the rebuilt dispatch
// view still knows the team is busy and the stock reserved, and that a task
// whose deadline passes while the server is down is escalated after it
// starts again.
func TestDispatchSurvivesRestart(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env := demoEnv(t, backend)
			p := start(t, env, "serve", "--addr", "127.0.0.1:0", "--demo")
			token := p.login("commander")
			var in struct{ ID string }
			body := map[string]any{"type": "flood", "level": 1, "title": "西湖溃堤", "location": map[string]float64{"lon": 120.15, "lat": 30.25},
				"needs": map[string]any{"teams": []map[string]any{{"capability": "water_rescue", "count": 1}},
					"items": []map[string]any{{"item": "1010101", "qty": 100}}}}
			if code := p.call("POST", "/api/v1/incidents", token, body, &in); code != 201 {
				t.Fatalf("create incident: got %d", code)
			}
			type plan struct {
				Teams []struct {
					Picks []struct {
						Team struct{ ID string } `json:"team"`
					} `json:"picks"`
				} `json:"teams"`
				Items []struct {
					Plan []struct {
						Depot struct{ ID string } `json:"depot"`
						Qty   int64               `json:"qty"`
					} `json:"plan"`
				} `json:"items"`
			}
			var s plan
			if code := p.call("GET", "/api/v1/incidents/"+in.ID+"/suggestions", token, nil, &s); code != 200 || len(s.Teams[0].Picks) != 1 || len(s.Items[0].Plan) == 0 {
				t.Fatalf("suggestions: got %d %+v", code, s)
			}
			team, line := s.Teams[0].Picks[0].Team.ID, s.Items[0].Plan[0]
			req := map[string]any{"tasks": []map[string]any{{"team": team, "need": "water_rescue", "ack_within_s": 10}},
				"orders": []map[string]any{{"depot": line.Depot.ID, "lines": []map[string]any{{"item": "1010101", "qty": line.Qty}}}}}
			var res struct {
				Tasks []struct{ ID string } `json:"tasks"`
			}
			if code := p.call("POST", "/api/v1/incidents/"+in.ID+"/dispatch", token, req, &res); code != 201 {
				t.Fatalf("dispatch: got %d", code)
			}
			// The checkpoint loop takes its first checkpoint as the server
			// starts: from then on the state at a moment answers.
			waitState(t, p, token)
			_ = p.signal(syscall.SIGKILL)

			p = start(t, env, "serve", "--addr", "127.0.0.1:0", "--escalate-every", "200ms")
			token = p.login("commander")
			// A second incident at the same place: the busy team and the
			// reserved stock must not be offered again.
			body["title"] = "西湖溃堤二"
			if code := p.call("POST", "/api/v1/incidents", token, body, &in); code != 201 {
				t.Fatalf("create incident: got %d", code)
			}
			if code := p.call("GET", "/api/v1/incidents/"+in.ID+"/suggestions", token, nil, &s); code != 200 {
				t.Fatalf("suggestions after restart: got %d", code)
			}
			if len(s.Teams[0].Picks) > 0 && s.Teams[0].Picks[0].Team.ID == team {
				t.Fatalf("after restart the busy team %s is offered again", team)
			}
			var stock struct {
				Items []struct {
					Item      string `json:"item"`
					Available int64  `json:"available"`
				} `json:"items"`
			}
			p.call("GET", "/api/v1/depots/"+line.Depot.ID+"/stock", token, nil, &stock)
			for _, l := range s.Items[0].Plan {
				if l.Depot.ID != line.Depot.ID {
					continue
				}
				for _, st := range stock.Items {
					if st.Item == "1010101" && l.Qty > st.Available {
						t.Fatalf("after restart the plan takes %d from %s, which has %d available", l.Qty, line.Depot.ID, st.Available)
					}
				}
			}
			// The flight recorder: the state now, from the checkpoint the
			// first server took as it started and the events after it,
			// holds the dispatched task.
			var state struct{ Tasks []struct{ ID string } }
			at := url.QueryEscape(time.Now().UTC().Format(time.RFC3339Nano))
			if code := p.call("GET", "/api/v1/state?at="+at, token, nil, &state); code != 200 ||
				!slices.ContainsFunc(state.Tasks, func(k struct{ ID string }) bool { return k.ID == res.Tasks[0].ID }) {
				t.Fatalf("state now: got %d %+v, want the dispatched task %s", code, state, res.Tasks[0].ID)
			}
			deadline := time.Now().Add(60 * time.Second)
			for {
				var task struct{ Escalated bool }
				if code := p.call("GET", "/api/v1/tasks/"+res.Tasks[0].ID, token, nil, &task); code == 200 && task.Escalated {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the task was not escalated after its deadline passed across a restart")
				}
				time.Sleep(200 * time.Millisecond)
			}
			if err := p.signal(syscall.SIGTERM); err != nil {
				t.Fatalf("graceful shutdown: %v", err)
			}
		})
	}
}

// waitState waits until GET /api/v1/state answers the state now.
func waitState(t *testing.T, p *proc, token string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		at := url.QueryEscape(time.Now().UTC().Format(time.RFC3339Nano))
		code, err := p.try("GET", "/api/v1/state?at="+at, token, nil, nil)
		if err == nil && code == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the state now: got %d (%v), want 200 once the first checkpoint is taken", code, err)
		}
	}
}

func TestBenchSuggestCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"bench", "suggest", "--n", "200", "--runs", "1"}, nil, &out, &errb); err != nil {
		t.Fatalf("bench: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "median of 1 runs: indexed p50") || !strings.Contains(out.String(), "ratio") {
		t.Fatalf("got %q", out.String())
	}
	if err := run(context.Background(), []string{"bench", "frob"}, nil, &out, &errb); exitCode(err) != 2 {
		t.Fatalf("got %v, want a usage error", err)
	}
}
