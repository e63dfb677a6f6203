package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"dispatchd/store/sqlite"
)

// migratedSQLite holds the files of a SQLite data directory with every
// migration applied, made once for the package: each env's store starts
// from a copy of them rather than running the migrations again.
var migratedSQLite = sync.OnceValues(func() (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "dispatchd-sqlite-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	// Closed, its write-ahead log is in the database file.
	st.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, en := range entries {
		if !en.Type().IsRegular() || strings.HasSuffix(en.Name(), "-shm") {
			continue
		}
		if files[en.Name()], err = os.ReadFile(filepath.Join(dir, en.Name())); err != nil {
			return nil, err
		}
	}
	if len(files[sqlite.FileName]) == 0 {
		return nil, fmt.Errorf("no %s after the migrations", sqlite.FileName)
	}
	return files, nil
})

// migratedDir returns a new data directory for the test holding a copy
// of the migrated SQLite database.
func migratedDir(t *testing.T) string {
	t.Helper()
	files, err := migratedSQLite()
	if err != nil {
		t.Fatalf("a migrated SQLite database: %v", err)
	}
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
