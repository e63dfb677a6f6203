package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"dispatchd/store/postgres/pgtest"
	"dispatchd/store/sqlite"
)

// TestCrashDuringWrites kills dispatchd with SIGKILL while four clients are
// creating incidents, and starts it again: every incident it acknowledged
// is there, the event log has no gap, and (on SQLite) the file passes the
// integrity check.
func TestCrashDuringWrites(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"DISPATCH_DATA_DIR=" + dir, "DATABASE_URL=", "DISPATCH_WRITE_RATE=100000"}
			if backend == "postgres" {
				env[1] = "DATABASE_URL=" + pgtest.URL(t)
			}
			var out, errb bytes.Buffer
			for _, kv := range env[:2] {
				k, v, _ := cutEnv(kv)
				t.Setenv(k, v)
			}
			if err := run(context.Background(), []string{"user", "add", "--username", "chief", "--role", "commander", "--password", "crash-pw12"}, nil, &out, &errb); err != nil {
				t.Fatalf("user add: %v %s", err, errb.String())
			}
			login := func(p *proc) string {
				var res struct{ Token string }
				if code := p.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "chief", "password": "crash-pw12"}, &res); code != 200 {
					t.Fatalf("login: got %d", code)
				}
				return res.Token
			}
			p := start(t, env, "serve", "--addr", "127.0.0.1:0")
			token := login(p)

			var mu sync.Mutex
			var acked []string
			enough := make(chan struct{})
			var once sync.Once
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						var inc struct{ ID string }
						body := map[string]any{"type": "fire", "level": 4, "title": fmt.Sprintf("火情 %d-%d", w, i), "location": map[string]float64{"lon": 120.2, "lat": 30.2}}
						code, err := p.try("POST", "/api/v1/incidents", token, body, &inc)
						if err != nil {
							return // the server is gone
						}
						if code == 201 {
							mu.Lock()
							acked = append(acked, inc.ID)
							if len(acked) >= 200 {
								once.Do(func() { close(enough) })
							}
							mu.Unlock()
						}
					}
				}()
			}
			<-enough
			_ = p.signal(syscall.SIGKILL)
			wg.Wait()

			if backend == "sqlite" {
				if err := sqlite.CheckFile(context.Background(), filepath.Join(dir, sqlite.FileName)); err != nil {
					t.Fatalf("after the crash: %v", err)
				}
			}
			p = start(t, env, "serve", "--addr", "127.0.0.1:0")
			token = login(p)
			for _, id := range acked {
				if code := p.call("GET", "/api/v1/incidents/"+id, token, nil, nil); code != 200 {
					t.Fatalf("incident %s was acknowledged before the crash: got %d after it", id, code)
				}
			}
			last, _ := checkEventLog(t, p, token)
			t.Logf("%s: %d incidents acknowledged before SIGKILL, all there after it; %d events, no gap", backend, len(acked), last)
		})
	}
}

func cutEnv(kv string) (string, string, bool) {
	for i := range kv {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}
