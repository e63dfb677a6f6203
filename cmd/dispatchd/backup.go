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

// cmdBackup takes an online backup of the embedded SQLite store.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "backup --out FILE [--data-dir ./data]", stderr)
	var sf storeFlags
	sf.register(fs)
	out := fs.String("out", "", "the backup file to write; it must not exist")
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
	return nil
}

// cmdRestore puts a backup in place as the embedded store. The server must
// be stopped: restore refuses to replace a store unless told to.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", "restore --from FILE [--data-dir ./data] [--force]", stderr)
	var sf storeFlags
	sf.register(fs)
	from := fs.String("from", "", "the backup file")
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
	if err := os.MkdirAll(sf.dataDir, 0o750); err != nil {
		return err
	}
	path := filepath.Join(sf.dataDir, sqlite.FileName)
	if _, err := os.Stat(path); err == nil && !*force {
		return fmt.Errorf("%s exists: stop the server and pass --force to replace it", path)
	}
	src, err := os.ReadFile(*from)
	if err != nil {
		return err
	}
	tmp := path + ".restoring"
	if err := os.WriteFile(tmp, src, 0o640); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return err
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
	return nil
}
