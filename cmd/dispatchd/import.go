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
	"dispatchd/geo"
	"dispatchd/regions"
	"dispatchd/resources"
)

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "import --kind KIND [flags] FILE, or import regions|boundaries [flags] FILE", stderr)
	var sf storeFlags
	sf.register(fs)
	kind := fs.String("kind", "", "what the file holds: items, teams, depots, stock, regions (the code list, CSV) or boundaries (GeoJSON)")
	crs := fs.String("crs", "", "boundaries: the datum of the coordinates, wgs84 (default), gcj02 or bd09")
	format := fs.String("format", "", "csv or geojson (default: from the file name)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if len(args) > 0 && (args[0] == regions.ImportCodes || args[0] == regions.ImportBoundaries) {
		*kind, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *kind == regions.ImportCodes || *kind == regions.ImportBoundaries {
		if fs.NArg() != 1 {
			fs.Usage()
			return errUsage
		}
		return importTree(ctx, *kind, *crs, fs.Arg(0), sf, stdout, stderr)
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

// importTree loads the region code list or the region boundaries from a
// file, as POST /api/v1/import/regions and /boundaries do.
func importTree(ctx context.Context, kind, crsName, path string, sf storeFlags, stdout, stderr io.Writer) error {
	crs, err := geo.ParseCRS(crsName)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	st, err := sf.open(ctx, newLogger(stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer st.Close()
	svc := regions.NewService(st)
	var sum *regions.ImportSummary
	if kind == regions.ImportCodes {
		sum, err = svc.ImportCodes(ctx, dispatchd.System, f, filepath.Base(path))
	} else {
		sum, err = svc.ImportBoundaries(ctx, dispatchd.System, f, crs, filepath.Base(path))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d %s from %s in %s\n", sum.Rows, sum.Kind, path, time.Since(start).Round(time.Millisecond))
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
