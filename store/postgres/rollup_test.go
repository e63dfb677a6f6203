package postgres_test

import (
	"context"
	"testing"

	"dispatchd/store/postgres"
	"dispatchd/store/storetest"
)

// TestRollupRequests writes support requests through the store's pool.
func TestRollupRequests(t *testing.T) {
	s := open(t)
	storetest.RollupRequests(t, s, func(ctx context.Context, q string, args ...any) error {
		_, err := s.(*postgres.Store).Pool().Exec(ctx, q, args...)
		return err
	})
}
