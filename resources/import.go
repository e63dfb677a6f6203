package resources

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"sort"

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
	c, err := s.newChecker(ctx, actor, b.Kind, true)
	if err != nil {
		return nil, err
	}
	evs := c.check(b)
	if err := c.finish(); err != nil {
		return nil, err
	}
	ev := c.stockEvent(source)
	if err := s.writeChunk(ctx, c, b, evs, ev, source); err != nil {
		return nil, err
	}
	return &ImportSummary{Kind: b.Kind, Rows: b.Len()}, nil
}

// ImportFile imports a file of any size in bounded memory, all rows or none,
// as Import does: a first pass reads it a chunk at a time and checks every
// row; a second writes the chunks in one transaction. The file must not
// change between the two. Past MaxImportRows rows it fails with too_large.
func (s *Service) ImportFile(ctx context.Context, actor dispatchd.Actor, kind ImportKind, format Format, f io.ReadSeeker, source string) (*ImportSummary, error) {
	c, err := s.newChecker(ctx, actor, kind, true)
	if err != nil {
		return nil, err
	}
	err = eachChunk(kind, format, f, importChunk, func(b *Batch) error {
		c.check(b)
		if c.rows > MaxImportRows {
			return dispatchd.Errorf(dispatchd.ETOOLARGE, "the file has more than %d rows: split it", MaxImportRows)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.rows == 0 && c.errs.Total() == 0 {
		return nil, errNoRows
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	ev := c.stockEvent(source)
	err = s.store.Atomically(ctx, func(ctx context.Context) error {
		// A fresh checker: the store may run this again after a
		// transient failure.
		w := c.again()
		if ev != nil {
			ev.ID = 0
		}
		return eachChunk(kind, format, f, importChunk, func(b *Batch) error {
			evs := w.check(b)
			if w.errs.Total() > 0 {
				return fmt.Errorf("line %d: the file changed while it was imported: %w", w.errs.FirstLine(), w.errs.Err())
			}
			return s.writeChunk(ctx, w, b, evs, ev, source)
		})
	})
	if err != nil {
		return nil, err
	}
	return &ImportSummary{Kind: kind, Rows: c.rows}, nil
}

// eachChunk reads the file from its start and calls fn with each chunk of
// rows, of about size rows each.
func eachChunk(kind ImportKind, format Format, f io.ReadSeeker, size int, fn func(b *Batch) error) error {
	r, err := textReader(f)
	if err != nil {
		return err
	}
	p, err := newParser(kind, format, r)
	if err != nil {
		return err
	}
	b := &Batch{Kind: kind, bad: map[int]bool{}}
	for {
		b.reset()
		done, err := p.fill(b, size)
		if err != nil {
			return err
		}
		if b.Len() > 0 || b.errs.Total() > 0 {
			if err := fn(b); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
}

// writeChunk writes checked rows with their events; for stock, ev is the
// one event of the whole import, appended with its first chunk.
func (s *Service) writeChunk(ctx context.Context, c *checker, b *Batch, evs []dispatchd.Event, ev *dispatchd.Event, source string) error {
	var err error
	switch b.Kind {
	case ImportItems:
		err = s.store.ImportItems(ctx, b.Items, evs)
	case ImportTeams:
		err = s.store.ImportTeams(ctx, b.Teams, evs)
	case ImportDepots:
		err = s.store.ImportDepots(ctx, b.Depots, evs)
	case ImportStock:
		err = s.store.ImportStock(ctx, b.Stock, "import: "+source, c.actor.Name(), ev)
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", b.Kind, err)
	}
	return nil
}

// checker checks the rows of one file, a chunk at a time.
type checker struct {
	s     *Service
	actor dispatchd.Actor
	kind  ImportKind
	codes []string // item codes, sorted: teams and stock
	// regions holds the region of every team (teams), or of every depot
	// (depots and stock), by id: an existing row's region, for the
	// jurisdiction and the event of a row that replaces it.
	regions map[string]string
	errs    dispatchd.FileErrors
	keys    *dupKeys // nil: not looked for
	touched map[string]bool
	rows    int
}

func (s *Service) newChecker(ctx context.Context, actor dispatchd.Actor, kind ImportKind, dups bool) (*checker, error) {
	c := &checker{s: s, actor: actor, kind: kind, touched: map[string]bool{}}
	if dups {
		c.keys = &dupKeys{seed: maphash.MakeSeed()}
	}
	var err error
	switch kind {
	case ImportItems:
	case ImportDepots:
		c.regions, err = s.store.DepotRegions(ctx, "")
	case ImportTeams:
		if c.codes, err = s.store.ItemCodes(ctx); err != nil {
			return nil, err
		}
		c.regions, err = s.store.TeamRegions(ctx, "")
	case ImportStock:
		if c.codes, err = s.store.ItemCodes(ctx); err != nil {
			return nil, err
		}
		c.regions, err = s.store.DepotRegions(ctx, "")
	default:
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "kind", Message: "must be items, teams, depots or stock"})
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// again returns a checker for a second pass over the file: the same
// registry, no duplicate keys to look for (the first pass did).
func (c *checker) again() *checker {
	return &checker{s: c.s, actor: c.actor, kind: c.kind, codes: c.codes, regions: c.regions, touched: map[string]bool{}}
}

// check checks the chunk's rows, gives new rows their ids and times, and
// returns the event of each row (for stock, none: the import has one).
func (c *checker) check(b *Batch) []dispatchd.Event {
	c.errs.Merge(&b.errs)
	c.rows += b.Len()
	now := c.s.now()
	var evs []dispatchd.Event
	if b.Kind != ImportStock {
		evs = make([]dispatchd.Event, b.Len())
	}
	for i, line := range b.Lines {
		if b.bad[i] {
			continue
		}
		switch b.Kind {
		case ImportItems:
			it := &b.Items[i]
			c.validate(line, it.Validate())
			c.dup(line, it.Code)
			it.CreatedAt, it.UpdatedAt = now, now
			evs[i] = *c.s.event("item.imported", c.actor, it.Code, it)
		case ImportTeams:
			t := &b.Teams[i]
			c.id(line, &t.ID)
			c.validate(line, t.Validate())
			old := c.claim(line, "team", t.ID, &t.Region)
			for j, e := range t.Equipment {
				if _, ok := slices.BinarySearch(c.codes, e.Item); !ok && ValidItemCode(e.Item) {
					c.errs.Add(line, Indexed("equipment", j)+".item", "unknown item code %s", e.Item)
				}
			}
			// A new team starts fresh; the store keeps an existing team's flag.
			t.PositionStale = false
			t.CreatedAt, t.UpdatedAt = now, now
			evs[i] = *c.s.event("team.imported", c.actor, t.ID, t).Scoped("", old, t.Region)
		case ImportDepots:
			d := &b.Depots[i]
			c.id(line, &d.ID)
			c.validate(line, d.Validate())
			old := c.claim(line, "depot", d.ID, &d.Region)
			d.CreatedAt, d.UpdatedAt = now, now
			evs[i] = *c.s.event("depot.imported", c.actor, d.ID, d).Scoped("", old, d.Region)
		case ImportStock:
			c.stock(line, b.Stock[i])
		}
	}
	return evs
}

func (c *checker) validate(line int, err error) {
	if err != nil {
		c.errs.AddErr(line, err)
	}
}

// id checks a row's id, or gives a row without one a new id.
func (c *checker) id(line int, id *string) {
	if *id == "" {
		*id = dispatchd.NewID()
		return
	}
	c.validate(line, checkID("id", *id))
	c.dup(line, *id)
}

func (c *checker) dup(line int, key string) {
	if c.keys != nil {
		c.keys.add(key, line)
	}
}

// claim checks the region of a team or depot row as CreateTeam does, and
// that the row it replaces, if any, is within the actor's jurisdiction
// too. It returns the replaced row's region.
func (c *checker) claim(line int, what, id string, region *string) string {
	old, exists := c.regions[id]
	if exists && !c.actor.Covers(old) {
		c.errs.Add(line, "id", "%s %s exists outside your jurisdiction", what, id)
	}
	if msg := claimRegion(c.actor, region); msg != "" {
		c.errs.Add(line, "region", "%s", msg)
	}
	return old
}

func (c *checker) stock(line int, l StockLevel) {
	region, known := c.regions[l.Depot]
	switch {
	case l.Depot == "":
		c.errs.Add(line, "depot", "is required")
	case !known || !c.actor.Covers(region):
		// A depot outside the jurisdiction is one the actor cannot see.
		c.errs.Add(line, "depot", "unknown depot %s", l.Depot)
	}
	if _, ok := slices.BinarySearch(c.codes, l.Item); !ok {
		c.errs.Add(line, "item", "unknown item code %q", l.Item)
	}
	if l.OnHand < 0 || l.OnHand > maxQty {
		c.errs.Add(line, "on_hand", "must be between 0 and %d", int64(maxQty))
	}
	c.dup(line, l.Depot+"/"+l.Item)
	c.touched[l.Depot] = true
}

// finish reports the keys given twice, and returns every error of the
// file, by line.
func (c *checker) finish() error {
	if c.keys != nil {
		field := map[ImportKind]string{ImportItems: "code", ImportTeams: "id", ImportDepots: "id", ImportStock: "item"}[c.kind]
		c.keys.report(&c.errs, field)
	}
	c.errs.SortByLine()
	return c.errs.Err()
}

// stockEvent is the one event of a stock import.
func (c *checker) stockEvent(source string) *dispatchd.Event {
	if c.kind != ImportStock {
		return nil
	}
	if source == "" {
		source = "import"
	}
	depots := sortedKeys(c.touched)
	regions := make([]string, len(depots))
	for i, id := range depots {
		regions[i] = c.regions[id]
	}
	return c.s.event("stock.imported", c.actor, "stock", StockImportEvent{Source: source, Lines: c.rows, Depots: depots}).
		Scoped("", regions...)
}

// dupKeys finds keys given twice in a file with 12 bytes a row: a 64-bit
// hash of each key and its line, sorted at the end.
type dupKeys struct {
	seed  maphash.Seed
	hash  []uint64
	lines []int32
}

func (d *dupKeys) add(key string, line int) {
	if key == "" {
		return
	}
	d.hash = append(d.hash, maphash.String(d.seed, key))
	d.lines = append(d.lines, int32(line))
}

func (d *dupKeys) Len() int { return len(d.hash) }
func (d *dupKeys) Less(i, j int) bool {
	return d.hash[i] < d.hash[j] || d.hash[i] == d.hash[j] && d.lines[i] < d.lines[j]
}
func (d *dupKeys) Swap(i, j int) {
	d.hash[i], d.hash[j] = d.hash[j], d.hash[i]
	d.lines[i], d.lines[j] = d.lines[j], d.lines[i]
}

// report adds an error for each line whose key is on an earlier line.
func (d *dupKeys) report(errs *dispatchd.FileErrors, field string) {
	sort.Sort(d)
	first := 0
	for i := 1; i < len(d.hash); i++ {
		if d.hash[i] != d.hash[first] {
			first = i
			continue
		}
		errs.Add(int(d.lines[i]), field, "the same %s is already on line %d", field, d.lines[first])
	}
	d.hash, d.lines = nil, nil
}

// StockImportEvent is the data of a stock.imported event.
type StockImportEvent struct {
	Source string   `json:"source"`
	Lines  int      `json:"lines"`
	Depots []string `json:"depots"`
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
