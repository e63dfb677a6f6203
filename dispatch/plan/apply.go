package plan

import (
	"context"
	"encoding/json"
	"strings"

	"dispatchd"
	"dispatchd/resources"
)

// Apply brings the projection up to date with one event. For an event that
// changes more than its data carries (a stock import) it returns the depots
// whose stock the caller must re-read with ReloadStock.
func (p *Projection) Apply(ev dispatchd.Event) (reload []string) {
	p.mu.Lock()
	defer func() {
		p.last = max(p.last, ev.ID)
		p.caught.Broadcast()
		p.mu.Unlock()
	}()
	typ := ev.Type
	switch {
	case typ == "item.created" || typ == "item.updated" || typ == "item.imported":
		var it resources.Item
		if json.Unmarshal(ev.Data, &it) == nil {
			p.items[it.Code] = it
		}
	case typ == "item.deleted":
		delete(p.items, ev.Subject)
	case typ == "team.created" || typ == "team.updated" || typ == "team.imported":
		var t resources.Team
		if json.Unmarshal(ev.Data, &t) == nil {
			// An import replaces a team's registry fields but keeps its
			// status (a team on a task stays on it); so does the store.
			if old, ok := p.teams[t.ID]; ok && typ == "team.imported" {
				t.Status = old.Status
			}
			p.putTeam(t)
		}
	case typ == "team.deleted":
		p.removeTeam(ev.Subject)
	case typ == "team.stale" || typ == "team.fresh":
		var d PositionStaleEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			if t, ok := p.teams[d.Team]; ok {
				p.setStaleFlag(t, typ == "team.stale", d.PositionTS)
			}
		}
	case typ == "team.status":
		var d teamStatusData
		if json.Unmarshal(ev.Data, &d) == nil {
			if t, ok := p.teams[d.Team]; ok {
				tt := t.Team
				tt.Status = d.Status
				p.putTeam(tt)
			}
		}
	case typ == "depot.created" || typ == "depot.updated" || typ == "depot.imported":
		var d resources.Depot
		if json.Unmarshal(ev.Data, &d) == nil {
			p.putDepot(d)
		}
	case typ == "depot.deleted":
		p.removeDepot(ev.Subject)
	case typ == "stock.adjusted":
		var d resources.StockEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			for _, l := range d.Lines {
				p.setStock(l.Depot, l.Item, l.OnHand-l.Reserved)
			}
		}
	case typ == "stock.imported":
		var d resources.StockImportEvent
		if json.Unmarshal(ev.Data, &d) == nil {
			return d.Depots
		}
	case strings.HasPrefix(typ, "order."):
		var d orderData
		if json.Unmarshal(ev.Data, &d) == nil {
			for _, st := range d.Stock {
				p.setStock(st.Depot, st.Item, st.OnHand-st.Reserved)
			}
		}
	}
	return nil
}

// ReloadStock replaces the stock of the depots with what src holds now.
func (p *Projection) ReloadStock(ctx context.Context, src Source, depots []string) error {
	for _, id := range depots {
		lines, err := src.ListStock(ctx, id)
		if err != nil {
			if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
				continue
			}
			return err
		}
		p.mu.Lock()
		if d, ok := p.depots[id]; ok {
			for item := range d.avail {
				p.setStock(id, item, 0)
			}
		}
		for _, st := range lines {
			p.setStock(st.Depot, st.Item, st.Available)
		}
		p.mu.Unlock()
	}
	return nil
}

// teamStatusData and orderData are what the projection reads of the data
// of team.status and of the order events, which the dispatch service
// writes (dispatch.TeamStatusEvent and dispatch.OrderEvent).
type teamStatusData struct {
	Team   string               `json:"team"`
	Status resources.TeamStatus `json:"status"`
}

type orderData struct {
	Stock []resources.Stock `json:"stock"`
}
