package resources

import (
	"context"
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

// SetClock replaces the service's clock, for benchmarks that replay a
// month of history.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

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
