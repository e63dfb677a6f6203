package postgres_test

import (
	"context"
	"testing"

	"dispatchd/store/postgres"
	"dispatchd/store/postgres/pgtest"
	"dispatchd/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		ctx := context.Background()
		s, err := postgres.Open(ctx, pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	for i, want := range []int{1, 0} {
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

func BenchmarkImportStock100k(b *testing.B) {
	storetest.BenchImportStock(b, func(b *testing.B) storetest.Store {
		ctx := context.Background()
		s, err := postgres.Open(ctx, pgtest.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		return s
	})
}
