package auth

import (
	"sync"
	"time"
)

// ThrottleConfig sets how many failed logins are tolerated. The zero
// value of a field means its default.
type ThrottleConfig struct {
	// PerUser failures within Window lock the username for Lockout
	// (default 5 within 15 minutes, locked 15 minutes).
	PerUser int
	// PerAddress failures within Window, on any usernames, lock the
	// address the same way (default 30): one address guessing many users.
	PerAddress int
	Window     time.Duration
	Lockout    time.Duration
}

func (c ThrottleConfig) withDefaults() ThrottleConfig {
	if c.PerUser <= 0 {
		c.PerUser = 5
	}
	if c.PerAddress <= 0 {
		c.PerAddress = 30
	}
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
	if c.Lockout <= 0 {
		c.Lockout = 15 * time.Minute
	}
	return c
}

// throttle counts failed logins per username and per address, in memory:
// each node counts its own, so with n nodes behind a balancer an attacker
// gets at most n times the allowance.
type throttle struct {
	cfg ThrottleConfig

	mu    sync.Mutex
	users map[string]*failures
	addrs map[string]*failures
	calls int
}

type failures struct {
	at          []time.Time // within the window, oldest first
	lockedUntil time.Time
}

func newThrottle(cfg ThrottleConfig) *throttle {
	return &throttle{cfg: cfg.withDefaults(), users: map[string]*failures{}, addrs: map[string]*failures{}}
}

// locked returns how long the username or the address is still locked.
func (t *throttle) locked(user, addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, f := range []*failures{t.users[user], t.addrs[addr]} {
		if f != nil && f.lockedUntil.After(now) {
			wait = max(wait, f.lockedUntil.Sub(now))
		}
	}
	return wait
}

// fail records a failed login and locks what has failed too often.
func (t *throttle) fail(user, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	if t.calls%1024 == 0 {
		t.sweep(now)
	}
	t.count(t.users, user, t.cfg.PerUser, now)
	if addr != "" {
		t.count(t.addrs, addr, t.cfg.PerAddress, now)
	}
}

func (t *throttle) count(m map[string]*failures, key string, limit int, now time.Time) {
	f := m[key]
	if f == nil {
		f = &failures{}
		m[key] = f
	}
	cut := 0
	for cut < len(f.at) && now.Sub(f.at[cut]) > t.cfg.Window {
		cut++
	}
	f.at = append(f.at[cut:], now)
	if len(f.at) >= limit {
		f.lockedUntil = now.Add(t.cfg.Lockout)
		f.at = f.at[:0]
	}
}

// succeed forgets the username's failures.
func (t *throttle) succeed(user string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.users, user)
}

// sweep drops what is neither locked nor within the window.
func (t *throttle) sweep(now time.Time) {
	for _, m := range []map[string]*failures{t.users, t.addrs} {
		for k, f := range m {
			if f.lockedUntil.Before(now) && (len(f.at) == 0 || now.Sub(f.at[len(f.at)-1]) > t.cfg.Window) {
				delete(m, k)
			}
		}
	}
}

// LockedOut is why a login was refused without looking at the password: too
// many failures. RetryAfter says when the lockout ends.
type LockedOut struct{ Wait time.Duration }

func (l LockedOut) Error() string { return "locked out for " + l.Wait.Round(time.Second).String() }

// RetryAfter is how long the lockout lasts.
func (l LockedOut) RetryAfter() time.Duration { return l.Wait }
