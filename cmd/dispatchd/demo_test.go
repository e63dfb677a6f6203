package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"dispatchd/store/postgres/pgtest"
)

// Seeding the demo province takes a process many seconds under -race, and
// most end-to-end tests start from it. The package seeds it once into
// SQLite and once into a PostgreSQL template database, with `dispatchd
// seed --demo` (TestMain starts both as a whole run begins); each test
// that changes the province gets a copy of its own (demoEnv), and the
// tests that only read it read the SQLite one (seededDemo).
// TestServeDemoSurvivesKill9 still has `serve --demo` load the province
// into an empty store, on both stores.

// demoLeft is what the demo seeds leave, for TestMain to remove.
var demoLeft struct {
	mu        sync.Mutex
	dir       string
	base, tpl string
}

// demoSQLite seeds the SQLite demo store once and returns its directory.
var demoSQLite = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "dispatchd-demo-")
	if err != nil {
		return "", err
	}
	demoLeft.mu.Lock()
	demoLeft.dir = dir
	demoLeft.mu.Unlock()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"seed", "--demo", "--data-dir", dir, "--database-url", ""}, nil, &out, &errb); err != nil {
		return "", fmt.Errorf("seed: %w %s", err, errb.String())
	}
	return dir, nil
})

// demoPostgres seeds the PostgreSQL template database once and returns
// its name; "" without TEST_DATABASE_URL.
var demoPostgres = sync.OnceValues(func() (string, error) {
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		return "", nil
	}
	name := "demo_tpl_" + randomHex()
	if err := pgExec(base, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	demoLeft.mu.Lock()
	demoLeft.base, demoLeft.tpl = base, name
	demoLeft.mu.Unlock()
	dir, err := os.MkdirTemp("", "dispatchd-demo-pg-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	var out, errb bytes.Buffer
	args := []string{"seed", "--demo", "--data-dir", dir, "--database-url", withDB(base, name)}
	if err := run(context.Background(), args, nil, &out, &errb); err != nil {
		return "", fmt.Errorf("seed: %w %s", err, errb.String())
	}
	return name, nil
})

// removeDemoStores removes the seeded demo stores.
func removeDemoStores() {
	demoLeft.mu.Lock()
	defer demoLeft.mu.Unlock()
	if demoLeft.dir != "" {
		os.RemoveAll(demoLeft.dir)
	}
	if demoLeft.tpl != "" {
		_ = pgExec(demoLeft.base, "DROP DATABASE IF EXISTS "+demoLeft.tpl+" WITH (FORCE)")
	}
}

// seededDemo returns the directory of the seeded SQLite demo store; tests
// must not change it.
func seededDemo(t *testing.T) string {
	t.Helper()
	dir, err := demoSQLite()
	if err != nil {
		t.Fatalf("the demo store: %v", err)
	}
	return dir
}

// demoEnv returns the environment of a store of the test's own that holds
// the demo province, as `serve --demo` leaves an empty store: a copy of
// the seeded SQLite store, or a new PostgreSQL database made from the
// seeded template. `serve --demo` on it finds the province there and
// prints the demo logins, as on a restart.
func demoEnv(t *testing.T, backend string) []string {
	t.Helper()
	dir := t.TempDir()
	if backend == "postgres" {
		return []string{"DISPATCH_DATA_DIR=" + dir, "DATABASE_URL=" + pgDemoURL(t)}
	}
	if err := os.CopyFS(dir, os.DirFS(seededDemo(t))); err != nil {
		t.Fatalf("copy the demo store: %v", err)
	}
	return []string{"DISPATCH_DATA_DIR=" + dir, "DATABASE_URL="}
}

// demoCopies serializes CREATE DATABASE ... TEMPLATE, which wants the
// template to itself.
var demoCopies sync.Mutex

// pgDemoURL returns the URL of a new database that holds the demo
// province, dropped when the test ends. Without TEST_DATABASE_URL it
// skips or fails as pgtest.URL does.
func pgDemoURL(t *testing.T) string {
	t.Helper()
	tpl, err := demoPostgres()
	if err != nil {
		t.Fatalf("the demo template database: %v", err)
	}
	if tpl == "" {
		return pgtest.URL(t) // skips, or fails under CI
	}
	base := os.Getenv("TEST_DATABASE_URL")
	name := "t_" + randomHex()
	demoCopies.Lock()
	err = pgExec(base, "CREATE DATABASE "+name+" TEMPLATE "+tpl)
	demoCopies.Unlock()
	if err != nil {
		t.Fatalf("copy the demo database: %v", err)
	}
	t.Cleanup(func() {
		if err := pgExec(base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDB(base, name)
}

// pgExec runs one statement on the server's maintenance database.
func pgExec(base, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

// withDB returns base with the database name replaced.
func withDB(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
