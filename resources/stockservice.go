package resources

import (
	"context"
	"fmt"

	"dispatchd"
)

// stockDepot returns the depot whose stock the actor may read or change:
// a depot manager's own depots only, anyone else's the depots of its
// jurisdiction. Any other is not found.
func (s *Service) stockDepot(ctx context.Context, actor dispatchd.Actor, id string) (*Depot, error) {
	manager := actor.Is(dispatchd.RoleDepotManager)
	if manager && !actor.ManagesDepot(id) {
		return nil, depotNotFound(id)
	}
	d, err := s.store.GetDepot(ctx, id)
	if err != nil {
		return nil, err
	}
	if !manager && !actor.Covers(d.Region) {
		return nil, depotNotFound(id)
	}
	return d, nil
}

// StockDepots returns which depots' stock the actor may see: the same as
// stockDepot, for the depots of a list.
func (s *Service) StockDepots(ctx context.Context, actor dispatchd.Actor) (func(depot string) bool, error) {
	switch {
	case actor.Is(dispatchd.RoleDepotManager):
		return actor.ManagesDepot, nil
	case actor.Jurisdiction == "":
		return func(string) bool { return true }, nil
	}
	in, err := s.store.DepotRegions(ctx, actor.Scope().Prefix)
	if err != nil {
		return nil, err
	}
	return func(id string) bool { _, ok := in[id]; return ok }, nil
}

// Stock returns the stock of a depot.
func (s *Service) Stock(ctx context.Context, actor dispatchd.Actor, depot string) ([]Stock, error) {
	if _, err := s.stockDepot(ctx, actor, depot); err != nil {
		return nil, err
	}
	return s.store.ListStock(ctx, depot)
}

// canManageStock reports whether the actor may change a depot's stock: the
// command center, or a manager of that depot.
func canManageStock(actor dispatchd.Actor, depot string) bool {
	return actor.Is(dispatchd.RoleAdmin, dispatchd.RoleCommander) ||
		actor.Is(dispatchd.RoleDepotManager) && actor.ManagesDepot(depot)
}

// AdjustStock applies a set of adjustments at one depot, all or nothing. No
// level may fall below zero or below what is reserved.
func (s *Service) AdjustStock(ctx context.Context, actor dispatchd.Actor, depot string, req AdjustRequest) ([]Stock, error) {
	d, err := s.stockDepot(ctx, actor, depot)
	if err != nil {
		return nil, err
	}
	if !canManageStock(actor, depot) {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "you may only adjust the stock of your own depots")
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	lines := make([]ItemQty, len(req.Lines))
	for i, l := range req.Lines {
		lines[i] = ItemQty{Item: l.Item, Qty: 1}
	}
	if err := s.checkItemsExist(ctx, "lines", lines); err != nil {
		return nil, err
	}
	return s.store.AdjustStock(ctx, depot, func(cur map[string]Stock) ([]Stock, []LedgerLine, *dispatchd.Event, error) {
		now := s.now()
		var f dispatchd.Fields
		levels := make([]Stock, 0, len(req.Lines))
		ledger := make([]LedgerLine, 0, len(req.Lines))
		for i, l := range req.Lines {
			st := cur[l.Item]
			st.Depot, st.Item = depot, l.Item
			st.OnHand += l.Delta
			switch {
			case st.OnHand < 0:
				f.Add(Indexed("lines", i)+".delta", "would leave %d on hand of item %s (%d on hand now)", st.OnHand, l.Item, st.OnHand-l.Delta)
			case st.OnHand > maxQty:
				f.Add(Indexed("lines", i)+".delta", "would exceed the largest quantity %d", int64(maxQty))
			case st.OnHand < st.Reserved:
				f.Add(Indexed("lines", i)+".delta", "would leave %d on hand of item %s, below the %d reserved for orders", st.OnHand, l.Item, st.Reserved)
			}
			st.Available = st.OnHand - st.Reserved
			st.UpdatedAt = now
			levels = append(levels, st)
			ledger = append(ledger, LedgerLine{Depot: depot, Item: l.Item, Delta: l.Delta, OnHand: st.OnHand,
				Reserved: st.Reserved, Reason: l.Reason, Actor: actor.Name(), TS: now})
		}
		if len(f) > 0 {
			e := dispatchd.Invalid(f...)
			e.Code = dispatchd.ECONFLICT
			return nil, nil, nil, e
		}
		ev := s.event("stock.adjusted", actor, depot, StockEvent{Depot: depot, Lines: ledger}).Scoped("", d.Region)
		return levels, ledger, ev, nil
	})
}

// Ledger lists a depot's stock changes, newest first.
func (s *Service) Ledger(ctx context.Context, actor dispatchd.Actor, f LedgerFilter) ([]LedgerLine, string, error) {
	if _, err := s.stockDepot(ctx, actor, f.Depot); err != nil {
		return nil, "", err
	}
	f.Limit = ClampLimit(f.Limit, DefaultLimit, MaxLimit)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListLedger(ctx, f)
	if err != nil {
		return nil, "", err
	}
	lines, next := Page(rows, limit, func(l LedgerLine) string { return fmt.Sprint(l.ID) })
	return lines, next, nil
}
