package main

import (
	"context"

	"dispatchd"
	"dispatchd/regions"
)

// regionKnown tells the dispatch service which region codes the region
// tree knows, so that a support request skips the levels it does not
// list. A tree with nothing loaded knows every code.
func regionKnown(rs regions.Store) func(ctx context.Context, code string) (bool, error) {
	return func(ctx context.Context, code string) (bool, error) {
		_, err := rs.GetRegion(ctx, code)
		if err == nil {
			return true, nil
		}
		if dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
			return false, err
		}
		top, err := rs.ListRegions(ctx, regions.Filter{Limit: 1})
		return err == nil && len(top) == 0, err
	}
}
