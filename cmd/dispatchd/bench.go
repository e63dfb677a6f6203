package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"dispatchd/auth"
	"dispatchd/bench"
	"dispatchd/resources"
)

// cmdBench runs `dispatchd bench SUBCOMMAND`; the benchmarks are the bench
// package's.
func cmdBench(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "suggest":
		return bench.Suggest(ctx, args, stdout, stderr)
	case "live":
		return bench.Live(ctx, benchEnv(), args, stdout, stderr)
	case "soak":
		return bench.Soak(ctx, benchEnv(), args, stdout, stderr)
	case "prune":
		return bench.Prune(ctx, benchEnv(), args, stdout, stderr)
	case "state":
		return bench.State(ctx, benchEnv(), args, stdout, stderr)
	case "history":
		return bench.History(ctx, benchEnv(), args, stdout, stderr)
	case "live-screens": // started by bench live and bench soak
		return bench.Screens(ctx, args, stdin, stdout, stderr)
	case "live-baseline": // started by bench live
		return bench.Baseline(ctx, stdout)
	}
	fmt.Fprintln(stderr, "usage: dispatchd bench suggest|live|soak|prune|history|state [flags]")
	return errUsage
}

// benchEnv is what the bench takes from the command: its store flags, and
// its way of opening a store and loading the demo province.
func benchEnv() bench.Env {
	return bench.Env{
		StoreFlags: func(fs *flag.FlagSet) func(context.Context, string) (bench.Store, error) {
			var sf storeFlags
			sf.register(fs)
			return func(ctx context.Context, dir string) (bench.Store, error) {
				sf.dataDir = dir
				return sf.open(ctx, newLogger(io.Discard, slog.LevelWarn))
			}
		},
		OpenDemo: func(ctx context.Context, dir string) (bench.Store, error) {
			sf := storeFlags{dataDir: dir}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			st, err := sf.open(ctx, log)
			if err != nil {
				return nil, err
			}
			if err := seedDemo(ctx, st, resources.NewService(st), auth.NewService(st, st, 0), log, io.Discard); err != nil {
				st.Close()
				return nil, err
			}
			return st, nil
		},
		DemoPassword:   demoPassword,
		HistoryLayouts: historyLayouts,
	}
}
