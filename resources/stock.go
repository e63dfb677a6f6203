package resources

import (
	"time"

	"dispatchd"
)

// maxQty bounds every quantity so that sums over a province stay far from
// int64 overflow.
const maxQty = 1_000_000_000_000

// Stock is the level of one item at one depot. Available is what dispatch may
// still promise: on hand less what open orders have reserved.
type Stock struct {
	Depot     string    `json:"depot"`
	Item      string    `json:"item"`
	Name      string    `json:"name,omitempty"`
	Unit      string    `json:"unit,omitempty"`
	OnHand    int64     `json:"on_hand"`
	Reserved  int64     `json:"reserved"`
	Available int64     `json:"available"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Adjustment changes the on-hand quantity of one item by Delta (a receipt
// when positive, a write-off or correction when negative).
type Adjustment struct {
	Item   string `json:"item"`
	Delta  int64  `json:"delta"`
	Reason string `json:"reason"`
}

// AdjustRequest is a set of adjustments at one depot, made together: all of
// them apply or none. Reason applies to every line that has none of its own.
type AdjustRequest struct {
	Reason string       `json:"reason"`
	Lines  []Adjustment `json:"lines"`
}

// LedgerLine records one stock change and why; the ledger of a depot is the
// history of its stock.
type LedgerLine struct {
	ID       int64     `json:"id"`
	Depot    string    `json:"depot"`
	Item     string    `json:"item"`
	Delta    int64     `json:"delta"`
	OnHand   int64     `json:"on_hand"`
	Reserved int64     `json:"reserved"`
	Reason   string    `json:"reason"`
	Actor    string    `json:"actor"`
	EventID  int64     `json:"event_id"`
	TS       time.Time `json:"ts"`
}

// LedgerFilter selects ledger lines of a depot, newest first. After is the
// line id to continue after (0 for the newest).
type LedgerFilter struct {
	Depot string
	Item  string
	After int64
	Limit int
}

// StockLevel sets the on-hand quantity of one item at one depot, as a stock
// count or an import does.
type StockLevel struct {
	Depot  string `json:"depot"`
	Item   string `json:"item"`
	OnHand int64  `json:"on_hand"`
}

// Validate checks the request and gives each line its reason.
func (r *AdjustRequest) Validate() error {
	var f dispatchd.Fields
	CheckText(&f, "reason", &r.Reason, false, 500)
	if len(r.Lines) == 0 {
		f.Add("lines", "must list at least one adjustment")
	}
	if len(r.Lines) > 1000 {
		f.Add("lines", "must list at most 1000 adjustments")
	}
	seen := map[string]bool{}
	for i := range r.Lines {
		l := &r.Lines[i]
		p := Indexed("lines", i)
		if !ValidItemCode(l.Item) {
			f.Add(p+".item", "must be a 7-digit item code")
		} else if seen[l.Item] {
			f.Add(p+".item", "item %s is listed twice", l.Item)
		}
		seen[l.Item] = true
		if l.Delta == 0 || l.Delta > maxQty || l.Delta < -maxQty {
			f.Add(p+".delta", "must be a non-zero quantity within ±%d", int64(maxQty))
		}
		CheckText(&f, p+".reason", &l.Reason, false, 500)
		if l.Reason == "" {
			l.Reason = r.Reason
		}
		if l.Reason == "" {
			f.Add(p+".reason", "is required: every stock change needs a reason (here or for the whole request)")
		}
	}
	return f.Err()
}

// StockEvent is the data of a stock.adjusted event: the new levels and the
// ledger lines that led to them.
type StockEvent struct {
	Depot string       `json:"depot"`
	Lines []LedgerLine `json:"lines"`
}
