package plan

import (
	"slices"
	"time"

	"dispatchd/geo"
	"dispatchd/resources"
)

func (p *Projection) capIndex(c string, k resources.TeamKind) *geo.Index[*teamState] {
	pair := p.byCap[c]
	if pair == nil {
		pair = &[2]*geo.Index[*teamState]{geo.NewIndex[*teamState](p.cfg.CellMetres), geo.NewIndex[*teamState](p.cfg.CellMetres)}
		p.byCap[c] = pair
	}
	if k == resources.Aviation {
		return pair[1]
	}
	return pair[0]
}

func (p *Projection) putTeam(t resources.Team) {
	old, ok := p.teams[t.ID]
	st := &teamState{Team: t, ref: TeamRef{ID: t.ID, Name: t.Name, Kind: t.Kind}, kind: slices.Index(resources.TeamKinds, t.Kind)}
	if ok {
		p.unindexTeam(old)
		st.pos, st.posTS, st.hasPos = old.pos, old.posTS, old.hasPos
		// Only team.stale and team.fresh move the flag: the data of an
		// import does not carry the row's.
		st.PositionStale, st.wokeFresh, st.queued = old.PositionStale, old.wokeFresh, old.queued
	}
	p.teams[t.ID] = st
	for _, c := range t.Capabilities {
		p.capTotal[c]++
	}
	p.place(st, time.Now())
}

func (p *Projection) unindexTeam(t *teamState) {
	for _, c := range t.Capabilities {
		p.capIndex(c, t.Kind).Remove(t)
		p.capTotal[c]--
		if t.indexed {
			addScoped(p.ownTeams, c, t.Region, -1)
		}
	}
	t.indexed = false
}

func (p *Projection) removeTeam(id string) {
	if t, ok := p.teams[id]; ok {
		p.unindexTeam(t)
		delete(p.teams, id)
	}
}

func (p *Projection) putDepot(d resources.Depot) {
	old, ok := p.depots[d.ID]
	st := &depotState{Depot: d, avail: map[string]int64{}, ref: DepotRef{ID: d.ID, Name: d.Name, Tier: d.Tier, Reserve: d.Reserve}}
	if ok {
		for item := range old.avail {
			p.itemIndex(item, old.Reserve).Remove(old)
			addScoped(p.ownStock, item, old.Region, -1)
		}
		st.avail = old.avail
	}
	p.depots[d.ID] = st
	for item, n := range st.avail {
		if n > 0 {
			p.itemIndex(item, d.Reserve).Set(st, d.Location)
			addScoped(p.ownStock, item, d.Region, 1)
		}
	}
}

func (p *Projection) removeDepot(id string) {
	if d, ok := p.depots[id]; ok {
		for item := range d.avail {
			p.itemIndex(item, d.Reserve).Remove(d)
			addScoped(p.ownStock, item, d.Region, -1)
		}
		delete(p.depots, id)
	}
}

func (p *Projection) itemIndex(item string, r resources.Reserve) *geo.Index[*depotState] {
	pair := p.byItem[item]
	if pair == nil {
		pair = &[2]*geo.Index[*depotState]{geo.NewIndex[*depotState](p.cfg.CellMetres), geo.NewIndex[*depotState](p.cfg.CellMetres)}
		p.byItem[item] = pair
	}
	if r == resources.Agreement {
		return pair[1]
	}
	return pair[0]
}

func (p *Projection) setStock(depot, item string, avail int64) {
	d, ok := p.depots[depot]
	if !ok {
		return
	}
	ix := p.itemIndex(item, d.Reserve)
	_, had := d.avail[item]
	if avail > 0 {
		d.avail[item] = avail
		ix.Set(d, d.Location)
		if !had {
			addScoped(p.ownStock, item, d.Region, 1)
		}
	} else {
		delete(d.avail, item)
		ix.Remove(d)
		if had {
			addScoped(p.ownStock, item, d.Region, -1)
		}
	}
}
