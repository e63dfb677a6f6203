package migrations_test

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite"

	"dispatchd/migrations"
	"dispatchd/store/postgres/pgtest"
)

// TestSecretAnswersBlanked: migration 00007 blanks the stored answers that
// held a secret (a tracker's key, a refreshed token) before they were no
// longer stored, and leaves every other answer alone.
func TestSecretAnswersBlanked(t *testing.T) {
	for _, tt := range []struct {
		name    string
		dialect goose.Dialect
		open    func(t *testing.T) *sql.DB
		fsys    fs.FS
		insert  string
	}{
		{"sqlite", goose.DialectSQLite3, func(t *testing.T) *sql.DB {
			db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db"))
			if err != nil {
				t.Fatal(err)
			}
			return db
		}, migrations.SQLite(), `INSERT INTO idempotency (actor, key, method, path, status, body, created_at) VALUES (?, ?, 'POST', ?, ?, ?, CURRENT_TIMESTAMP)`},
		{"postgres", goose.DialectPostgres, func(t *testing.T) *sql.DB {
			db, err := sql.Open("pgx", pgtest.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			return db
		}, migrations.Postgres(), `INSERT INTO idempotency (actor, key, method, path, status, body, created_at) VALUES ($1, $2, 'POST', $3, $4, $5, now())`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := tt.open(t)
			defer db.Close()
			p, err := goose.NewProvider(tt.dialect, db, tt.fsys)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 6); err != nil {
				t.Fatal(err)
			}
			rows := []struct {
				key, path string
				status    int
				body      string
				want      string
			}{
				{"k1", "/api/v1/trackers", 201, `{"id":"a","token":"SECRET1"}`, ""},
				{"k2", "/api/v1/auth/refresh", 200, `{"token":"SECRET2"}`, ""},
				{"k3", "/api/v1/trackers", 409, `{"detail":"tracker a is already registered"}`, `{"detail":"tracker a is already registered"}`},
				{"k4", "/api/v1/teams", 201, `{"id":"t1"}`, `{"id":"t1"}`},
			}
			for _, r := range rows {
				if _, err := db.ExecContext(ctx, tt.insert, "commander", r.key, r.path, r.status, []byte(r.body)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				var body []byte
				if err := db.QueryRowContext(ctx, "SELECT body FROM idempotency WHERE key = '"+r.key+"'").Scan(&body); err != nil {
					t.Fatal(err)
				}
				if string(body) != r.want {
					t.Errorf("%s %d: got body %q, want %q", r.path, r.status, body, r.want)
				}
			}
		})
	}
}
