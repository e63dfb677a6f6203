package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"

	"dispatchd"
)

// Migrator applies the embedded migrations with goose: each file once, in
// its own transaction, recorded in goose's version table.
type Migrator struct {
	p *goose.Provider
}

// NewMigrator returns a migrator for db.
func NewMigrator(dialect goose.Dialect, db *sql.DB, fsys fs.FS, opts ...goose.ProviderOption) (*Migrator, error) {
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return &Migrator{p: p}, nil
}

// Up applies every pending migration and returns how many it applied.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("apply migrations: %w", err)
	}
	return len(res), nil
}

// Check returns EUNAVAILABLE unless every migration is applied.
func (m *Migrator) Check(ctx context.Context) error {
	cur, target, err := m.p.GetVersions(ctx)
	if err != nil {
		return &dispatchd.Error{Code: dispatchd.EUNAVAILABLE, Message: "cannot read the schema version", Err: err}
	}
	if cur != target {
		return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "the schema is at version %d, want %d: run dispatchd migrate", cur, target)
	}
	return nil
}
