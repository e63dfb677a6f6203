package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"dispatchd/store/postgres/pgtest"
)

// TestBenchHistoryCommand runs a small history benchmark on each store: the
// table has the old layout and the new, each with its bytes per fix,
// ingest rate and track times, and the new one the longest write while its
// day was pruned (the run fails unless the prune removed every fix).
func TestBenchHistoryCommand(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, url string
		old, cur  string
	}{
		{"SQLite", "", `SQLite: one table \(00003\)`, `SQLite: a file a day`},
		{"PostgreSQL", pgtest.URL(t), `PostgreSQL: one table \(00003\)`, `PostgreSQL: a partition a day`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := []string{"bench", "history", "--fixes", "6000", "--units", "40", "--tracks", "10", "--database-url", tt.url}
			if err := run(context.Background(), args, nil, &out, &errb); err != nil {
				t.Fatalf("bench history: %v\n%s\n%s", err, out.String(), errb.String())
			}
			num, dur := `\d+(\.\d+)?`, `\d+(\.\d+)?(µs|ms|s)`
			for _, re := range []string{
				tt.old + ` +` + num + ` +` + num + ` +` + dur + ` +` + dur + ` +-`,
				tt.cur + ` +` + num + ` +` + num + ` +` + dur + ` +` + dur + ` +` + dur + ` \(\d+ writes\)`,
			} {
				if !regexp.MustCompile(re).MatchString(out.String()) {
					t.Fatalf("the output lacks %s:\n%s", re, out.String())
				}
			}
		})
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"bench", "history", "--fixes", "0"}, nil, &out, &errb); err == nil {
		t.Fatal("--fixes 0 was accepted")
	}
}

// TestThinFlags: serve refuses a negative thinning age and an interval
// under a second before it opens anything.
func TestThinFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--position-thin-after", "-1h"},
		{"--position-thin-after", "48h", "--position-thin-every", "500ms"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"}, args...), nil, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "--position-thin-after") {
			t.Fatalf("serve %v: got %v, want the thinning flags refused", args, err)
		}
	}
}
