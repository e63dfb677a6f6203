package postgres_test

import (
	"context"
	"io/fs"
	"testing"

	"dispatchd/migrations"
	"dispatchd/store/postgres"
	"dispatchd/store/postgres/pgtest"
	"dispatchd/store/storetest"
)

// open returns a migrated store on a new database.
func open(tb testing.TB) storetest.Store {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.URL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func BenchmarkImportStock100k(b *testing.B) { storetest.BenchImportStock(b, open) }

func BenchmarkIssue(b *testing.B) { storetest.BenchIssue(b, open) }

func BenchmarkEscalate(b *testing.B) { storetest.BenchEscalate(b, open) }

func TestMigrateTwiceIsANoOp(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	files, err := fs.Glob(migrations.Postgres(), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations embedded: %v", err)
	}
	for i, want := range []int{len(files), 0} {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.Migrate(ctx)
		s.Close()
		if err != nil || n != want {
			t.Fatalf("run %d: got %d migrations applied, err %v; want %d", i, n, err, want)
		}
	}
}
