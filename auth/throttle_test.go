package auth

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// fails records failures given as "user@addr", one a second from t0.
func fails(th *throttle, list ...string) {
	for i, f := range list {
		user, addr, _ := strings.Cut(f, "@")
		th.fail(user, addr, t0.Add(time.Duration(i)*time.Second))
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestThrottle(t *testing.T) {
	cfg := ThrottleConfig{PerUser: 3, PerAddress: 5, PerUserTotal: 6, Window: time.Minute, FirstDelay: 10 * time.Second, Lockout: time.Minute}
	tests := []struct {
		name  string
		fails []string
		at    time.Duration // after t0
		login string        // user@addr
		want  time.Duration // wait before the password is looked at
	}{
		{"under the limit", []string{"a@1", "a@1"}, 2 * time.Second, "a@1", 0},
		{"the pair waits", []string{"a@1", "a@1", "a@1"}, 2 * time.Second, "a@1", 10 * time.Second},
		{"the delay doubles", repeat("a@1", 4), 3 * time.Second, "a@1", 20 * time.Second},
		{"up to the lockout", repeat("a@1", 10), 9 * time.Second, "a@1", time.Minute},
		{"the user from another address does not wait", repeat("a@1", 10), 9 * time.Second, "a@2", 0},
		{"another user from the address does not wait", []string{"a@1", "a@1", "a@1"}, 2 * time.Second, "b@1", 0},
		{"the address waits for every user", []string{"a@1", "b@1", "c@1", "d@1", "e@1"}, 4 * time.Second, "z@1", 10 * time.Second},
		{"the delay ends", []string{"a@1", "a@1", "a@1"}, 13 * time.Second, "a@1", 0},
		{"failures are forgotten a window after the last", []string{"a@1", "a@1"}, 2 * time.Minute, "a@1", 0},
		// Six addresses guess a's password once each: a answers only
		// clean addresses.
		{"a guessed user refuses an address that failed", []string{"a@1", "a@2", "a@3", "a@4", "a@5", "a@6"}, 6 * time.Second, "a@1", 59 * time.Second},
		{"a guessed user refuses an address that failed on another user", []string{"a@1", "a@2", "a@3", "a@4", "a@5", "a@6", "b@9"}, 7 * time.Second, "a@9", 59 * time.Second},
		{"a guessed user lets a clean address in", []string{"a@1", "a@2", "a@3", "a@4", "a@5", "a@6"}, 6 * time.Second, "a@7", 0},
		{"below the total, an address that failed may try", []string{"a@1", "a@2", "a@3", "a@4", "a@5"}, 5 * time.Second, "a@1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := newThrottle(cfg)
			fails(th, tt.fails...)
			user, addr, _ := strings.Cut(tt.login, "@")
			if got := th.locked(user, addr, t0.Add(tt.at)); got != tt.want {
				t.Fatalf("got wait %v, want %v", got, tt.want)
			}
		})
	}
	th := newThrottle(cfg)
	fails(th, "a@1", "a@1")
	th.succeed("a", "1")
	th.fail("a", "1", t0.Add(2*time.Second))
	th.fail("a", "1", t0.Add(3*time.Second))
	if got := th.locked("a", "1", t0.Add(3*time.Second)); got != 0 {
		t.Fatalf("a success forgets the pair's failures: got wait %v, want 0", got)
	}
}

// TestThrottleMemory feeds the throttle many distinct usernames, each of a
// megabyte: its tables stay within MaxKeys and hold hashes, not names.
func TestThrottleMemory(t *testing.T) {
	th := newThrottle(ThrottleConfig{MaxKeys: 100})
	big := strings.Repeat("x", 1<<20)
	for i := range 1000 {
		th.fail(big+strconv.Itoa(i), "10.0.0."+strconv.Itoa(i%300), t0.Add(time.Duration(i)*time.Millisecond))
	}
	pairs, addrs, users := th.sizes()
	for _, n := range []int{pairs, addrs, users} {
		if n > 100 {
			t.Fatalf("got tables of %d, %d and %d counters, want at most 100 each", pairs, addrs, users)
		}
	}
}

// TestThrottleAttempt counts an attempt as a failure before its password is
// checked: of many sent together, only the allowance gets through. A
// success or a store that did not answer takes the count back.
func TestThrottleAttempt(t *testing.T) {
	th := newThrottle(ThrottleConfig{PerUser: 3, PerAddress: 5, Window: time.Minute, FirstDelay: 10 * time.Second, Lockout: time.Minute})
	through := 0
	for range 20 {
		if th.attempt("a", "1", t0) == 0 {
			through++
		}
	}
	if through != 3 {
		t.Fatalf("got %d attempts through at once, want 3", through)
	}
	th = newThrottle(ThrottleConfig{PerUser: 3, PerAddress: 5, Window: time.Minute})
	for range 10 {
		if wait := th.attempt("a", "1", t0); wait != 0 {
			t.Fatalf("attempts that all succeed: got wait %v, want 0", wait)
		}
		th.succeed("a", "1")
	}
	for range 10 {
		if wait := th.attempt("a", "1", t0); wait != 0 {
			t.Fatalf("attempts the store did not answer: got wait %v, want 0", wait)
		}
		th.undo("a", "1")
	}
	if pairs, addrs, users := th.sizes(); pairs+addrs+users != 0 {
		t.Fatalf("got %d, %d and %d counters left, want none", pairs, addrs, users)
	}
}
