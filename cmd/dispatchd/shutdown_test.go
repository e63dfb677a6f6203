package main

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dispatchd/store/postgres/pgtest"
)

// TestShutdownInOrder sends SIGTERM to a real dispatchd, on both stores,
// while four clients post positions (1,000 a second in all, the
// province's load) and a
// task's acknowledgement deadline is about to pass with the escalator
// checking every 100 ms. The process exits 0, and says that it stopped in
// order: HTTP first (the requests under way answered), then the hub,
// escalation and event feed, then the position history (flushed, nothing
// failed or dropped), then the bus, then the store. Started again, the
// history holds every position that was answered as accepted, and the task
// is escalated exactly once.
func TestShutdownInOrder(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env := []string{"DISPATCH_DATA_DIR=" + t.TempDir(), "DATABASE_URL=", "DISPATCH_WRITE_RATE=100000",
				"DISPATCH_INGEST_RATE=100000", "DISPATCH_LOG_LEVEL=info"}
			if backend == "postgres" {
				env[1] = "DATABASE_URL=" + pgtest.URL(t)
			}
			// A commander and five teams; the demo province would take
			// most of the test's time under -race.
			add := exec.Command(os.Args[0], "user", "add", "--username", "chief", "--role", "commander", "--password", "shutdown-pw1")
			add.Env = append(os.Environ(), append([]string{"DISPATCHD_RUN_MAIN=1"}, env...)...)
			if out, err := add.CombinedOutput(); err != nil {
				t.Fatalf("user add: %v %s", err, out)
			}
			p := start(t, env, "serve", "--addr", "127.0.0.1:0", "--escalate-every", "100ms")
			login := func(p *proc) string {
				var res struct{ Token string }
				if code := p.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "chief", "password": "shutdown-pw1"}, &res); code != 200 {
					t.Fatalf("login: got %d", code)
				}
				return res.Token
			}
			token := login(p)
			var teams struct {
				Items []struct{ ID string } `json:"items"`
			}
			for i := range 5 {
				var team struct{ ID string }
				body := map[string]any{"name": fmt.Sprintf("停机测试队 %d", i), "kind": "fire_rescue", "capabilities": []string{"water_rescue"},
					"base": map[string]float64{"lon": 120.2, "lat": 30.25}}
				if code := p.call("POST", "/api/v1/teams", token, body, &team); code != 201 {
					t.Fatalf("create team: got %d", code)
				}
				teams.Items = append(teams.Items, team)
			}
			var in struct{ ID string }
			body := map[string]any{"type": "flood", "level": 2, "title": "停机测试", "location": map[string]float64{"lon": 120.15, "lat": 30.25}}
			if code := p.call("POST", "/api/v1/incidents", token, body, &in); code != 201 {
				t.Fatalf("create incident: got %d", code)
			}
			var task struct {
				ID    string
				AckBy time.Time `json:"ack_by"`
			}
			if code := p.call("POST", "/api/v1/incidents/"+in.ID+"/tasks", token, map[string]any{"team": teams.Items[0].ID, "ack_within_s": 10}, &task); code != 201 {
				t.Fatalf("create task: got %d", code)
			}

			// Four posters, one team each, a fix every 100 ms of device
			// time from 12 hours ago, 10 to a request, a request every
			// 40 ms: 1,000 a second in all.
			base := time.Now().UTC().Add(-12 * time.Hour).Truncate(time.Second)
			accepted := make([]int, 4)
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					team := teams.Items[w+1].ID
					for i := 0; ; i += 10 {
						ps := make([]map[string]any, 10)
						for j := range ps {
							ps[j] = map[string]any{"team": team, "lon": 120 + float64(i+j)*1e-5, "lat": 30.0,
								"ts": base.Add(time.Duration(i+j) * 100 * time.Millisecond).Format(time.RFC3339Nano)}
						}
						var res struct {
							Accepted int
							Rejected []any
						}
						code, err := p.try("POST", "/api/v1/positions", token, map[string]any{"positions": ps}, &res)
						if err != nil || code != 200 {
							return // the server is going or gone
						}
						if res.Accepted != len(ps) {
							t.Errorf("team %s: got %d accepted (%v), want %d", team, res.Accepted, res.Rejected, len(ps))
							return
						}
						accepted[w] += res.Accepted
						time.Sleep(40 * time.Millisecond)
					}
				}()
			}
			time.Sleep(time.Until(task.AckBy.Add(-100 * time.Millisecond)))
			if err := p.signal(syscall.SIGTERM); err != nil {
				t.Fatalf("got %v from SIGTERM, want exit status 0; stderr:\n%s", err, p.err.String())
			}
			wg.Wait()

			log := p.err.String()
			at := -1
			for _, step := range []string{"shutting down", "shutdown: HTTP stopped", "shutdown: hub, escalation and event feed stopped",
				"shutdown: position history flushed", "shutdown: position bus closed", "shutdown: store closed", "msg=stopped"} {
				i := strings.Index(log, step)
				if i < 0 || i < at {
					t.Fatalf("got no %q after the step before it, want the shutdown steps in order; stderr:\n%s", step, log)
				}
				at = i
			}
			for _, bad := range []string{"failed=0 dropped=0", "pending=0"} {
				if !strings.Contains(log, bad) {
					t.Fatalf("got no %q in the history's last words, want nothing left unwritten; stderr:\n%s", bad, log)
				}
			}

			p = start(t, env, "serve", "--addr", "127.0.0.1:0", "--escalate-every", "100ms")
			token = login(p)
			total := 0
			for w, n := range accepted {
				var track struct {
					Properties struct{ Count int }
				}
				q := url.Values{"from": {base.Add(-time.Minute).Format(time.RFC3339)}, "to": {time.Now().UTC().Format(time.RFC3339)}, "limit": {"100000"}}
				if code := p.call("GET", "/api/v1/teams/"+teams.Items[w+1].ID+"/track?"+q.Encode(), token, nil, &track); code != 200 || track.Properties.Count != n {
					t.Fatalf("team %s: got %d (%d fixes in the history), want all %d accepted", teams.Items[w+1].ID, code, track.Properties.Count, n)
				}
				total += n
			}
			if total == 0 {
				t.Fatal("no position was accepted before the shutdown")
			}
			deadline := time.Now().Add(30 * time.Second)
			for escalations(t, p, token, task.ID) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the task was not escalated after the restart")
				}
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond) // five more rounds of the escalator
			if n := escalations(t, p, token, task.ID); n != 1 {
				t.Fatalf("got %d task.escalated events, want 1", n)
			}
			if err := p.signal(syscall.SIGTERM); err != nil {
				t.Fatalf("graceful shutdown: %v", err)
			}
			t.Logf("%s: %d positions accepted before SIGTERM, all in the history after it", backend, total)
		})
	}
}

// escalations counts the task.escalated events of a task.
func escalations(t *testing.T, p *proc, token, task string) int {
	t.Helper()
	n := 0
	for _, ev := range eventLog(t, p, token) {
		if ev.Type == "task.escalated" && ev.Subject == task {
			n++
		}
	}
	return n
}
