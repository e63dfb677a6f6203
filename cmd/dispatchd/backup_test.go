package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestBackupRestore takes an online backup of the SQLite store while
// incidents are being created, restores it into another data directory,
// and starts a server on it: every incident acknowledged before the backup
// began is there, and the file passes SQLite's integrity check.
func TestBackupRestore(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	dirA, dirB := t.TempDir(), t.TempDir()
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"user", "add", "--data-dir", dirA, "--username", "chief", "--role", "commander", "--password", "backup-pw1"}, nil, &out, &errb); err != nil {
		t.Fatalf("user add: %v %s", err, errb.String())
	}
	login := func(p *proc) string {
		var res struct{ Token string }
		if code := p.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "chief", "password": "backup-pw1"}, &res); code != 200 {
			t.Fatalf("login: got %d", code)
		}
		return res.Token
	}
	// The writes of a busy command center, without the rate limit.
	p := start(t, []string{"DISPATCH_DATA_DIR=" + dirA, "DATABASE_URL=", "DISPATCH_WRITE_RATE=100000"}, "serve", "--addr", "127.0.0.1:0")
	token := login(p)

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var inc struct{ ID string }
			body := map[string]any{"type": "fire", "level": 4, "title": fmt.Sprintf("火情 %d", i), "location": map[string]float64{"lon": 120.2, "lat": 30.2}}
			if code := p.call("POST", "/api/v1/incidents", token, body, &inc); code == 201 {
				mu.Lock()
				acked = append(acked, inc.ID)
				mu.Unlock()
			}
		}
	}()
	// Wait until writes are flowing, then back up in the middle of them.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 20 {
			break
		}
		p.call("GET", "/healthz", "", nil, nil) // a round trip, not a sleep
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "dispatchd-backup.db")
	if err := run(ctx, []string{"backup", "--data-dir", dirA, "--out", backup}, nil, &out, &errb); err != nil {
		t.Fatalf("backup: %v %s", err, errb.String())
	}
	close(stop)
	wg.Wait()
	if !strings.Contains(out.String(), "integrity checked") {
		t.Fatalf("backup said %q", out.String())
	}
	if err := run(ctx, []string{"backup", "--data-dir", dirA, "--out", backup}, nil, &out, &errb); err == nil || !strings.Contains(userMessage(err), "exists") {
		t.Fatalf("a second backup over the first: got %v", err)
	}

	// A damaged file is refused; the backup is restored once, then only
	// with --force.
	bad := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(bad, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"restore", "--data-dir", dirB, "--from", bad}, nil, &out, &errb); err == nil {
		t.Fatal("a damaged file was restored")
	}
	if err := run(ctx, []string{"restore", "--data-dir", dirB, "--from", backup}, nil, &out, &errb); err != nil {
		t.Fatalf("restore: %v %s", err, errb.String())
	}
	if err := run(ctx, []string{"restore", "--data-dir", dirB, "--from", backup}, nil, &out, &errb); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("a second restore without --force: got %v", err)
	}

	q := start(t, []string{"DISPATCH_DATA_DIR=" + dirB, "DATABASE_URL="}, "serve", "--addr", "127.0.0.1:0")
	token = login(q)
	for _, id := range before {
		if code := q.call("GET", "/api/v1/incidents/"+id, token, nil, nil); code != 200 {
			t.Fatalf("incident %s, acknowledged before the backup: got %d from the restored store", id, code)
		}
	}
	if code := q.call("GET", "/readyz", "", nil, nil); code != 200 {
		t.Fatalf("readyz on the restored store: got %d", code)
	}
	t.Logf("%d incidents acknowledged before the backup, all restored; %d in all while it ran", len(before), len(acked))
}
