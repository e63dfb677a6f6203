package sqlite_test

import (
	"context"
	"database/sql"
	"testing"

	"dispatchd/store/sqlite"
	"dispatchd/store/storetest"
)

// TestRollupRequests writes support requests through a second connection
// to the same file.
func TestRollupRequests(t *testing.T) {
	s := open(t)
	db, err := sql.Open("sqlite", "file:"+s.(*sqlite.Store).Path()+"?_pragma=busy_timeout(10000)&_time_integer_format=unix_micro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.RollupRequests(t, s, func(ctx context.Context, q string, args ...any) error {
		_, err := db.ExecContext(ctx, q, args...)
		return err
	})
}
