// Command dispatchd is the emergency command-and-dispatch server.
//
//	dispatchd serve     start the server
//	dispatchd migrate   apply database migrations
//	dispatchd seed      load the demo province
//	dispatchd user add  create a user
//	dispatchd import    import teams, depots, items or stock from CSV or GeoJSON
//	dispatchd backup    take an online backup of the embedded SQLite store
//	dispatchd restore   put a backup in place as the embedded store
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"dispatchd"
)

const usage = `dispatchd: emergency command-and-dispatch server

Usage:
  dispatchd serve   [--addr :8080] [--data-dir ./data] [--demo]
  dispatchd migrate
  dispatchd seed    --demo
  dispatchd user add --username NAME --role ROLE [--team ID] [--depots ID,ID] [--password PW]
  dispatchd import  --kind items|teams|depots|stock [--format csv|geojson] FILE
  dispatchd bench   suggest [--teams 600] [--n 20000] [--runs 5]
  dispatchd bench   live [--units 5000] [--rate 10000] [--screens 200] [--duration 10s] [--runs 3] [--idle 5000]
  dispatchd bench   soak [--duration 30m] [--every 30s] [--units 5000] [--rate 1000] [--screens 200] [--incidents 1]
  dispatchd bench   prune [--fixes 3600000] [--every 10ms] [--baseline 10s] [--database-url URL]
  dispatchd backup  --out FILE [--positions=false]
                                          online backup of the SQLite store, integrity checked,
                                          the position history in FILE.positions/
  dispatchd restore --from FILE [--force] put a backup in place, its history too (stop the server first)
  dispatchd version

Configuration (flags override the environment):
  DISPATCH_ADDR        listen address (default :8080)
  DISPATCH_DATA_DIR    directory of the embedded SQLite store (default ./data)
  DATABASE_URL         postgres://... to use PostgreSQL instead of SQLite
  REDIS_URL            redis://... to share positions between nodes
  REDIS_PREFIX         prefix of the Redis channel and keys (default dispatchd)
  DISPATCH_LOG_LEVEL   debug, info (default), warn, error
  DISPATCH_LOG_FORMAT  text (default) or json
  DISPATCH_TOKEN_TTL   how long a login lasts (default 24h)
  DISPATCH_TRUSTED_PROXIES  comma-separated CIDRs whose X-Forwarded-For is trusted

Run "dispatchd COMMAND --help" for the flags of a command.
`

var version = "dev"

// defaultGCPercent is the garbage collector's target unless GOGC is set. A
// dispatch server holds a province in a few hundred MB and answers in
// microseconds; collecting a quarter as often takes most of the collector's
// share out of the slowest answers (a suggestion's p99 falls from about
// 240 to 170 µs here) for memory that such a server has.
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "dispatchd:", userMessage(err))
		}
		os.Exit(exitCode(err))
	}
}

// run is main without the process: it takes the arguments and streams, so
// that tests can call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "seed":
		return cmdSeed(ctx, rest, stdout, stderr)
	case "user":
		return cmdUser(ctx, rest, stdin, stdout, stderr)
	case "import":
		return cmdImport(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdin, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, rest, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "dispatchd", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

var errUsage = errors.New("usage")

func exitCode(err error) int {
	switch {
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		return 2
	}
	return 1
}

// userMessage shows an application error's message and field errors, and
// any other error as it is.
func userMessage(err error) string {
	if errors.Is(err, errUsage) {
		return "see dispatchd --help"
	}
	var e *dispatchd.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		b.WriteString("\n  ")
		if f.Line > 0 {
			fmt.Fprintf(&b, "line %d: ", f.Line)
		}
		if f.Field != "" {
			b.WriteString(f.Field + ": ")
		}
		b.WriteString(f.Message)
	}
	if e.Code == dispatchd.EINTERNAL && e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// newLogger returns the logger of a command; def is its level unless
// DISPATCH_LOG_LEVEL says otherwise (the server logs at info, one-shot
// commands only warnings).
func newLogger(w io.Writer, def slog.Level) *slog.Logger {
	level := def
	if err := level.UnmarshalText([]byte(envOr("DISPATCH_LOG_LEVEL", def.String()))); err != nil {
		level = def
	}
	opts := &slog.HandlerOptions{Level: level}
	if envOr("DISPATCH_LOG_FORMAT", "text") == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
