package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/realtime"
	"dispatchd/realtime/redisbus"
	"dispatchd/web"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [flags]", stderr)
	var sf storeFlags
	sf.register(fs)
	var df dispatchFlags
	df.register(fs)
	var cf channelFlags
	cf.register(fs)
	var covf coverageFlags
	covf.register(fs)
	addr := fs.String("addr", envOr("DISPATCH_ADDR", ":8080"), "listen address (env DISPATCH_ADDR)")
	desks := fs.String("desks", envOr("DISPATCH_DESKS", ""), "the specialised desks (headquarters) and the incident types each works, as flood=flood,typhoon;forest_fire=forest_fire; empty means the built-in ones (env DISPATCH_DESKS)")
	demo := fs.Bool("demo", false, "load the demo province into an empty store and print the demo logins")
	ttl := fs.Duration("token-ttl", durationEnv("DISPATCH_TOKEN_TTL", auth.DefaultTokenTTL), "how long a login lasts (env DISPATCH_TOKEN_TTL)")
	redisURL := fs.String("redis-url", envOr("REDIS_URL", ""), "Redis URL: several nodes share positions over it; empty means one node (env REDIS_URL)")
	redisPrefix := fs.String("redis-prefix", envOr("REDIS_PREFIX", redisbus.DefaultPrefix), "prefix of the Redis channel and keys; nodes of one deployment share it (env REDIS_PREFIX)")
	var hcfg realtime.HubConfig
	fs.DurationVar(&hcfg.Flush, "ws-flush", durationEnv("DISPATCH_WS_FLUSH", realtime.DefaultFlush), "how often moved units are sent to screens (env DISPATCH_WS_FLUSH)")
	fs.DurationVar(&hcfg.UnitEvery, "ws-unit-every", durationEnv("DISPATCH_WS_UNIT_EVERY", realtime.DefaultUnitEvery), "shortest time between two positions of one unit on a screen (env DISPATCH_WS_UNIT_EVERY)")
	fs.IntVar(&hcfg.PerUser, "ws-per-user", int(floatEnv("DISPATCH_WS_PER_USER", realtime.DefaultPerUser)), "most websockets one user may hold open; more are refused with 429 (env DISPATCH_WS_PER_USER)")
	fs.IntVar(&hcfg.SendBudget, "ws-send-budget", int(floatEnv("DISPATCH_WS_SEND_BUDGET", realtime.DefaultSendBudget)), "most bytes of events that may wait for one websocket client; beyond, it is closed with 4000 (env DISPATCH_WS_SEND_BUDGET)")
	var histcfg realtime.HistoryConfig
	fs.DurationVar(&histcfg.Retention, "position-retention", durationEnv("POSITION_RETENTION", realtime.DefaultHistoryRetention), "how long position history is kept (env POSITION_RETENTION)")
	fs.DurationVar(&histcfg.ThinAfter, "position-thin-after", durationEnv("POSITION_THIN_AFTER", 0), "age past which position history keeps one fix per unit per --position-thin-every, e.g. 48h; 0 keeps every fix (env POSITION_THIN_AFTER)")
	fs.DurationVar(&histcfg.ThinEvery, "position-thin-every", durationEnv("POSITION_THIN_EVERY", realtime.DefaultHistoryThinEvery), "interval of the position history's thinning (env POSITION_THIN_EVERY)")
	debugAddr := fs.String("debug-addr", envOr("DISPATCH_DEBUG_ADDR", ""), "address of the Go profiler (net/http/pprof), e.g. 127.0.0.1:6060; empty means off; never expose it (env DISPATCH_DEBUG_ADDR)")
	var mcfg web.MapConfig
	fs.StringVar(&mcfg.Boundaries, "map-boundaries", envOr("DISPATCH_MAP_BOUNDARIES", ""), "authoritative boundaries for the map: a GeoJSON file or a PMTiles archive (.pmtiles); empty means the demo boundaries (env DISPATCH_MAP_BOUNDARIES)")
	fs.StringVar(&mcfg.BoundariesLayer, "map-boundaries-layer", envOr("DISPATCH_MAP_BOUNDARIES_LAYER", "boundaries"), "the layer of a PMTiles archive to draw (env DISPATCH_MAP_BOUNDARIES_LAYER)")
	fs.StringVar(&mcfg.Tiles, "map-tiles", envOr("DISPATCH_MAP_TILES", ""), "raster tile URL template drawn beneath the boundaries, e.g. http://tiles.local/{z}/{x}/{y}.png (env DISPATCH_MAP_TILES)")
	fs.StringVar(&mcfg.TilesAttribution, "map-attribution", envOr("DISPATCH_MAP_ATTRIBUTION", ""), "credit shown for the tiles (env DISPATCH_MAP_ATTRIBUTION)")
	var lim web.Limits
	fs.Float64Var(&lim.WriteRate, "write-rate", floatEnv("DISPATCH_WRITE_RATE", 20), "changes one user may make per second, in bursts of twice that (env DISPATCH_WRITE_RATE)")
	fs.Float64Var(&lim.IngestRate, "ingest-rate", floatEnv("DISPATCH_INGEST_RATE", 200), "position requests one tracker token, or one address on /osmand, may send per second, in bursts of twice that (env DISPATCH_INGEST_RATE)")
	cors := fs.String("cors-origins", envOr("DISPATCH_CORS_ORIGINS", ""), "comma-separated origins whose pages may call the API, e.g. https://screen.example.org; empty means only dispatchd's own pages (env DISPATCH_CORS_ORIGINS)")
	var thr auth.ThrottleConfig
	fs.IntVar(&thr.PerUser, "login-failures", int(floatEnv("DISPATCH_LOGIN_FAILURES", 5)), "failed logins of one username from one address after which that address waits, 30 s and twice as long after each further failure, up to --lockout; an address waits after six times as many on any usernames; a username that failed twenty times as many answers only addresses with no failures (env DISPATCH_LOGIN_FAILURES)")
	fs.DurationVar(&thr.Window, "login-window", durationEnv("DISPATCH_LOGIN_WINDOW", 15*time.Minute), "how long a failed login counts: a counter is forgotten this long after its last failure (env DISPATCH_LOGIN_WINDOW)")
	fs.DurationVar(&thr.Lockout, "lockout", durationEnv("DISPATCH_LOCKOUT", 15*time.Minute), "the longest wait after failed logins (env DISPATCH_LOCKOUT)")
	metricsToken := fs.String("metrics-token", envOr("DISPATCH_METRICS_TOKEN", ""), "bearer token /metrics asks for; empty means /metrics is public (env DISPATCH_METRICS_TOKEN)")
	proxies := fs.String("trusted-proxies", envOr("DISPATCH_TRUSTED_PROXIES", ""), "comma-separated CIDRs whose X-Forwarded-For is trusted (env DISPATCH_TRUSTED_PROXIES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	trusted, err := parseCIDRs(*proxies)
	if err != nil {
		return err
	}
	deskMap, err := parseDesks(*desks)
	if err != nil {
		return err
	}
	if err := checkMap(mcfg); err != nil {
		return err
	}
	if histcfg.ThinAfter < 0 || histcfg.ThinEvery < time.Second {
		return fmt.Errorf("--position-thin-after %v, --position-thin-every %v: want an age of 0 or more and an interval of a second or more", histcfg.ThinAfter, histcfg.ThinEvery)
	}
	lim.WriteBurst, lim.IngestBurst = int(2*lim.WriteRate+0.5), int(2*lim.IngestRate+0.5)
	if *cors != "" {
		lim.CORSOrigins = strings.Split(*cors, ",")
	}
	thr.PerAddress = 6 * thr.PerUser
	dcfg, pcfg, err := df.config()
	if err != nil {
		return err
	}
	ccfg, err := cf.config()
	if err != nil {
		return err
	}
	covcfg, err := covf.config(dcfg.Plan.Router)
	if err != nil {
		return err
	}
	log := newLogger(stderr, slog.LevelInfo)
	st, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	// Listen first: one-tap links need the address when --public-url is
	// not given. Nothing is served before the server is built.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		st.Close()
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	linkBase := ccfg.publicURL
	if linkBase == "" {
		linkBase = baseURL(ln.Addr())
	}
	srv, err := newServer(ctx, st, log, stdout, serverConfig{
		demo: *demo, desks: deskMap, ttl: *ttl, throttle: thr, dispatch: dcfg, projection: pcfg, escalateEvery: df.escalateEvery,
		checkpointEvery: df.checkpointEvery, arrivalDwell: df.arrivalDwell,
		staleEvery: df.staleEvery, hub: hcfg, history: histcfg, redisURL: *redisURL, redisPrefix: *redisPrefix,
		web:      web.Config{Logger: log, TrustedProxies: trusted, Map: mcfg, Limits: lim, MetricsToken: *metricsToken},
		channels: ccfg, linkBase: linkBase, coverage: covcfg, coverageEvery: covf.every,
	})
	if err != nil {
		ln.Close()
		st.Close()
		return err
	}
	if *debugAddr != "" {
		if err := serveDebug(ctx, *debugAddr, stdout); err != nil {
			ln.Close()
			srv.close()
			return err
		}
	}
	fmt.Fprintln(stdout, upLine(ln.Addr()))
	log.Info("listening", "addr", ln.Addr().String())
	return srv.run(ctx, ln, *addr)
}

// pruneIdempotency forgets idempotent answers older than a day, hourly,
// until ctx ends.
func pruneIdempotency(ctx context.Context, st interface {
	DeleteIdempotentBefore(ctx context.Context, t time.Time) (int64, error)
}, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := st.DeleteIdempotentBefore(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
			log.Warn("prune idempotency keys", "error", err)
		} else if n > 0 {
			log.Debug("pruned idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func baseURL(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func parseCIDRs(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxies: %q is not a CIDR such as 10.0.0.0/8", part)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseDesks reads --desks; empty means dispatchd.DefaultDesks.
func parseDesks(s string) (dispatchd.Desks, error) {
	if strings.TrimSpace(s) == "" {
		return dispatchd.DefaultDesks(), nil
	}
	d, err := dispatchd.ParseDesks(s)
	if err != nil {
		return nil, fmt.Errorf("--desks: %w", err)
	}
	if len(d) == 0 {
		return nil, fmt.Errorf("--desks %q: name at least one desk, as flood=flood,typhoon", s)
	}
	return d, nil
}

func durationEnv(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(envOr(key, "")); err == nil && d > 0 {
		return d
	}
	return def
}

// checkMap refuses a boundaries file that cannot be read or a tile URL
// without its {z}/{x}/{y}, at start rather than on a screen.
func checkMap(m web.MapConfig) error {
	if m.Boundaries != "" {
		f, err := os.Open(m.Boundaries)
		if err != nil {
			return fmt.Errorf("--map-boundaries: %w", err)
		}
		f.Close()
	}
	if m.Tiles != "" && !(strings.Contains(m.Tiles, "{z}") && strings.Contains(m.Tiles, "{x}") && strings.Contains(m.Tiles, "{y}")) {
		return fmt.Errorf("--map-tiles %q: want a URL template with {z}, {x} and {y}", m.Tiles)
	}
	return nil
}
