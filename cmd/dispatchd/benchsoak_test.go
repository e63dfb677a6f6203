package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
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

func TestJudgeSoak(t *testing.T) {
	t.Parallel()
	const mb = 1 << 20
	// series makes a sample every 10 s from heap, RSS and goroutine counts.
	series := func(heap, rss, goroutines []int64) []soakSample {
		ss := make([]soakSample, len(heap))
		for i := range ss {
			ss[i] = soakSample{at: time.Duration(i+1) * 10 * time.Second, heap: heap[i] * mb, rss: rss[i] * mb, goroutines: goroutines[i]}
		}
		return ss
	}
	same := func(n int, v int64) []int64 {
		xs := make([]int64, n)
		for i := range xs {
			xs[i] = v
		}
		return xs
	}
	ramp := func(n int, from, step int64) []int64 {
		xs := make([]int64, n)
		for i := range xs {
			xs[i] = from + int64(i)*step
		}
		return xs
	}
	tests := []struct {
		name   string
		in     []soakSample
		warmup time.Duration
		flat   bool
		grew   string // a word of what grew, when not flat
	}{
		{"constant", series(same(12, 40), same(12, 180), same(12, 420)), 0, true, ""},
		{"noisy but level", series(
			[]int64{40, 44, 39, 41, 45, 40, 38, 43, 41, 40, 44, 39},
			[]int64{180, 190, 176, 185, 181, 192, 179, 183, 188, 180, 186, 184},
			[]int64{420, 424, 418, 421, 430, 419, 420, 425, 417, 422, 428, 420}), 0, true, ""},
		{"growth in the warm-up only", series(
			[]int64{100, 200, 300, 400, 400, 401, 400, 400, 401, 400, 400, 401}, same(12, 180), same(12, 420)), 45 * time.Second, true, ""},
		{"the same without a warm-up", series(
			[]int64{100, 200, 300, 400, 400, 401, 400, 400, 401, 400, 400, 401}, same(12, 180), same(12, 420)), 0, false, "heap"},
		{"a heap leak", series(ramp(12, 40, 3), same(12, 180), same(12, 420)), 0, false, "heap"},
		{"RSS grows", series(same(12, 40), ramp(12, 180, 10), same(12, 420)), 0, false, "RSS"},
		{"five goroutines a sample", series(same(12, 40), same(12, 180), ramp(12, 420, 5)), 0, false, "goroutines"},
		{"goroutines within the slack", series(same(12, 40), same(12, 180), ramp(12, 420, 1)), 0, true, ""},
		{"a step at the end", series(same(12, 40), same(12, 180), append(same(8, 420), 480, 480, 480, 480)), 0, false, "goroutines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := judgeSoak(tt.in, tt.warmup)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.flat(); got != tt.flat {
				t.Fatalf("flat: got %v, want %v (%v)", got, tt.flat, v.grew)
			}
			if !tt.flat && !strings.HasPrefix(strings.Join(v.grew, "; "), tt.grew+" grew") {
				t.Fatalf("grew: got %q, want it to name %s first", v.grew, tt.grew)
			}
		})
	}
	if _, err := judgeSoak(series(same(4, 40), same(4, 180), same(4, 420)), 25*time.Second); err == nil {
		t.Fatal("two samples after the warm-up were judged")
	}
}
