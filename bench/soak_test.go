package bench

import (
	"strings"
	"testing"
	"time"
)

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
