package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"dispatchd"
	"dispatchd/resources"
)

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "import --kind KIND [flags] FILE", stderr)
	var sf storeFlags
	sf.register(fs)
	kind := fs.String("kind", "", "what the file holds: items, teams, depots or stock (required)")
	format := fs.String("format", "", "csv or geojson (default: from the file name)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || !slices.Contains(resources.ImportKinds, resources.ImportKind(*kind)) {
		fs.Usage()
		return errUsage
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	ft := resources.Format(*format)
	if ft == "" {
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		ft = resources.CSV
		if ext := strings.ToLower(filepath.Ext(path)); ext == ".geojson" || ext == ".json" ||
			len(bytes.TrimSpace(head[:n])) > 0 && bytes.TrimSpace(head[:n])[0] == '{' {
			ft = resources.GeoJSON
		}
	}
	progress := io.Discard
	if !*quiet && isTerminal(stderr) {
		progress = stderr
	}
	start := time.Now()
	log := newLogger(stderr, slog.LevelWarn)
	st, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	// The file is read twice, a chunk at a time: checked, then written in
	// one transaction.
	spin := progressbar.NewOptions(-1, progressbar.OptionSetWriter(progress), progressbar.OptionSpinnerType(14),
		progressbar.OptionSetDescription(fmt.Sprintf("importing %s (%d bytes) in one transaction", filepath.Base(path), info.Size())),
		progressbar.OptionClearOnFinish())
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = spin.Add(1)
			}
		}
	}()
	sum, err := resources.NewService(st).ImportFile(ctx, dispatchd.System, resources.ImportKind(*kind), ft, f, filepath.Base(path))
	close(done)
	_ = spin.Finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d %s rows from %s in %s\n", sum.Rows, sum.Kind, path, time.Since(start).Round(time.Millisecond))
	return nil
}

// isTerminal reports whether w is a terminal: a progress bar is for people,
// not for logs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
