// Package web is the HTTP face of dispatchd: routes, handlers, middleware
// (request ids, logs, metrics, auth, idempotency, limits) and the OpenAPI
// document. It is the only package that imports echo.
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/coverage"
	"dispatchd/dispatch"
	"dispatchd/dispatch/arrival"
	"dispatchd/idempotency"
	"dispatchd/realtime"
	"dispatchd/recorder"
	"dispatchd/regions"
	"dispatchd/replay"
	"dispatchd/resources"
	"dispatchd/warning"
	"dispatchd/zones"
)

// EventReader reads the event log.
type EventReader interface {
	ListEvents(ctx context.Context, since int64, limit int) ([]dispatchd.Event, error)
	LastEventID(ctx context.Context) (int64, error)
}

// AuditReader lists events for the audit.
type AuditReader interface {
	ListAudit(ctx context.Context, f dispatchd.EventFilter) ([]dispatchd.Event, error)
}

// IdempotencyStore remembers the answers to requests with an
// Idempotency-Key.
type IdempotencyStore interface {
	ClaimIdempotent(ctx context.Context, actor, key, method, path string, now time.Time) (*idempotency.Claim, *idempotency.Result, error)
	CompleteIdempotent(ctx context.Context, c *idempotency.Claim, status int, body []byte) error
	ReleaseIdempotent(ctx context.Context, c *idempotency.Claim) error
}

// Deps are the services the server calls.
type Deps struct {
	Auth        *auth.Service
	Registry    *resources.Service
	Dispatch    *dispatch.Service
	Regions     *regions.Service
	Persons     *warning.Service
	Rollup      *regions.Rollup
	Ingest      *realtime.Ingest
	Hub         *realtime.Hub
	Track       TrackReader
	History     *realtime.History // for its counts in /metrics
	Events      EventReader
	Audit       AuditReader
	Idempotency IdempotencyStore
	// Coverage answers GET /api/v1/coverage; nil: the routes answer 503.
	Coverage *coverage.Service
	// Recorder answers the state at a past moment (GET /api/v1/state).
	Recorder *recorder.Service
	// Zones imports and answers the risk zones (/api/v1/zones).
	Zones *zones.Service
	// ZoneWatch and Arrivals, the position path's watchers, are read for
	// their counts of work dropped for a full queue in /metrics.
	ZoneWatch *zones.Watcher
	Arrivals  *arrival.Watcher
	// Answerers show and answer the one-tap links (/a/{code}), each the
	// codes of its kinds, asked in turn; nil means the warnings' codes
	// only (WarningAnswers(Persons)).
	Answerers []Answerer
	// Ready reports whether the store answers and is migrated.
	Ready func(ctx context.Context) error
}

// Config tunes the server.
type Config struct {
	Logger *slog.Logger
	// TrustedProxies lists the networks whose X-Forwarded-For is believed;
	// with none, the client address is the peer's.
	TrustedProxies []*net.IPNet
	// Registry collects metrics; nil means a new registry.
	Metrics *prometheus.Registry
	// Map configures the pages' map.
	Map MapConfig
	// Limits bounds what one caller may ask for.
	Limits Limits
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string
	// Zone is the time zone the one-tap page shows times in; nil means
	// the server's local zone.
	Zone *time.Location
}

// Server is the HTTP server.
type Server struct {
	e       *echo.Echo
	log     *slog.Logger
	d       Deps
	metrics *metrics
	routes  []route
	ui      *assets
	mapCfg  MapConfig

	writeLimit, ingestLimit *limiter
	// keyFailures counts the failed tracker proofs of each address.
	keyFailures *limiter
	// answerLimit bounds the one-tap page's requests of each address,
	// codeFailures its unknown codes.
	answerLimit, codeFailures *limiter
	answerers                 []Answerer
	zone                      *time.Location
	origins                   []string // the other origins whose pages may connect
	// imports holds a token for each import running.
	imports     chan struct{}
	importRetry time.Duration
	// replay reads the windows of the screen's replay; nil without an
	// event log.
	replay *replay.Service
}

// New builds the server and registers every route.
func New(cfg Config, d Deps) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = prometheus.NewRegistry()
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	lim := cfg.Limits.withDefaults()
	s := &Server{e: e, log: cfg.Logger, d: d, metrics: newMetrics(cfg.Metrics), ui: loadAssets(), mapCfg: cfg.Map,
		writeLimit: newLimiter(lim.WriteRate, lim.WriteBurst), ingestLimit: newLimiter(lim.IngestRate, lim.IngestBurst),
		keyFailures: newLimiter(lim.KeyFailureRate, lim.KeyFailureBurst), origins: lim.CORSOrigins,
		imports: make(chan struct{}, lim.Imports), importRetry: 10 * time.Second,
		answerLimit: newLimiter(lim.AnswerRate, lim.AnswerBurst), codeFailures: newLimiter(lim.KeyFailureRate, lim.KeyFailureBurst),
		answerers: d.Answerers, zone: cfg.Zone, replay: newReplay(d)}
	registerCounts(cfg.Metrics, d)
	if s.answerers == nil && d.Persons != nil {
		s.answerers = []Answerer{WarningAnswers(d.Persons)}
	}
	if s.zone == nil {
		s.zone = time.Local
	}
	cfg.Metrics.MustRegister(newLiveCollector(d))
	e.HTTPErrorHandler = s.errorHandler
	// echo's default trusts X-Forwarded-For from anyone; take the peer's
	// address unless the operator names the proxies in front.
	e.IPExtractor = echo.ExtractIPDirect()
	if len(cfg.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range cfg.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		Generator: dispatchd.NewID,
		RequestIDHandler: func(c echo.Context, id string) {
			c.SetRequest(c.Request().WithContext(withRequestID(c.Request().Context(), id)))
		},
	}))
	e.Use(s.logRequests, s.metrics.middleware, s.recoverPanics, securityHeaders)
	if len(lim.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  lim.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, "Idempotency-Key"},
			ExposeHeaders: []string{"Retry-After", echo.HeaderXRequestID},
			MaxAge:        600,
		}))
	}
	s.register(cfg.Metrics, cfg.MetricsToken)
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.e }

// HTTPServer returns an http.Server for addr with timeouts that keep slow
// or dead clients from holding connections.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

type requestIDKey struct{}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case c.Path() == "/healthz" || c.Path() == "/readyz" || c.Path() == "/metrics":
			level = slog.LevelDebug
		}
		s.log.Log(c.Request().Context(), level, "request",
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"method", c.Request().Method, "path", loggedPath(c), "status", status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "remote_ip", c.RealIP(),
			"actor", actor(c).Name())
		return nil
	}
}

// loggedPath is the path the request log records: the route for a
// one-tap link, whose path is a credential, else the path.
func loggedPath(c echo.Context) string {
	if c.Path() == answerPath || strings.HasPrefix(c.Request().URL.Path, "/a/") {
		return answerPath
	}
	return c.Request().URL.Path
}

func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = dispatchd.Errorf(dispatchd.EINTERNAL, "panic: %v", r)
			}
		}()
		return next(c)
	}
}

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header; the scheme is case-insensitive (RFC 9110).
func bearerToken(h string) (string, bool) {
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

// authenticate reads the bearer token and puts the actor in the context.
func (s *Server) authenticate(c echo.Context) (dispatchd.Actor, error) {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	token, ok := bearerToken(h)
	if !ok && h == "" && c.Path() == wsPath {
		// Browsers cannot set headers on a websocket.
		token = c.QueryParam("access_token")
		ok = token != ""
	}
	if !ok {
		if h != "" {
			return dispatchd.Actor{}, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "the Authorization header must be \"Bearer <token>\"")
		}
		return dispatchd.Actor{}, dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "log in first: this route needs a bearer token")
	}
	a, login, err := s.d.Auth.AuthenticateSession(c.Request().Context(), token)
	if err != nil {
		return dispatchd.Actor{}, err
	}
	c.Set(loginKey, login)
	c.SetRequest(c.Request().WithContext(dispatchd.WithActor(c.Request().Context(), a)))
	return a, nil
}

// policy returns middleware that lets through only the roles given; no
// roles means a public route.
func (s *Server) policy(roles []dispatchd.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if roles == nil {
				return next(c)
			}
			a, err := s.authenticate(c)
			if err != nil {
				return err
			}
			if !a.Is(roles...) {
				return dispatchd.Errorf(dispatchd.EFORBIDDEN, "the %s role may not %s %s", a.Role, c.Request().Method, c.Path())
			}
			return next(c)
		}
	}
}
