package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// ThrottleConfig sets how failed logins slow down further attempts. The
// zero value of a field means its default.
//
// The policy: failures are counted per username from one address, per
// address (on any usernames) and per username (from every address). A
// username-and-address pair that failed PerUser times, or an address that
// failed PerAddress times, waits before its next attempt, twice as long
// after each further failure, up to Lockout. A username that failed
// PerUserTotal times from anywhere is slowed for everyone except a clean
// address: one with no failure counted against it (on any username).
// Nothing locks the right password out of a clean address, so an attacker
// cannot keep the real user out; and an attacker gets at most one guess per
// address and Window once the username's allowance is spent.
type ThrottleConfig struct {
	// PerUser failures of one username from one address, within Window of
	// each other, start the delays (default 5).
	PerUser int
	// PerAddress failures from one address, on any usernames, start the
	// address's delays (default 30): one address guessing many users.
	PerAddress int
	// PerUserTotal failures of one username, from every address, make it
	// answer only clean addresses (default 20 times PerUser).
	PerUserTotal int
	// Window is how long a failure counts: a counter is forgotten Window
	// after its last failure (default 15 minutes).
	Window time.Duration
	// Lockout is the longest delay (default 15 minutes); the first is
	// FirstDelay (default 30 s).
	Lockout    time.Duration
	FirstDelay time.Duration
	// MaxKeys bounds each counter table (default 100,000): when full, the
	// expired counters go, then arbitrary ones, so that no input can grow
	// the memory they take.
	MaxKeys int
}

func (c ThrottleConfig) withDefaults() ThrottleConfig {
	if c.PerUser <= 0 {
		c.PerUser = 5
	}
	if c.PerAddress <= 0 {
		c.PerAddress = 30
	}
	if c.PerUserTotal <= 0 {
		c.PerUserTotal = 20 * c.PerUser
	}
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
	if c.Lockout <= 0 {
		c.Lockout = 15 * time.Minute
	}
	if c.FirstDelay <= 0 {
		c.FirstDelay = min(30*time.Second, c.Lockout)
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = 100_000
	}
	return c
}

// key is what a counter is filed under: a hash, so that whatever was typed
// takes the same few bytes.
type key [16]byte

func hashKey(parts ...string) key {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var k key
	copy(k[:], h.Sum(nil))
	return k
}

// counter is the failures of one key: how many, the last, and until when
// the key must wait.
type counter struct {
	n     int
	last  time.Time
	until time.Time
}

// table is a bounded map of counters.
type table struct {
	m   map[key]*counter
	max int
}

func (t *table) get(k key, window time.Duration, now time.Time) *counter {
	c := t.m[k]
	if c != nil && now.Sub(c.last) > window && !c.until.After(now) {
		delete(t.m, k)
		return nil
	}
	return c
}

// add returns k's counter, creating it, and making room when full.
func (t *table) add(k key, window time.Duration, now time.Time) *counter {
	if c := t.get(k, window, now); c != nil {
		return c
	}
	if len(t.m) >= t.max {
		for k, c := range t.m {
			if now.Sub(c.last) > window && !c.until.After(now) {
				delete(t.m, k)
			}
		}
		for k := range t.m {
			if len(t.m) < t.max {
				break
			}
			delete(t.m, k)
		}
	}
	c := &counter{}
	t.m[k] = c
	return c
}

// throttle counts failed logins in memory: each node counts its own, so
// with n nodes behind a balancer an attacker gets at most n times the
// allowance.
type throttle struct {
	cfg ThrottleConfig

	mu    sync.Mutex
	pairs table // username and address
	addrs table
	users table // username, from every address
}

func newThrottle(cfg ThrottleConfig) *throttle {
	cfg = cfg.withDefaults()
	mk := func() table { return table{m: map[key]*counter{}, max: cfg.MaxKeys} }
	return &throttle{cfg: cfg, pairs: mk(), addrs: mk(), users: mk()}
}

// sizes returns how many counters each table holds.
func (t *throttle) sizes() (pairs, addrs, users int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pairs.m), len(t.addrs.m), len(t.users.m)
}

// locked returns how long a login of user from addr must wait before its
// password is looked at; 0 means now.
func (t *throttle) locked(user, addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.cfg.Window
	pair, a := t.pairs.get(hashKey(user, addr), w, now), t.addrs.get(hashKey(addr), w, now)
	var wait time.Duration
	for _, c := range []*counter{pair, a} {
		if c != nil && c.until.After(now) {
			wait = max(wait, c.until.Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	// A username guessed too often answers only addresses that have not
	// failed: the attacker's have, the real user's has not.
	if u := t.users.get(hashKey(user), w, now); u != nil && u.n >= t.cfg.PerUserTotal && (pair != nil || a != nil) {
		end := u.last.Add(w)
		for _, c := range []*counter{pair, a} {
			if c != nil && c.last.Add(w).After(end) {
				end = c.last.Add(w)
			}
		}
		return max(end.Sub(now), time.Second)
	}
	return 0
}

// attempt returns how long a login must wait, as locked does; when it may
// go on, it is counted as a failure at once, until succeed says otherwise:
// many attempts sent together must not all get past the check before the
// first of them has failed.
func (t *throttle) attempt(user, addr string, now time.Time) time.Duration {
	if wait := t.locked(user, addr, now); wait > 0 {
		return wait
	}
	t.fail(user, addr, now)
	return 0
}

// fail records a failed login and sets the delays it earns.
func (t *throttle) fail(user, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count(&t.pairs, hashKey(user, addr), t.cfg.PerUser, now)
	t.count(&t.addrs, hashKey(addr), t.cfg.PerAddress, now)
	t.count(&t.users, hashKey(user), 0, now)
}

// count adds a failure to k; from limit failures on (0: never), each one
// doubles the delay, from FirstDelay up to Lockout.
func (t *throttle) count(tb *table, k key, limit int, now time.Time) {
	c := tb.add(k, t.cfg.Window, now)
	c.n++
	c.last = now
	if limit > 0 && c.n >= limit {
		d := t.cfg.FirstDelay
		for i := limit; i < c.n && d < t.cfg.Lockout; i++ {
			d *= 2
		}
		c.until = now.Add(min(d, t.cfg.Lockout))
	}
}

// succeed forgets the failures of the username from the address, and takes
// back the failure that attempt counted for the address and the username.
func (t *throttle) succeed(user, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pairs.m, hashKey(user, addr))
	t.uncount(&t.addrs, hashKey(addr), t.cfg.PerAddress)
	t.uncount(&t.users, hashKey(user), 0)
}

// undo takes back the failure that attempt counted, for an attempt that
// neither failed nor succeeded: the store did not answer.
func (t *throttle) undo(user, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.uncount(&t.pairs, hashKey(user, addr), t.cfg.PerUser)
	t.uncount(&t.addrs, hashKey(addr), t.cfg.PerAddress)
	t.uncount(&t.users, hashKey(user), 0)
}

// uncount takes one failure from k, and the delay if it falls below limit.
func (t *throttle) uncount(tb *table, k key, limit int) {
	c := tb.m[k]
	if c == nil {
		return
	}
	if c.n--; c.n <= 0 {
		delete(tb.m, k)
	} else if c.n < limit {
		c.until = time.Time{}
	}
}

// LockedOut is why a login was refused without looking at the password: too
// many failures. RetryAfter says when to try again.
type LockedOut struct{ Wait time.Duration }

func (l LockedOut) Error() string { return "locked out for " + l.Wait.Round(time.Second).String() }

// RetryAfter is how long the wait lasts.
func (l LockedOut) RetryAfter() time.Duration { return l.Wait }
