package auth

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	cfg := ThrottleConfig{PerUser: 3, PerAddress: 5, Window: time.Minute, Lockout: 10 * time.Minute}
	tests := []struct {
		name  string
		fails []string // user@addr, one a second from t0
		at    time.Duration
		user  string
		addr  string
		want  time.Duration // lockout left at t0+at
	}{
		{"under the limit", []string{"a@1", "a@1"}, 3 * time.Second, "a", "1", 0},
		{"the user is locked", []string{"a@1", "a@2", "a@3"}, 3 * time.Second, "a", "9", 10*time.Minute - time.Second},
		{"another user is not", []string{"a@1", "a@2", "a@3"}, 3 * time.Second, "b", "9", 0},
		{"failures outside the window do not add up", []string{"a@1", "a@1"}, 0, "", "", 0},
		{"the address is locked for every user", []string{"a@1", "b@1", "c@1", "d@1", "e@1"}, 5 * time.Second, "z", "1", 10*time.Minute - 1*time.Second},
		{"the lockout ends", []string{"a@1", "a@1", "a@1"}, 11 * time.Minute, "a", "1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := newThrottle(cfg)
			for i, f := range tt.fails {
				var user, addr string
				for j := range f {
					if f[j] == '@' {
						user, addr = f[:j], f[j+1:]
					}
				}
				at := t0.Add(time.Duration(i) * time.Second)
				if tt.name == "failures outside the window do not add up" {
					at = t0.Add(time.Duration(i) * 2 * time.Minute)
				}
				th.fail(user, addr, at)
			}
			if tt.user == "" {
				// Two failures two minutes apart, then one more: still
				// under three within a minute.
				th.fail("a", "1", t0.Add(5*time.Minute))
				if got := th.locked("a", "1", t0.Add(5*time.Minute)); got != 0 {
					t.Fatalf("got locked for %v, want not locked", got)
				}
				return
			}
			if got := th.locked(tt.user, tt.addr, t0.Add(tt.at)); got != tt.want {
				t.Fatalf("got locked for %v, want %v", got, tt.want)
			}
		})
	}
	th := newThrottle(cfg)
	th.fail("a", "1", t0)
	th.fail("a", "1", t0)
	th.succeed("a")
	th.fail("a", "1", t0)
	if got := th.locked("a", "1", t0); got != 0 {
		t.Fatalf("a success forgets the user's failures: got locked for %v", got)
	}
}
