package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestBenchLiveCommand runs a small live benchmark end to end: a real
// server, the broadcast baseline and the screens as processes, and a
// second server holding risk zones and units tasked at scenes.
func TestBenchLiveCommand(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	args := []string{"bench", "live", "--units", "300", "--rate", "400", "--screens", "4", "--timed", "2",
		"--idle", "50", "--duration", "2s", "--runs", "1", "--incidents", "4",
		"--zones", "40", "--scenes", "10"}
	if err := run(context.Background(), args, nil, &out, &errb); err != nil {
		t.Fatalf("bench live: %v\n%s\n%s", err, out.String(), errb.String())
	}
	for _, want := range []string{"idle: 50 field connections", "run 1 dispatchd: accepted", "run 1 baseline", "every event delivered: true", "p99 ratio",
		"holds 40 risk zones and 10 units tasked at scenes", "run 1 dispatchd+zones: accepted", "cpu per fix"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("the output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(context.Background(), []string{"bench", "live", "--rate", "0"}, nil, &out, &errb); err == nil {
		t.Fatal("a rate of 0 was accepted")
	}
}
