package resources

import (
	"context"

	"dispatchd"
)

// Store keeps the registry. Every method that changes something appends the
// given event in the same transaction and fills in its ID. Methods return
// dispatchd errors with code ENOTFOUND for a missing row and ECONFLICT for a
// duplicate key or a row still in use; any other failure is internal or
// EUNAVAILABLE.
type Store interface {
	CreateItem(ctx context.Context, it *Item, ev *dispatchd.Event) error
	// UpdateItem locks the item, lets decide change it and name the event,
	// then writes both. An error from decide aborts and is returned as is.
	UpdateItem(ctx context.Context, code string, decide func(*Item) (*dispatchd.Event, error)) (*Item, error)
	DeleteItem(ctx context.Context, code string, ev *dispatchd.Event) error
	GetItem(ctx context.Context, code string) (*Item, error)
	ListItems(ctx context.Context, f ItemFilter) ([]Item, error)
	ItemCodes(ctx context.Context) ([]string, error)
	// ImportItems inserts or replaces every item, one event each, all or nothing.
	ImportItems(ctx context.Context, items []Item, evs []dispatchd.Event) error

	CreateTeam(ctx context.Context, t *Team, ev *dispatchd.Event) error
	UpdateTeam(ctx context.Context, id string, decide func(*Team) (*dispatchd.Event, error)) (*Team, error)
	// DeleteTeam locks the team, lets decide refuse or name the event,
	// then deletes it.
	DeleteTeam(ctx context.Context, id string, decide func(*Team) (*dispatchd.Event, error)) error
	GetTeam(ctx context.Context, id string) (*Team, error)
	ListTeams(ctx context.Context, f TeamFilter) ([]Team, error)
	ImportTeams(ctx context.Context, teams []Team, evs []dispatchd.Event) error
	// TeamRegions returns the region of every team whose region starts
	// with prefix ("" for every team), by id.
	TeamRegions(ctx context.Context, prefix string) (map[string]string, error)

	CreateDepot(ctx context.Context, d *Depot, ev *dispatchd.Event) error
	UpdateDepot(ctx context.Context, id string, decide func(*Depot) (*dispatchd.Event, error)) (*Depot, error)
	// DeleteDepot locks the depot, lets decide refuse or name the event,
	// then deletes it; ECONFLICT while the depot holds stock.
	DeleteDepot(ctx context.Context, id string, decide func(*Depot) (*dispatchd.Event, error)) error
	GetDepot(ctx context.Context, id string) (*Depot, error)
	ListDepots(ctx context.Context, f DepotFilter) ([]Depot, error)
	DepotIDs(ctx context.Context) ([]string, error)
	ImportDepots(ctx context.Context, depots []Depot, evs []dispatchd.Event) error
	// DepotRegions returns the region of every depot whose region starts
	// with prefix ("" for every depot), by id.
	DepotRegions(ctx context.Context, prefix string) (map[string]string, error)

	// ListStock returns every stock line of a depot, by item code.
	ListStock(ctx context.Context, depot string) ([]Stock, error)
	// AdjustStock locks the depot's stock, passes decide the current level of
	// each item (zero for items never stocked), and writes the levels, ledger
	// lines and event decide returns. ENOTFOUND for an unknown depot.
	AdjustStock(ctx context.Context, depot string, decide func(cur map[string]Stock) ([]Stock, []LedgerLine, *dispatchd.Event, error)) ([]Stock, error)
	ListLedger(ctx context.Context, f LedgerFilter) ([]LedgerLine, error)
	// ImportStock sets the on-hand level of every line, writing a ledger
	// line with the reason for each change, and one event, all or nothing.
	// An event that has an ID already was appended by an earlier call in
	// the same Atomically: the ledger lines name it. ECONFLICT if a level
	// would fall below what is reserved.
	ImportStock(ctx context.Context, levels []StockLevel, reason, actor string, ev *dispatchd.Event) error

	// Atomically runs fn in one transaction: every call of this store that
	// fn makes with the context it is given is part of it, committed when
	// fn returns nil, rolled back otherwise. fn may run more than once,
	// after a transient failure.
	Atomically(ctx context.Context, fn func(ctx context.Context) error) error
}
