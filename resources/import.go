package resources

import (
	"context"
	"fmt"
	"slices"

	"dispatchd"
)

// ImportSummary says what an import did.
type ImportSummary struct {
	Kind ImportKind `json:"kind"`
	Rows int        `json:"rows"`
}

// Import checks every row of a parsed file against the registry's rules and
// writes them all in one transaction, or nothing. Rows with an id replace the
// existing row with that id; stock rows set the on-hand level. Every bad row
// is reported with its line and field.
func (s *Service) Import(ctx context.Context, actor dispatchd.Actor, b *Batch, source string) (*ImportSummary, error) {
	errs := b.errs
	switch b.Kind {
	case ImportItems:
		return s.importItems(ctx, actor, b, &errs)
	case ImportTeams:
		return s.importTeams(ctx, actor, b, &errs)
	case ImportDepots:
		return s.importDepots(ctx, actor, b, &errs)
	case ImportStock:
		return s.importStock(ctx, actor, b, source, &errs)
	}
	return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "kind", Message: "must be items, teams, depots or stock"})
}

// dupCheck reports a key seen on an earlier line.
type dupCheck map[string]int

func (d dupCheck) check(errs *rowErrors, line int, field, key string) {
	if key == "" {
		return
	}
	if first, ok := d[key]; ok {
		errs.add(line, field, "%s is already on line %d", key, first)
		return
	}
	d[key] = line
}

func (s *Service) importItems(ctx context.Context, actor dispatchd.Actor, b *Batch, errs *rowErrors) (*ImportSummary, error) {
	seen := dupCheck{}
	evs := make([]dispatchd.Event, len(b.Items))
	now := s.now()
	for i := range b.Items {
		it := &b.Items[i]
		if b.bad[i] {
			continue
		}
		if err := it.Validate(); err != nil {
			errs.addErr(b.Lines[i], err)
		}
		seen.check(errs, b.Lines[i], "code", it.Code)
		it.CreatedAt, it.UpdatedAt = now, now
		evs[i] = *s.event("item.imported", actor, it.Code, it)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if err := s.store.ImportItems(ctx, b.Items, evs); err != nil {
		return nil, fmt.Errorf("import items: %w", err)
	}
	return &ImportSummary{Kind: b.Kind, Rows: len(b.Items)}, nil
}

func (s *Service) importTeams(ctx context.Context, actor dispatchd.Actor, b *Batch, errs *rowErrors) (*ImportSummary, error) {
	codes, err := s.store.ItemCodes(ctx)
	if err != nil {
		return nil, err
	}
	seen := dupCheck{}
	evs := make([]dispatchd.Event, len(b.Teams))
	now := s.now()
	for i := range b.Teams {
		t, line := &b.Teams[i], b.Lines[i]
		if b.bad[i] {
			continue
		}
		if t.ID == "" {
			t.ID = dispatchd.NewID()
		} else if err := checkID("id", t.ID); err != nil {
			errs.addErr(line, err)
		}
		seen.check(errs, line, "id", t.ID)
		if err := t.Validate(); err != nil {
			errs.addErr(line, err)
		}
		for j, e := range t.Equipment {
			if _, ok := slices.BinarySearch(codes, e.Item); !ok && ValidItemCode(e.Item) {
				errs.add(line, Indexed("equipment", j)+".item", "unknown item code %s", e.Item)
			}
		}
		// A new team starts fresh; the store keeps an existing team's flag.
		t.PositionStale = false
		t.CreatedAt, t.UpdatedAt = now, now
		evs[i] = *s.event("team.imported", actor, t.ID, t)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if err := s.store.ImportTeams(ctx, b.Teams, evs); err != nil {
		return nil, fmt.Errorf("import teams: %w", err)
	}
	return &ImportSummary{Kind: b.Kind, Rows: len(b.Teams)}, nil
}

func (s *Service) importDepots(ctx context.Context, actor dispatchd.Actor, b *Batch, errs *rowErrors) (*ImportSummary, error) {
	seen := dupCheck{}
	evs := make([]dispatchd.Event, len(b.Depots))
	now := s.now()
	for i := range b.Depots {
		d, line := &b.Depots[i], b.Lines[i]
		if b.bad[i] {
			continue
		}
		if d.ID == "" {
			d.ID = dispatchd.NewID()
		} else if err := checkID("id", d.ID); err != nil {
			errs.addErr(line, err)
		}
		seen.check(errs, line, "id", d.ID)
		if err := d.Validate(); err != nil {
			errs.addErr(line, err)
		}
		d.CreatedAt, d.UpdatedAt = now, now
		evs[i] = *s.event("depot.imported", actor, d.ID, d)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if err := s.store.ImportDepots(ctx, b.Depots, evs); err != nil {
		return nil, fmt.Errorf("import depots: %w", err)
	}
	return &ImportSummary{Kind: b.Kind, Rows: len(b.Depots)}, nil
}

// StockImportEvent is the data of a stock.imported event.
type StockImportEvent struct {
	Source string   `json:"source"`
	Lines  int      `json:"lines"`
	Depots []string `json:"depots"`
}

func (s *Service) importStock(ctx context.Context, actor dispatchd.Actor, b *Batch, source string, errs *rowErrors) (*ImportSummary, error) {
	codes, err := s.store.ItemCodes(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := s.store.DepotIDs(ctx)
	if err != nil {
		return nil, err
	}
	depots := make(map[string]bool, len(ids))
	for _, id := range ids {
		depots[id] = true
	}
	seen := dupCheck{}
	touched := map[string]bool{}
	for i, l := range b.Stock {
		line := b.Lines[i]
		if b.bad[i] {
			continue
		}
		switch {
		case l.Depot == "":
			errs.add(line, "depot", "is required")
		case !depots[l.Depot]:
			errs.add(line, "depot", "unknown depot %s", l.Depot)
		}
		if _, ok := slices.BinarySearch(codes, l.Item); !ok {
			errs.add(line, "item", "unknown item code %q", l.Item)
		}
		if l.OnHand < 0 || l.OnHand > maxQty {
			errs.add(line, "on_hand", "must be between 0 and %d", int64(maxQty))
		}
		seen.check(errs, line, "item", l.Depot+"/"+l.Item)
		touched[l.Depot] = true
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	list := make([]string, 0, len(touched))
	for id := range touched {
		list = append(list, id)
	}
	slices.Sort(list)
	if source == "" {
		source = "import"
	}
	ev := s.event("stock.imported", actor, "stock", StockImportEvent{Source: source, Lines: len(b.Stock), Depots: list})
	if err := s.store.ImportStock(ctx, b.Stock, "import: "+source, actor.Name(), ev); err != nil {
		return nil, fmt.Errorf("import stock: %w", err)
	}
	return &ImportSummary{Kind: b.Kind, Rows: len(b.Stock)}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
