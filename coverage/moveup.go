package coverage

import "dispatchd/geo"

// MoveUp is a proposed relocation of a standby team: from where it is to
// a point of a county short of coverage, and the county's share before
// and after; with weights, its population share before and after too.
type MoveUp struct {
	Team        string
	From, To    geo.Point
	ShareBefore float64
	ShareAfter  float64
	// PopulationBefore and PopulationAfter are nil when the county has
	// no population.
	PopulationBefore, PopulationAfter *float64
}

// Gap returns the point a team should move to in county k: the uncovered
// cell nearest the centre of the county's uncovered cells, and false when
// every cell is covered.
func (l *Layer) Gap(k int) (geo.Point, bool) { return l.gap(k, false) }

// gap is Gap; byPopulation weighs the centre by the cells' population
// when the uncovered cells have some.
func (l *Layer) gap(k int, byPopulation bool) (geo.Point, bool) {
	var sumLon, sumLat, sumW float64
	var cells []int
	for i, c := range l.g.county {
		if int(c) == k && l.count[i] == 0 {
			cells = append(cells, i)
			sumLon += l.g.centre[i].Lon
			sumLat += l.g.centre[i].Lat
		}
	}
	if len(cells) == 0 {
		return geo.Point{}, false
	}
	mid := geo.Point{Lon: sumLon / float64(len(cells)), Lat: sumLat / float64(len(cells))}
	if byPopulation && l.w != nil {
		var wLon, wLat float64
		for _, i := range cells {
			w := l.w.cell[i]
			wLon, wLat, sumW = wLon+w*l.g.centre[i].Lon, wLat+w*l.g.centre[i].Lat, sumW+w
		}
		if sumW > 0 {
			mid = geo.Point{Lon: wLon / sumW, Lat: wLat / sumW}
		}
	}
	best, bestD := cells[0], -1.0
	for _, i := range cells {
		if d := geo.Distance(mid, l.g.centre[i]); bestD < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return l.g.centre[best], true
}

// After returns how many cells of county k some team would reach if the
// team moved to p (by its mode): what it alone reaches now is lost, what
// it reaches from p that no other team does is gained.
func (l *Layer) After(team string, p geo.Point, k int) int {
	n, _ := l.after(team, p, k)
	return n
}

// after is After and the population of those cells (0 unweighted).
func (l *Layer) after(team string, p geo.Point, k int) (int, float64) {
	d := l.discs[team]
	lost, lostW := l.loss(team, k)
	n := int(l.covered[k]) - lost
	w := -lostW
	if l.w != nil {
		w += l.wcov[k]
	}
	mine := make(map[int32]bool, len(d.cells))
	for _, i := range d.cells {
		mine[i] = true
	}
	for _, i := range l.Reach(p, d.mode) {
		if int(l.g.county[i]) != k {
			continue
		}
		others := l.count[i]
		if mine[i] {
			others--
		}
		if others == 0 {
			n++
			if l.w != nil {
				w += l.w.cell[i]
			}
		}
	}
	return n, w
}

// MoveUp returns the team of the layer whose move to the county's gap
// (Gap) restores the most of county k's share, ties to the lowest id; it
// returns false when the county has no gap or no move raises its share.
// standby filters the candidates (nil: every team of the layer).
func (l *Layer) MoveUp(k int, standby func(team string) bool) (MoveUp, bool) {
	return l.MoveUpBy(k, standby, false)
}

// MoveUpBy is MoveUp; byPopulation, when the county has population,
// moves to the gap's population centre and maximises the population
// share instead (the share of cells breaking ties).
func (l *Layer) MoveUpBy(k int, standby func(team string) bool, byPopulation bool) (MoveUp, bool) {
	_, weighed := l.PopulationShare(k)
	byPopulation = byPopulation && weighed
	to, ok := l.gap(k, byPopulation)
	if !ok {
		return MoveUp{}, false
	}
	before := int(l.covered[k])
	var beforeW float64
	if weighed {
		beforeW = l.wcov[k]
	}
	best, bestN, bestW := "", before, beforeW
	for id := range l.discs {
		if standby != nil && !standby(id) {
			continue
		}
		n, w := l.after(id, to, k)
		better := n > bestN || n == bestN && best != "" && id < best
		if byPopulation {
			// A gain below a hundredth of a person is float noise.
			const eps = 1e-2
			switch {
			case w > bestW+eps:
				better = true
			case w < bestW-eps:
				better = false
			}
		}
		if better {
			best, bestN, bestW = id, n, w
		}
	}
	if best == "" {
		return MoveUp{}, false
	}
	m := MoveUp{Team: best, From: l.discs[best].at, To: to, ShareBefore: l.Share(k),
		ShareAfter: share(bestN, l.g.Cells(k))}
	if weighed {
		b, a := wshare(beforeW, l.w.total[k]), wshare(bestW, l.w.total[k])
		m.PopulationBefore, m.PopulationAfter = &b, &a
	}
	return m, true
}
