package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"dispatchd/migrations"
	"dispatchd/realtime"
	"dispatchd/store/postgres"
	"dispatchd/store/postgres/pgtest"
)

// count runs a count query.
func count(t *testing.T, s *postgres.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.Pool().QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func tableExists(t *testing.T, s *postgres.Store, name string) bool {
	t.Helper()
	return count(t, s, `SELECT count(*) FROM pg_class WHERE relname = $1 AND relkind IN ('r', 'p')`, name) == 1
}

// TestPositionPartitions: migration 00008 turns an existing history into
// day partitions keeping every row, with today and three days ahead made;
// a fix on a day with no partition lands in the default partition without
// failing its batch, and moves into its day's partition when that is made;
// a prune at a midnight drops the days before it whole and deletes the
// default partition's expired fixes.
func TestPositionPartitions(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)

	// The schema before 00008, with a history in it.
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.Postgres())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	old := today.Add(-5 * 24 * time.Hour)
	for i := range 48 { // two days, a fix an hour
		if _, err := db.ExecContext(ctx, `INSERT INTO positions (team_id, ts, lon, lat, received_at) VALUES ('t1', $1, 120, 30, now())`,
			old.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	name := func(d time.Time) string { return "positions_p" + d.Format("20060102") }
	for _, tt := range []struct {
		table string
		want  int64
	}{
		{name(old), 24},
		{name(old.Add(24 * time.Hour)), 24},
		{"positions_default", 0},
		{name(today), 0},
		{name(today.Add(3 * 24 * time.Hour)), 0},
	} {
		if !tableExists(t, s, tt.table) {
			t.Fatalf("got no table %s after the migration, want one", tt.table)
		}
		if got := count(t, s, fmt.Sprintf(`SELECT count(*) FROM %s`, tt.table)); got != tt.want {
			t.Fatalf("%s: got %d rows, want %d", tt.table, got, tt.want)
		}
	}
	if tableExists(t, s, "positions_unpartitioned") {
		t.Fatal("the old table is still there")
	}

	// A fix far ahead: no partition yet, and the batch is written.
	far := today.Add(40 * 24 * time.Hour)
	if err := s.AppendPositions(ctx, []realtime.Position{{Team: "t1", Lon: 120, Lat: 30, TS: far.Add(time.Hour)}, {Team: "t1", Lon: 120, Lat: 30, TS: today.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if got := count(t, s, `SELECT count(*) FROM positions_default`); got != 1 {
		t.Fatalf("got %d rows in the default partition, want 1", got)
	}
	if err := s.CreatePositionPartitions(ctx, far, far); err != nil {
		t.Fatal(err)
	}
	if got := count(t, s, `SELECT count(*) FROM positions_default`) + 10*count(t, s, fmt.Sprintf(`SELECT count(*) FROM %s`, name(far))); got != 10 {
		t.Fatalf("got %d rows in the default (units) and the new partition (tens), want the one fix moved: 10", got)
	}

	// A stray expired fix in the default partition, then a prune at the
	// midnight after the old days.
	if err := s.AppendPositions(ctx, []realtime.Position{{Team: "t1", Lon: 120, Lat: 30, TS: old.Add(-100 * 24 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeletePositionsBefore(ctx, old.Add(48*time.Hour))
	if err != nil || n != 49 {
		t.Fatalf("got %d deleted, %v; want the two old days and the stray fix, 49", n, err)
	}
	for _, d := range []time.Time{old, old.Add(24 * time.Hour)} {
		if tableExists(t, s, name(d)) {
			t.Fatalf("got %s after the prune, want it dropped", name(d))
		}
	}
	for _, d := range []time.Time{today, far} {
		if !tableExists(t, s, name(d)) {
			t.Fatalf("got no %s after the prune, want it kept", name(d))
		}
	}
	track, err := s.Track(ctx, "t1", old.Add(-200*24*time.Hour), far.Add(24*time.Hour), 100)
	if err != nil || len(track) != 2 {
		t.Fatalf("got %d fixes left, %v; want 2", len(track), err)
	}
}

// TestPartitionMaintenanceUnderWrites drops ten expired days and creates
// five new ones while a writer keeps appending today's fixes: no write
// fails, every one is kept, and every expired fix is gone.
func TestPartitionMaintenanceUnderWrites(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	old := today.Add(-60 * 24 * time.Hour)
	if err := s.CreatePositionPartitions(ctx, old, old.Add(9*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var seed []realtime.Position
	for i := range 10_000 {
		seed = append(seed, realtime.Position{Team: "t1", Lon: 120, Lat: 30, TS: old.Add(time.Duration(i) * 86 * time.Second)})
	}
	if err := s.AppendPositions(ctx, seed); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	done := make(chan error, 1)
	var written int
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			ps := make([]realtime.Position, 100)
			for j := range ps {
				ps[j] = realtime.Position{Team: "t2", Lon: 121, Lat: 31, TS: today.Add(time.Duration(i*100+j) * time.Millisecond)}
			}
			if err := s.AppendPositions(ctx, ps); err != nil {
				done <- err
				return
			}
			written += len(ps)
		}
	}()
	n, derr := s.DeletePositionsBefore(ctx, old.Add(10*24*time.Hour))
	cerr := s.CreatePositionPartitions(ctx, today.Add(4*24*time.Hour), today.Add(8*24*time.Hour))
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("a write during the maintenance: %v", err)
	}
	if derr != nil || cerr != nil || n != 10_000 {
		t.Fatalf("got %d deleted, %v, %v; want 10000 and no error", n, derr, cerr)
	}
	got, err := s.Track(ctx, "t2", today, today.Add(24*time.Hour), 1_000_000)
	if err != nil || len(got) != written || written == 0 {
		t.Fatalf("got %d of the writer's fixes, %v; want all %d", len(got), err, written)
	}
	if left, err := s.Track(ctx, "t1", old, today, 10); err != nil || len(left) != 0 {
		t.Fatalf("got %d expired fixes left, %v; want none", len(left), err)
	}
}
