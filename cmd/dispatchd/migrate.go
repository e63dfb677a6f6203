package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "migrate [flags]", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := sf.open(ctx, newLogger(stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Ready(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "the schema is up to date")
	return nil
}
