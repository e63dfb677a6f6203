package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
)

// TestBenchPruneCommand runs a small prune benchmark on a new SQLite store:
// both timings are printed, and the prune removes every seeded fix.
func TestBenchPruneCommand(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	args := []string{"bench", "prune", "--fixes", "20000", "--units", "50", "--baseline", "300ms", "--database-url", ""}
	if err := run(context.Background(), args, nil, &out, &errb); err != nil {
		t.Fatalf("bench prune: %v\n%s\n%s", err, out.String(), errb.String())
	}
	for _, re := range []string{`no prune \(300ms\): +writes \d+: p50 \S+ p99 \S+ max \S+ \| readiness`, `during the prune: writes \d+: p50 \S+ p99 \S+ max \S+`,
		`the prune removed 20000 fixes in `} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Fatalf("the output lacks %s:\n%s", re, out.String())
		}
	}
	if err := run(context.Background(), []string{"bench", "prune", "--fixes", "0"}, nil, &out, &errb); err == nil {
		t.Fatal("--fixes 0 was accepted")
	}
}
