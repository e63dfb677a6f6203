package coverage

import "dispatchd/geo"

// MoveUp is a proposed relocation of a standby team: from where it is to
// a point of a county short of coverage, and the county's share before
// and after.
type MoveUp struct {
	Team        string
	From, To    geo.Point
	ShareBefore float64
	ShareAfter  float64
}

// Gap returns the point a team should move to in county k: the uncovered
// cell nearest the centre of the county's uncovered cells, and false when
// every cell is covered.
func (l *Layer) Gap(k int) (geo.Point, bool) {
	var sumLon, sumLat float64
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
	d := l.discs[team]
	n := int(l.covered[k]) - l.Loss(team, k)
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
		}
	}
	return n
}

// MoveUp returns the team of the layer whose move to the county's gap
// (Gap) restores the most of county k's share, ties to the lowest id; it
// returns false when the county has no gap or no move raises its share.
// standby filters the candidates (nil: every team of the layer).
func (l *Layer) MoveUp(k int, standby func(team string) bool) (MoveUp, bool) {
	to, ok := l.Gap(k)
	if !ok {
		return MoveUp{}, false
	}
	before := int(l.covered[k])
	best, bestN := "", before
	for id := range l.discs {
		if standby != nil && !standby(id) {
			continue
		}
		n := l.After(id, to, k)
		if n > bestN || n == bestN && best != "" && id < best {
			best, bestN = id, n
		}
	}
	if best == "" {
		return MoveUp{}, false
	}
	return MoveUp{Team: best, From: l.discs[best].at, To: to, ShareBefore: l.Share(k),
		ShareAfter: share(bestN, l.g.Cells(k))}, true
}
