// Package migrations embeds the forward-only SQL migrations of both stores.
// Each file is applied once, in its own transaction, under a lock, and
// recorded in goose's version table.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql
var postgres embed.FS

//go:embed sqlite/*.sql
var sqlite embed.FS

// Postgres returns the PostgreSQL migrations.
func Postgres() fs.FS { return sub(postgres, "postgres") }

// SQLite returns the SQLite migrations.
func SQLite() fs.FS { return sub(sqlite, "sqlite") }

func sub(f embed.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directory is embedded; it always exists
	}
	return s
}
