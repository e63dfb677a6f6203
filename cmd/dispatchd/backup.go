package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"dispatchd/store/sqlite"
)

// cmdBackup takes an online backup of the embedded SQLite store: the main
// file to --out, and the position history, a file a day, to the directory
// beside it (--out with .positions added) unless --positions=false.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "backup --out FILE [--data-dir ./data] [--positions=false]", stderr)
	var sf storeFlags
	sf.register(fs)
	out := fs.String("out", "", "the backup file to write; it and FILE.positions must not exist")
	positions := fs.Bool("positions", true, "also copy the position history, a file a day, into FILE.positions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if sf.databaseURL != "" {
		return errors.New("backup copies the embedded SQLite store; for PostgreSQL use its own tools, e.g. pg_dump -Fc -f dispatchd.dump \"$DATABASE_URL\"")
	}
	if *out == "" {
		return fmt.Errorf("%w: --out is required", errUsage)
	}
	path := filepath.Join(sf.dataDir, sqlite.FileName)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no store to back up: %w", err)
	}
	// A directory of history beside FILE would be restored with it, even
	// one this backup did not write.
	posOut := sqlite.PositionsBackup(*out)
	for _, p := range []string{*out, posOut} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: choose a new file", p)
		}
	}
	st, err := sqlite.Open(ctx, sf.dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, *out); err != nil {
		return err
	}
	info, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%.1f MB, integrity checked)\n", path, *out, float64(info.Size())/1e6)
	if !*positions {
		fmt.Fprintf(stdout, "position history skipped (--positions=false): %s is not in the backup\n", filepath.Join(sf.dataDir, sqlite.DaysDir))
		return nil
	}
	h, err := st.BackupPositions(ctx, posOut)
	if err != nil {
		// Without its history the backup is not what was asked for; a
		// new attempt may reuse the name.
		return errors.Join(err, os.Remove(*out))
	}
	fmt.Fprintf(stdout, "backed up the position history to %s (%d day files, %.1f MB, integrity checked)\n", posOut, h.Days, float64(h.Bytes)/1e6)
	return nil
}

// cmdRestore puts a backup in place as the embedded store, with the
// position history beside it when the backup has one. The server must be
// stopped: restore refuses to replace a store unless told to. Every file
// of the backup is checked before anything is replaced.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", "restore --from FILE [--data-dir ./data] [--force]", stderr)
	var sf storeFlags
	sf.register(fs)
	from := fs.String("from", "", "the backup file; FILE.positions, when it exists, is the position history")
	force := fs.Bool("force", false, "replace the store in --data-dir (stop the server first)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return fmt.Errorf("%w: --from is required", errUsage)
	}
	if err := sqlite.CheckFile(ctx, *from); err != nil {
		return err
	}
	posFrom := sqlite.PositionsBackup(*from)
	withPositions := true
	if _, err := os.Stat(posFrom); errors.Is(err, os.ErrNotExist) {
		withPositions = false
	} else if err != nil {
		return err
	}
	if err := os.MkdirAll(sf.dataDir, 0o750); err != nil {
		return err
	}
	path := filepath.Join(sf.dataDir, sqlite.FileName)
	posPath := filepath.Join(sf.dataDir, sqlite.DaysDir)
	replaced := []string{path}
	if withPositions {
		replaced = append(replaced, posPath)
	}
	for _, p := range replaced {
		if _, err := os.Stat(p); err == nil && !*force {
			return fmt.Errorf("%s exists: stop the server and pass --force to replace it", p)
		}
	}
	tmp := path + ".restoring"
	if err := writeSynced(tmp, *from); err != nil {
		os.Remove(tmp)
		return err
	}
	if withPositions {
		h, err := sqlite.RestorePositions(ctx, posFrom, sf.dataDir)
		if err != nil {
			os.Remove(tmp)
			return err
		}
		fmt.Fprintf(stdout, "restored %s from %s (%d day files, %.1f MB)\n", posPath, posFrom, h.Days, float64(h.Bytes)/1e6)
	}
	// The old store's write-ahead log belongs to the old file.
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + ext); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", path, *from)
	if !withPositions {
		fmt.Fprintf(stdout, "%s not found: the position history in %s is left as it is\n", posFrom, posPath)
	}
	return nil
}

// writeSynced copies the file src to dest and syncs it.
func writeSynced(dest, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dest, b, 0o640); err != nil {
		return err
	}
	f, err := os.Open(dest)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	return err
}
