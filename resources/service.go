package resources

import (
	"context"
	"fmt"
	"slices"
	"time"

	"dispatchd"
)

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
	// MaxMapLimit is the largest page a map may ask for at once: every depot
	// of a province.
	MaxMapLimit = 10000
)

// Service applies the registry's rules: validation, authorization beyond the
// route's role policy, and the events every change writes.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns a registry service over store.
func NewService(store Store) *Service {
	return &Service{store: store, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// ClampLimit returns limit within [1, max], or def when limit is 0.
func ClampLimit(limit, def, max int) int {
	switch {
	case limit <= 0:
		return def
	case limit > max:
		return max
	}
	return limit
}

// Page trims a list fetched with limit+1 rows and returns the key to
// continue after, or "" on the last page.
func Page[T any](rows []T, limit int, key func(T) string) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, key(rows[limit-1])
}

func (s *Service) event(typ string, actor dispatchd.Actor, subject string, v any) *dispatchd.Event {
	ev := dispatchd.NewEvent(typ, actor, subject, v)
	ev.TS = s.now()
	return &ev
}

// CreateItem adds an item type to the catalog.
func (s *Service) CreateItem(ctx context.Context, actor dispatchd.Actor, it Item) (*Item, error) {
	if err := it.Validate(); err != nil {
		return nil, err
	}
	it.CreatedAt, it.UpdatedAt = s.now(), s.now()
	if err := s.store.CreateItem(ctx, &it, s.event("item.created", actor, it.Code, it)); err != nil {
		return nil, err
	}
	return &it, nil
}

// UpdateItem changes the fields of an item that the patch sets.
func (s *Service) UpdateItem(ctx context.Context, actor dispatchd.Actor, code string, p ItemPatch) (*Item, error) {
	return s.store.UpdateItem(ctx, code, func(it *Item) (*dispatchd.Event, error) {
		p.apply(it)
		if err := it.Validate(); err != nil {
			return nil, err
		}
		it.UpdatedAt = s.now()
		return s.event("item.updated", actor, it.Code, it), nil
	})
}

// DeleteItem removes an item type that no depot stocks.
func (s *Service) DeleteItem(ctx context.Context, actor dispatchd.Actor, code string) error {
	return s.store.DeleteItem(ctx, code, s.event("item.deleted", actor, code, map[string]string{"code": code}))
}

// Item returns one item type.
func (s *Service) Item(ctx context.Context, code string) (*Item, error) {
	return s.store.GetItem(ctx, code)
}

// Items lists item types by code.
func (s *Service) Items(ctx context.Context, f ItemFilter) ([]Item, string, error) {
	f.Limit = ClampLimit(f.Limit, DefaultLimit, MaxLimit)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListItems(ctx, f)
	if err != nil {
		return nil, "", err
	}
	items, next := Page(rows, limit, func(it Item) string { return it.Code })
	return items, next, nil
}

// checkItemsExist reports lines whose item is not in the catalog.
func (s *Service) checkItemsExist(ctx context.Context, field string, lines []ItemQty) error {
	if len(lines) == 0 {
		return nil
	}
	codes, err := s.store.ItemCodes(ctx)
	if err != nil {
		return err
	}
	var f dispatchd.Fields
	for i, l := range lines {
		if _, ok := slices.BinarySearch(codes, l.Item); !ok {
			f.Add(Indexed(field, i)+".item", "unknown item code %s", l.Item)
		}
	}
	return f.Err()
}

// CreateTeam registers a team.
func (s *Service) CreateTeam(ctx context.Context, actor dispatchd.Actor, t Team) (*Team, error) {
	if t.ID == "" {
		t.ID = dispatchd.NewID()
	} else if err := checkID("id", t.ID); err != nil {
		return nil, err
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkItemsExist(ctx, "equipment", t.Equipment); err != nil {
		return nil, err
	}
	t.PositionStale = false // the server's to set, once the team has reported
	t.CreatedAt, t.UpdatedAt = s.now(), s.now()
	if err := s.store.CreateTeam(ctx, &t, s.event("team.created", actor, t.ID, t)); err != nil {
		return nil, err
	}
	return &t, nil
}

// UpdateTeam changes the fields of a team that the patch sets.
func (s *Service) UpdateTeam(ctx context.Context, actor dispatchd.Actor, id string, p TeamPatch) (*Team, error) {
	if p.Equipment != nil {
		if err := s.checkItemsExist(ctx, "equipment", *p.Equipment); err != nil {
			return nil, err
		}
	}
	return s.store.UpdateTeam(ctx, id, func(t *Team) (*dispatchd.Event, error) {
		p.apply(t)
		if err := t.Validate(); err != nil {
			return nil, err
		}
		t.UpdatedAt = s.now()
		return s.event("team.updated", actor, t.ID, t), nil
	})
}

// DeleteTeam removes a team from the registry.
func (s *Service) DeleteTeam(ctx context.Context, actor dispatchd.Actor, id string) error {
	return s.store.DeleteTeam(ctx, id, s.event("team.deleted", actor, id, map[string]string{"id": id}))
}

// Team returns one team.
func (s *Service) Team(ctx context.Context, id string) (*Team, error) {
	return s.store.GetTeam(ctx, id)
}

// Teams lists teams by id.
func (s *Service) Teams(ctx context.Context, f TeamFilter, max int) ([]Team, string, error) {
	f.Limit = ClampLimit(f.Limit, DefaultLimit, max)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListTeams(ctx, f)
	if err != nil {
		return nil, "", err
	}
	teams, next := Page(rows, limit, func(t Team) string { return t.ID })
	return teams, next, nil
}

// CreateDepot registers a depot.
func (s *Service) CreateDepot(ctx context.Context, actor dispatchd.Actor, d Depot) (*Depot, error) {
	if d.ID == "" {
		d.ID = dispatchd.NewID()
	} else if err := checkID("id", d.ID); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = s.now(), s.now()
	if err := s.store.CreateDepot(ctx, &d, s.event("depot.created", actor, d.ID, d)); err != nil {
		return nil, err
	}
	return &d, nil
}

// UpdateDepot changes the fields of a depot that the patch sets.
func (s *Service) UpdateDepot(ctx context.Context, actor dispatchd.Actor, id string, p DepotPatch) (*Depot, error) {
	return s.store.UpdateDepot(ctx, id, func(d *Depot) (*dispatchd.Event, error) {
		p.apply(d)
		if err := d.Validate(); err != nil {
			return nil, err
		}
		d.UpdatedAt = s.now()
		return s.event("depot.updated", actor, d.ID, d), nil
	})
}

// DeleteDepot removes a depot that holds no stock.
func (s *Service) DeleteDepot(ctx context.Context, actor dispatchd.Actor, id string) error {
	return s.store.DeleteDepot(ctx, id, s.event("depot.deleted", actor, id, map[string]string{"id": id}))
}

// Depot returns one depot.
func (s *Service) Depot(ctx context.Context, id string) (*Depot, error) {
	return s.store.GetDepot(ctx, id)
}

// Depots lists depots by id.
func (s *Service) Depots(ctx context.Context, f DepotFilter, max int) ([]Depot, string, error) {
	f.Limit = ClampLimit(f.Limit, DefaultLimit, max)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListDepots(ctx, f)
	if err != nil {
		return nil, "", err
	}
	depots, next := Page(rows, limit, func(d Depot) string { return d.ID })
	return depots, next, nil
}

// Stock returns the stock of a depot.
func (s *Service) Stock(ctx context.Context, depot string) ([]Stock, error) {
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
		return levels, ledger, s.event("stock.adjusted", actor, depot, StockEvent{Depot: depot, Lines: ledger}), nil
	})
}

// Ledger lists a depot's stock changes, newest first.
func (s *Service) Ledger(ctx context.Context, f LedgerFilter) ([]LedgerLine, string, error) {
	if _, err := s.store.GetDepot(ctx, f.Depot); err != nil {
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

// checkID accepts ids chosen by the caller (imports keep their source
// system's ids) when they are short, printable and URL-safe.
func checkID(field, id string) error {
	if len(id) > 64 {
		return dispatchd.Invalid(dispatchd.FieldError{Field: field, Message: "must be at most 64 characters"})
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return dispatchd.Invalid(dispatchd.FieldError{Field: field, Message: "may contain only letters, digits, '-', '_' and '.'"})
		}
	}
	return nil
}
