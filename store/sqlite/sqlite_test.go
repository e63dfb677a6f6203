package sqlite_test

import (
	"context"
	"testing"

	"dispatchd/store/sqlite"
	"dispatchd/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		ctx := context.Background()
		s, err := sqlite.Open(ctx, t.TempDir())
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

func TestNotReadyBeforeMigrate(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(ctx); err == nil {
		t.Fatal("got ready before migrations, want an error")
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("got %v after migrations, want ready", err)
	}
}

func BenchmarkImportStock100k(b *testing.B) {
	storetest.BenchImportStock(b, func(b *testing.B) storetest.Store {
		ctx := context.Background()
		s, err := sqlite.Open(ctx, b.TempDir())
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
