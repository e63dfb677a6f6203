package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"dispatchd/auth"
	"dispatchd/coverage"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/notify"
	"dispatchd/realtime"
	"dispatchd/recorder"
	"dispatchd/regions"
	"dispatchd/resources"
	"dispatchd/store/postgres"
	"dispatchd/store/sqlite"
	"dispatchd/warning"
	"dispatchd/web"
	"dispatchd/zones"
)

// appStore is what the commands need of a store; both adapters have it.
type appStore interface {
	resources.Store
	auth.Store
	dispatch.Store
	plan.Source
	regions.Store
	regions.RollupStore
	warning.Store
	notify.Store
	OnCommit(fn func())
	web.EventReader
	web.AuditReader
	web.IdempotencyStore
	realtime.StateSource
	realtime.HistoryStore
	web.TrackReader
	recorder.Store
	zones.Store
	coverage.GapStore
	coverage.PopulationStore
	DeleteIdempotentBefore(ctx context.Context, t time.Time) (int64, error)
	Migrate(ctx context.Context) (int, error)
	// Analyze refreshes the planner's statistics after a bulk load.
	Analyze(ctx context.Context) error
	Ready(ctx context.Context) error
	Close() error
}

var (
	_ appStore = (*sqlite.Store)(nil)
	_ appStore = (*postgres.Store)(nil)
)

// storeFlags are the flags every command that opens the store takes.
type storeFlags struct {
	dataDir     string
	databaseURL string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", envOr("DISPATCH_DATA_DIR", "./data"), "directory of the embedded SQLite store (env DISPATCH_DATA_DIR)")
	fs.StringVar(&f.databaseURL, "database-url", envOr("DATABASE_URL", ""), "PostgreSQL URL; empty means the embedded SQLite store (env DATABASE_URL)")
}

// open opens the configured store and applies pending migrations.
func (f *storeFlags) open(ctx context.Context, log *slog.Logger) (appStore, error) {
	var st appStore
	if f.databaseURL != "" {
		pg, err := postgres.Open(ctx, f.databaseURL)
		if err != nil {
			return nil, err
		}
		log.Info("store: PostgreSQL")
		st = pg
	} else {
		sq, err := sqlite.Open(ctx, f.dataDir)
		if err != nil {
			return nil, err
		}
		log.Info("store: SQLite", "path", sq.Path())
		st = sq
	}
	n, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("migrations applied", "count", n)
	}
	return st, nil
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: dispatchd %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
