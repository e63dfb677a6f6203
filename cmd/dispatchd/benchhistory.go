package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"dispatchd/bench"
	"dispatchd/store/postgres"
	"dispatchd/store/sqlite"
)

// historyLayouts gives `bench history` the position history of st in the
// layout before the current one and in the current one.
func historyLayouts(ctx context.Context, st bench.Store) ([]bench.HistoryLayout, func(), error) {
	switch s := st.(type) {
	case *sqlite.Store:
		return []bench.HistoryLayout{{
			// The main file's table of migration 00003, written and read by
			// the embedded store as before the day files.
			Name: "SQLite: one table (00003)", Append: s.Store.AppendPositions, Track: s.Store.Track, Bytes: s.LegacyPositionBytes,
		}, {
			Name: "SQLite: a file a day", Append: s.AppendPositions, Track: s.Track, Bytes: s.PositionBytes, Prune: s.DeletePositionsBefore,
		}}, func() {}, nil
	case *postgres.Store:
		u, err := s.Unpartitioned(ctx, fmt.Sprintf("bench_positions_%d", time.Now().UnixNano()))
		if err != nil {
			return nil, nil, err
		}
		return []bench.HistoryLayout{{
			Name: "PostgreSQL: one table (00003)", Append: u.AppendPositions, Track: u.Track, Bytes: u.Bytes,
		}, {
			Name: "PostgreSQL: a partition a day", Append: s.AppendPositions, Track: s.Track, Bytes: s.PositionBytes, Prune: s.DeletePositionsBefore,
		}}, func() { _ = u.Drop(context.WithoutCancel(ctx)) }, nil
	}
	return nil, nil, errors.New("bench history: unknown store")
}
