package web

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"dispatchd"
)

// Limits bounds what one caller may ask for. The zero value of a field
// means its default.
type Limits struct {
	// WriteRate and WriteBurst bound the changes (every method but GET)
	// one user may make, per second (default 20, burst 50).
	WriteRate  float64
	WriteBurst int
	// IngestRate and IngestBurst bound the position requests of one token,
	// or of one address on the OsmAnd endpoint, per second (default 200,
	// burst 400: a batch every 10 ms with room to catch up).
	IngestRate  float64
	IngestBurst int
	// KeyFailureRate and KeyFailureBurst bound the failed tracker proofs
	// (unknown device, missing or wrong key) one address may make on the
	// OsmAnd endpoint, per second (default 1, burst 30): a misconfigured
	// phone at one fix a second is never held back, a guesser is. Past
	// them the address gets 429, right keys included, until the bucket
	// refills.
	KeyFailureRate  float64
	KeyFailureBurst int
	// AnswerRate and AnswerBurst bound the one-tap page's requests (GET
	// and POST /a/{code}) of one address, per second (default 5, burst
	// 60: a village's phones behind one carrier address answer at once).
	// Unknown codes are bounded as the tracker proofs are, by
	// KeyFailureRate and KeyFailureBurst.
	AnswerRate  float64
	AnswerBurst int
	// Imports is how many imports may run at once (default 2); more are
	// answered 503 with Retry-After. Each holds little memory, but a
	// transaction and a core.
	Imports int
	// CORSOrigins lists the origins whose pages may call the API from a
	// browser; empty means only the server's own pages.
	CORSOrigins []string
}

func (l Limits) withDefaults() Limits {
	if l.WriteRate <= 0 {
		l.WriteRate = 20
	}
	if l.WriteBurst <= 0 {
		l.WriteBurst = 50
	}
	if l.IngestRate <= 0 {
		l.IngestRate = 200
	}
	if l.IngestBurst <= 0 {
		l.IngestBurst = 400
	}
	if l.KeyFailureRate <= 0 {
		l.KeyFailureRate = 1
	}
	if l.KeyFailureBurst <= 0 {
		l.KeyFailureBurst = 30
	}
	if l.AnswerRate <= 0 {
		l.AnswerRate = 5
	}
	if l.AnswerBurst <= 0 {
		l.AnswerBurst = 60
	}
	if l.Imports <= 0 {
		l.Imports = 2
	}
	return l
}

// limiter keeps a token bucket per key. Buckets unused for a while are
// dropped as calls come, so that no goroutine is needed to sweep them.
type limiter struct {
	every rate.Limit
	burst int

	mu    sync.Mutex
	keys  map[string]*bucket
	calls int
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{every: rate.Limit(perSecond), burst: burst, keys: map[string]*bucket{}}
}

// allow takes one token of key's bucket, or says how long to wait for one.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%4096 == 0 {
		for k, b := range l.keys {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.keys, k)
			}
		}
	}
	b, ok := l.keys[key]
	if !ok {
		b = &bucket{l: rate.NewLimiter(l.every, l.burst)}
		l.keys[key] = b
	}
	b.seen = now
	r := b.l.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// exhausted reports whether key's bucket is empty, and how long until it
// holds a token again, without taking one: the failures of a key are
// counted with allow, and checked with exhausted before each attempt.
func (l *limiter) exhausted(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.keys[key]
	if !ok {
		return false, 0
	}
	tokens := b.l.TokensAt(now)
	if tokens >= 1 {
		return false, 0
	}
	return true, time.Duration((1 - tokens) / float64(l.every) * float64(time.Second))
}

// retryAfter is how long a caller over its limit should wait; the error
// handler sends it as Retry-After.
type retryAfter time.Duration

func (r retryAfter) Error() string             { return "retry after " + time.Duration(r).String() }
func (r retryAfter) RetryAfter() time.Duration { return time.Duration(r) }

// rateLimited is the answer to a caller over its limit: 429, and when to
// try again.
func rateLimited(c echo.Context, what string, wait time.Duration) error {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	return &dispatchd.Error{Code: dispatchd.ERATELIMITED, Message: fmt.Sprintf("too many %s: try again in %d s", what, secs), Err: retryAfter(wait)}
}

// limit applies the rate limits after the policy has named the caller:
// position ingest per token (or per address on the public OsmAnd
// endpoint), other changes per user.
func (s *Server) limit(path string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			now := time.Now()
			switch {
			case path == "/osmand":
				if ok, wait := s.ingestLimit.allow("ip:"+c.RealIP(), now); !ok {
					return rateLimited(c, "positions from this address", wait)
				}
			case path == "/api/v1/positions":
				if ok, wait := s.ingestLimit.allow(callerKey(c), now); !ok {
					return rateLimited(c, "position requests", wait)
				}
			case c.Request().Method != http.MethodGet:
				if ok, wait := s.writeLimit.allow(callerKey(c), now); !ok {
					return rateLimited(c, "changes", wait)
				}
			}
			return next(c)
		}
	}
}

// addressKey names a client address for the limits on failures: an IPv4
// address, or the /64 an IPv6 address belongs to, since one host is
// handed a whole /64 to pick from.
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return "ip:" + ip
	}
	p, _ := a.Prefix(64)
	return "net:" + p.String()
}

// callerKey names the caller for its limits: the user, or the tracker.
func callerKey(c echo.Context) string {
	a := actor(c)
	if a.UserID != "" {
		return "user:" + a.UserID
	}
	return fmt.Sprintf("actor:%s:%s", a.Role, a.Name())
}
