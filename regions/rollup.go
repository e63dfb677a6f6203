package regions

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"dispatchd"
	"dispatchd/resources"
)

// The roll-up (汇总): what a jurisdiction's screen shows of each region
// directly below it, counted in the store, one grouped query per kind.

// MaxSummaryItems bounds the items one summary counts the stock of.
const MaxSummaryItems = 20

// maxChildren bounds the child regions one summary lists.
const maxChildren = 1000

// Summary is a region's roll-up: its totals, and the same counts for each
// child region. Objects whose region lies in no listed child (no region,
// or a division the tree does not list) count in the totals only.
type Summary struct {
	Region   Ref     `json:"region"`
	Totals   Counts  `json:"totals"`
	Children []Child `json:"children"`
}

// Child is one child region's counts.
type Child struct {
	Region Ref `json:"region"`
	Counts
}

// Counts is what a summary counts in a subtree.
type Counts struct {
	Incidents       IncidentCounts `json:"incidents"`
	Teams           TeamCounts     `json:"teams"`
	SupportRequests SupportCounts  `json:"support_requests"`
	Stock           []StockCount   `json:"stock"`
}

// IncidentCounts counts the open incidents (neither closed nor cancelled)
// of the types the caller's desk works, by level ("1" to "4") and status.
type IncidentCounts struct {
	Open     int            `json:"open"`
	ByLevel  map[string]int `json:"by_level"`
	ByStatus map[string]int `json:"by_status"`
}

// TeamCounts counts the teams based in the subtree by status.
type TeamCounts struct {
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"by_status"`
}

// SupportCounts counts the open support requests (requested, escalated or
// answered) addressed to the subtree and made from it.
type SupportCounts struct {
	Incoming int `json:"incoming"`
	Outgoing int `json:"outgoing"`
}

// StockCount is one item's stock in the subtree's depots.
type StockCount struct {
	Item      string `json:"item"`
	Name      string `json:"name"`
	OnHand    int64  `json:"on_hand"`
	Available int64  `json:"available"`
}

// OpenSupportStatuses are the support request statuses a summary counts.
var OpenSupportStatuses = []string{"requested", "escalated", "answered"}

// TallyQuery asks a store for counts grouped by the first Depth characters
// of each object's region (an incident's, a team's, a depot's, a support
// request's from and to regions).
type TallyQuery struct {
	// Prefix keeps the objects whose region starts with it; "" keeps every
	// object, those with no region too.
	Prefix string
	Depth  int
	// Types are the incident types counted (for incidents and support
	// requests); nil is every type, empty none.
	Types []string
	// Items are the item codes whose stock is counted.
	Items []string
}

// Tally is what a store counts for a TallyQuery, one row per group.
type Tally struct {
	Incidents []IncidentTally
	Teams     []TeamTally
	Requests  []RequestTally
	Stock     []StockTally
	// ItemNames names each of the query's items the catalog knows.
	ItemNames map[string]string
}

// IncidentTally counts open incidents of one key, level and status.
type IncidentTally struct {
	Key    string
	Level  int
	Status string
	N      int
}

// TeamTally counts the teams of one key and status.
type TeamTally struct {
	Key, Status string
	N           int
}

// RequestTally counts the open support requests to (Incoming) or from a
// key.
type RequestTally struct {
	Key      string
	Incoming bool
	N        int
}

// StockTally sums one item's stock in the depots of one key.
type StockTally struct {
	Key, Item         string
	OnHand, Available int64
}

// RollupStore is what the roll-up needs of a store.
type RollupStore interface {
	GetRegion(ctx context.Context, code string) (*Region, error)
	ListRegions(ctx context.Context, f Filter) ([]Region, error)
	// Tally counts in one grouped query per kind.
	Tally(ctx context.Context, q TallyQuery) (*Tally, error)
}

// Rollup answers summaries.
type Rollup struct {
	store RollupStore
}

// NewRollup returns the roll-up over store.
func NewRollup(store RollupStore) *Rollup { return &Rollup{store: store} }

// Summarize returns the roll-up of region for actor, counting what it may
// see (its desk's incident types) and the stock of items. With region
// absent, the actor's own jurisdiction; for a whole-deployment actor, the
// only top-level region when the tree has exactly one (a province's
// deployment), else the top level itself (code ""). A region outside the
// actor's jurisdiction or unknown is ENOTFOUND; a bad item code EINVALID.
func (r *Rollup) Summarize(ctx context.Context, actor dispatchd.Actor, region *string, items []string) (*Summary, error) {
	items, err := checkItems(items)
	if err != nil {
		return nil, err
	}
	code := actor.Jurisdiction
	if region != nil {
		code = *region
	} else if code == "" {
		top, err := r.store.ListRegions(ctx, Filter{Limit: 2})
		if err != nil {
			return nil, err
		}
		if len(top) == 1 {
			code = top[0].Code
		}
	}
	sc := actor.Scope()
	if (code == "" && sc.Prefix != "") || (code != "" && !sc.Covers(code)) {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "region %s not found", code)
	}
	out := &Summary{}
	if code != "" {
		reg, err := r.store.GetRegion(ctx, code)
		if err != nil {
			return nil, err
		}
		out.Region = Ref{Code: reg.Code, Name: reg.Name, Level: reg.Level}
	}
	kids, err := r.store.ListRegions(ctx, Filter{Parent: code, Limit: maxChildren})
	if err != nil {
		return nil, err
	}
	q := TallyQuery{Prefix: dispatchd.RegionPrefix(code), Types: sc.Types, Items: items}
	prefixes := make([]string, len(kids))
	for i, k := range kids {
		prefixes[i] = dispatchd.RegionPrefix(k.Code)
		q.Depth = max(q.Depth, len(prefixes[i]))
	}
	t, err := r.store.Tally(ctx, q)
	if err != nil {
		return nil, err
	}
	var f dispatchd.Fields
	for _, it := range items {
		if _, ok := t.ItemNames[it]; !ok {
			f.Add("items", "unknown item code %s", it)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	out.Totals = newCounts(items, t.ItemNames)
	out.Children = make([]Child, len(kids))
	for i, k := range kids {
		out.Children[i] = Child{Region: Ref{Code: k.Code, Name: k.Name, Level: k.Level}, Counts: newCounts(items, t.ItemNames)}
	}
	// child finds the child whose subtree holds a group's key, or nil.
	child := func(key string) *Counts {
		for i, p := range prefixes {
			if key != "" && strings.HasPrefix(key, p) {
				return &out.Children[i].Counts
			}
		}
		return nil
	}
	for _, row := range t.Incidents {
		out.Totals.addIncidents(row)
		if c := child(row.Key); c != nil {
			c.addIncidents(row)
		}
	}
	for _, row := range t.Teams {
		out.Totals.addTeams(row)
		if c := child(row.Key); c != nil {
			c.addTeams(row)
		}
	}
	for _, row := range t.Requests {
		out.Totals.addRequests(row)
		if c := child(row.Key); c != nil {
			c.addRequests(row)
		}
	}
	for _, row := range t.Stock {
		out.Totals.addStock(row)
		if c := child(row.Key); c != nil {
			c.addStock(row)
		}
	}
	return out, nil
}

// checkItems trims, checks and deduplicates the item codes.
func checkItems(items []string) ([]string, error) {
	var f dispatchd.Fields
	out := make([]string, 0, len(items))
	for _, it := range items {
		it = strings.TrimSpace(it)
		switch {
		case it == "" || slices.Contains(out, it):
		case !resources.ValidItemCode(it):
			f.Add("items", "%q is not an item code", it)
		default:
			out = append(out, it)
		}
	}
	if len(out) > MaxSummaryItems {
		f.Add("items", "at most %d items", MaxSummaryItems)
	}
	return out, f.Err()
}

func newCounts(items []string, names map[string]string) Counts {
	c := Counts{
		Incidents: IncidentCounts{ByLevel: map[string]int{"1": 0, "2": 0, "3": 0, "4": 0}, ByStatus: map[string]int{}},
		Teams:     TeamCounts{ByStatus: map[string]int{}},
		Stock:     make([]StockCount, len(items)),
	}
	for i, it := range items {
		c.Stock[i] = StockCount{Item: it, Name: names[it]}
	}
	return c
}

func (c *Counts) addIncidents(r IncidentTally) {
	c.Incidents.Open += r.N
	c.Incidents.ByLevel[strconv.Itoa(r.Level)] += r.N
	c.Incidents.ByStatus[r.Status] += r.N
}

func (c *Counts) addTeams(r TeamTally) {
	c.Teams.Total += r.N
	c.Teams.ByStatus[r.Status] += r.N
}

func (c *Counts) addRequests(r RequestTally) {
	if r.Incoming {
		c.SupportRequests.Incoming += r.N
	} else {
		c.SupportRequests.Outgoing += r.N
	}
}

func (c *Counts) addStock(r StockTally) {
	for i := range c.Stock {
		if c.Stock[i].Item == r.Item {
			c.Stock[i].OnHand += r.OnHand
			c.Stock[i].Available += r.Available
		}
	}
}
