package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd/realtime"
	"dispatchd/store/sqlite"
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

// historyTeams are the teams whose tracks the history tests write.
var historyTeams = []string{"t1", "t2"}

// writeHistory creates a SQLite store in dir with fixes of historyTeams
// every 10 s from 22:00 on the day of base to 02:00 the next day, so two
// day files, and returns the tracks read back.
func writeHistory(t *testing.T, dir string, base time.Time) map[string][]realtime.Position {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	start := base.UTC().Truncate(24 * time.Hour).Add(22 * time.Hour)
	var ps []realtime.Position
	for i := range 4 * 360 {
		for j, team := range historyTeams {
			p := realtime.Position{Team: team, Lon: 120 + float64(i)/1e4, Lat: 30 + float64(j)/10, TS: start.Add(time.Duration(i) * 10 * time.Second)}
			if i%2 == 0 {
				speed := float64(i % 30)
				p.Speed = &speed
			}
			ps = append(ps, p)
		}
	}
	if err := st.AppendPositions(ctx, ps); err != nil {
		t.Fatal(err)
	}
	return readHistory(t, st)
}

// readHistory reads the tracks of historyTeams from st.
func readHistory(t *testing.T, st *sqlite.Store) map[string][]realtime.Position {
	t.Helper()
	from, to := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	out := map[string][]realtime.Position{}
	for _, team := range historyTeams {
		tr, err := st.Track(context.Background(), team, from, to, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		out[team] = tr
	}
	return out
}

// readHistoryIn opens the store in dir and reads its tracks.
func readHistoryIn(t *testing.T, dir string) map[string][]realtime.Position {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return readHistory(t, st)
}

// runCmd runs dispatchd with args and returns what it wrote to stdout.
func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, nil, &out, &errb)
	return out.String() + errb.String(), err
}

// dirFiles returns the contents of every file under dir by relative path.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestBackupRestorePositions backs up a store with fixes on two days and
// restores it into an empty data directory and over a store with another
// history: the tracks read back whole, and nothing of the old history,
// nor its write-ahead logs, is left.
func TestBackupRestorePositions(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	dirA := t.TempDir()
	want := writeHistory(t, dirA, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	backup := filepath.Join(t.TempDir(), "b.db")
	out, err := runCmd(t, "backup", "--data-dir", dirA, "--out", backup)
	if err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	if !strings.Contains(out, "2 day files") {
		t.Fatalf("backup said %q, want the number of day files", out)
	}
	if got := dirFiles(t, sqlite.PositionsBackup(backup)); len(got) != 2 || got["20260301.db"] == "" || got["20260302.db"] == "" {
		t.Fatalf("backup of the history: got files %v, want 20260301.db and 20260302.db", slices.Sorted(maps.Keys(got)))
	}

	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		args    []string
	}{
		{"into an empty data dir", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"over another history", func(t *testing.T, dir string) {
			writeHistory(t, dir, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
			// Logs a crashed server left beside a day file.
			for _, ext := range []string{"-wal", "-shm"} {
				if err := os.WriteFile(filepath.Join(dir, sqlite.DaysDir, "20260301.db"+ext), []byte("stale"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}, []string{"--force"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.prepare(t, dir)
			out, err := runCmd(t, append([]string{"restore", "--data-dir", dir, "--from", backup}, tt.args...)...)
			if err != nil {
				t.Fatalf("restore: %v %s", err, out)
			}
			if !strings.Contains(out, "2 day files") {
				t.Fatalf("restore said %q, want the number of day files", out)
			}
			if got := slices.Sorted(maps.Keys(dirFiles(t, filepath.Join(dir, sqlite.DaysDir)))); !reflect.DeepEqual(got, []string{"20260301.db", "20260302.db"}) {
				t.Fatalf("restored day files: got %v, want 20260301.db and 20260302.db", got)
			}
			if got := readHistoryIn(t, dir); !reflect.DeepEqual(got, want) {
				t.Fatalf("restored tracks: got %d and %d fixes, want %d and %d, equal", len(got["t1"]), len(got["t2"]), len(want["t1"]), len(want["t2"]))
			}
			for _, name := range []string{sqlite.DaysDir + ".old", sqlite.DaysDir + ".restoring", sqlite.FileName + ".restoring"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
					t.Fatalf("%s left behind", name)
				}
			}
		})
	}
	if len(want["t1"]) != 1440 {
		t.Fatalf("written: got %d fixes of t1, want 1440", len(want["t1"]))
	}
}

// TestBackupWithoutPositions skips the history with --positions=false:
// the backup says so and has no history, and its restore leaves the data
// directory's history as it is.
func TestBackupWithoutPositions(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	dirA, dirB := t.TempDir(), t.TempDir()
	writeHistory(t, dirA, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	kept := writeHistory(t, dirB, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	backup := filepath.Join(t.TempDir(), "b.db")
	out, err := runCmd(t, "backup", "--data-dir", dirA, "--out", backup, "--positions=false")
	if err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	if !strings.Contains(out, "--positions=false") {
		t.Fatalf("backup said %q, want it to say the history was skipped", out)
	}
	if _, err := os.Stat(sqlite.PositionsBackup(backup)); err == nil {
		t.Fatal("a history was written with --positions=false")
	}
	out, err = runCmd(t, "restore", "--data-dir", dirB, "--from", backup, "--force")
	if err != nil {
		t.Fatalf("restore: %v %s", err, out)
	}
	if !strings.Contains(out, "left as it is") {
		t.Fatalf("restore said %q, want it to say the history was left", out)
	}
	if got := readHistoryIn(t, dirB); !reflect.DeepEqual(got, kept) {
		t.Fatalf("history after a restore without one: got %d fixes of t1, want the %d there before", len(got["t1"]), len(kept["t1"]))
	}
}

// TestRestoreRefusesDamagedPositions damages one day file of a backup:
// the restore refuses, and changes nothing in the data directory.
func TestRestoreRefusesDamagedPositions(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	dirA, dirB := t.TempDir(), t.TempDir()
	writeHistory(t, dirA, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	writeHistory(t, dirB, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	backup := filepath.Join(t.TempDir(), "b.db")
	if out, err := runCmd(t, "backup", "--data-dir", dirA, "--out", backup); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	// Garbage over every page of the second day but the first two.
	damaged := filepath.Join(sqlite.PositionsBackup(backup), "20260302.db")
	b, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 3*4096 {
		t.Fatalf("day file of %d bytes: too small to damage", len(b))
	}
	copy(b[2*4096:], bytes.Repeat([]byte{0xA5}, len(b)))
	if err := os.WriteFile(damaged, b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := dirFiles(t, dirB)
	out, err := runCmd(t, "restore", "--data-dir", dirB, "--from", backup, "--force")
	if err == nil {
		t.Fatalf("a backup with a damaged day file was restored: %s", out)
	}
	if !strings.Contains(userMessage(err), "20260302.db") {
		t.Fatalf("restore: got %q, want it to name the damaged file", userMessage(err))
	}
	if after := dirFiles(t, dirB); !reflect.DeepEqual(after, before) {
		t.Fatalf("data dir after a refused restore: got files %v, want %v unchanged", slices.Sorted(maps.Keys(after)), slices.Sorted(maps.Keys(before)))
	}
}

// TestBackupWhileWriting backs up while a writer appends to today's file:
// the backup succeeds, the writer never fails, and the backup holds today's
// fixes written before it began.
func TestBackupWhileWriting(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	ctx := context.Background()
	dir := t.TempDir()
	writeHistory(t, dir, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var written atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	first := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			batch := make([]realtime.Position, 10)
			for j := range batch {
				batch[j] = realtime.Position{Team: "t1", Lon: 120, Lat: 30, TS: today.Add(time.Duration(i*10+j) * time.Millisecond)}
			}
			if err := st.AppendPositions(ctx, batch); err != nil {
				done <- err
				return
			}
			if written.Add(int64(len(batch))) == int64(len(batch)) {
				close(first)
			}
		}
	}()
	<-first
	began := written.Load()
	backup := filepath.Join(t.TempDir(), "b.db")
	out, berr := runCmd(t, "backup", "--data-dir", dir, "--out", backup)
	during := written.Load() - began
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if berr != nil {
		t.Fatalf("backup while writing: %v %s", berr, out)
	}
	if !strings.Contains(out, "3 day files") {
		t.Fatalf("backup said %q, want 3 day files", out)
	}
	restored := t.TempDir()
	if out, err := runCmd(t, "restore", "--data-dir", restored, "--from", backup); err != nil {
		t.Fatalf("restore: %v %s", err, out)
	}
	rs, err := sqlite.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	tr, err := rs.Track(ctx, "t1", today, today.Add(24*time.Hour), 10_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if n := int64(len(tr)); n < began || n > written.Load() {
		t.Fatalf("today's fixes in the backup: got %d, want from %d to %d", n, began, written.Load())
	}
	t.Logf("%d fixes written during the backup; %d of today's in it", during, len(tr))
}
