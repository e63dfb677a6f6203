package sqlite_test

import (
	"context"
	"testing"

	"dispatchd/store/sqlite"
	"dispatchd/store/storetest"
)

// open returns a migrated store in a new directory.
func open(tb testing.TB) storetest.Store {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, tb.TempDir())
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
