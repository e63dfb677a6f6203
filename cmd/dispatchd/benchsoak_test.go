package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestBenchSoakCommand runs a short soak end to end: a real server and the
// screens as processes, sampled every two seconds.
func TestBenchSoakCommand(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	args := []string{"bench", "soak", "--units", "300", "--rate", "200", "--screens", "4", "--incidents", "2",
		"--duration", "16s", "--every", "2s", "--warmup", "4s"}
	if err := run(context.Background(), args, nil, &out, &errb); err != nil {
		t.Fatalf("bench soak: %v\n%s\n%s", err, out.String(), errb.String())
	}
	samples := regexp.MustCompile(`(?m)^ +\d+s +[\d.]+ +[\d.]+ +\d+ +4 +\d+ `).FindAllString(out.String(), -1)
	if got, want := len(samples), 8; got != want {
		t.Fatalf("got %d samples with 4 screens, want %d:\n%s", got, want, out.String())
	}
	verdict := regexp.MustCompile(`soak: 1\ds, 200 positions/s .* 4 screens, 2 incidents/s: heap [\d.]+→[\d.]+ MiB, RSS [\d.]+→[\d.]+ MiB, goroutines \d+→\d+; events (\d+) of (\d+) on every screen, 0 screens closed: flat\n`)
	m := verdict.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the output lacks a flat verdict:\n%s", out.String())
	}
	if m[1] != m[2] || m[1] == "0" {
		t.Fatalf("got %s of %s events on every screen, want every one of at least one", m[1], m[2])
	}
	for _, bad := range [][]string{{"--every", "5s", "--duration", "10s"}, {"--rate", "0"}, {"--duration", "10s", "--every", "2s", "--warmup", "5s"}} {
		if err := run(context.Background(), append([]string{"bench", "soak"}, bad...), nil, &out, &errb); err == nil {
			t.Errorf("bench soak %s was accepted", strings.Join(bad, " "))
		}
	}
}
