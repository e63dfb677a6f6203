package coverage

import (
	"math"

	"dispatchd/geo"
)

// Layer is the coverage of one capability: per cell, how many available
// teams reach it within the target time, and per county, how many of its
// cells at least one team reaches. Teams are added, moved and removed one
// at a time (Set, Remove), each changing only the cells of its disc. A
// Layer is not safe for concurrent use.
type Layer struct {
	g       *Grid
	router  geo.Router
	targetS float64
	count   []int32
	covered []int32
	discs   map[string]disc
	// w weighs the cells by population (nil: not weighed); wcov is, by
	// county, the population of the cells some team reaches.
	w    *Weights
	wcov []float64
}

// disc is the cells a team reaches, and from where.
type disc struct {
	at    geo.Point
	mode  string
	cells []int32
}

// NewLayer returns an empty layer over g: no team reaches any cell.
func NewLayer(g *Grid, router geo.Router, target float64) *Layer {
	return &Layer{g: g, router: router, targetS: target, count: make([]int32, g.Len()),
		covered: make([]int32, len(g.counties)), discs: map[string]disc{}}
}

// TargetS returns the target time in seconds.
func (l *Layer) TargetS() float64 { return l.targetS }

// Reach returns the cells a team of mode at p reaches within the target,
// in increasing order: those whose centre its route reaches in time.
func (l *Layer) Reach(p geo.Point, mode string) []int32 {
	var out []int32
	check := func(i int) {
		if l.router.Route(p, l.g.centre[i], mode).Seconds <= l.targetS {
			out = append(out, int32(i))
		}
	}
	if lin, ok := l.router.(geo.Linear); ok {
		detour, perMetre, setup := lin.Line(mode)
		if l.targetS < setup || !(detour*perMetre > 0) {
			return nil
		}
		// The box is a little wider than the reach, for rounding.
		l.g.Within(p, (l.targetS-setup)/(detour*perMetre)*1.001+1, check)
		return out
	}
	l.g.All(check)
	return out
}

// RedrawMetres is how far a team must move from where its disc was drawn
// for the disc to be drawn again: a tenth of a cell.
const RedrawMetres = 200.0

// Set puts a team at p, travelling by mode, as available: it now counts
// for the cells it reaches from there. A team set again at the same place
// and mode changes nothing.
//
// A team that moved less than RedrawMetres from where its disc was drawn
// keeps it: a unit reports every few seconds, moving metres each time,
// and a disc of 2 km cells does not change with that.
func (l *Layer) Set(team string, p geo.Point, mode string) {
	if d, ok := l.discs[team]; ok {
		if d.mode == mode && geo.Distance(d.at, p) < RedrawMetres {
			return
		}
		l.add(d.cells, -1)
	}
	d := disc{at: p, mode: mode, cells: l.Reach(p, mode)}
	l.discs[team] = d
	l.add(d.cells, 1)
}

// Remove takes a team out: it no longer counts for any cell.
func (l *Layer) Remove(team string) {
	if d, ok := l.discs[team]; ok {
		l.add(d.cells, -1)
		delete(l.discs, team)
	}
}

func (l *Layer) add(cells []int32, delta int32) {
	for _, i := range cells {
		n := l.count[i]
		l.count[i] = n + delta
		switch {
		case n == 0 && delta > 0:
			l.covered[l.g.county[i]]++
			if l.w != nil {
				l.wcov[l.g.county[i]] += l.w.cell[i]
			}
		case n+delta == 0 && delta < 0:
			l.covered[l.g.county[i]]--
			if l.w != nil {
				l.wcov[l.g.county[i]] -= l.w.cell[i]
			}
		}
	}
}

// Has reports whether the team is in the layer.
func (l *Layer) Has(team string) bool {
	_, ok := l.discs[team]
	return ok
}

// Teams calls fn for every team in the layer, with where it is.
func (l *Layer) Teams(fn func(team string, at geo.Point, mode string)) {
	for id, d := range l.discs {
		fn(id, d.at, d.mode)
	}
}

// Count returns how many teams reach cell i.
func (l *Layer) Count(i int) int { return int(l.count[i]) }

// Covered returns how many cells of county k some team reaches.
func (l *Layer) Covered(k int) int { return int(l.covered[k]) }

// Share returns the share of county k's cells that some team reaches, 0
// for a county with no cell.
func (l *Layer) Share(k int) float64 { return share(int(l.covered[k]), l.g.Cells(k)) }

func share(covered, cells int) float64 {
	if cells == 0 {
		return 0
	}
	return math.Round(float64(covered)/float64(cells)*1e4) / 1e4
}

// Loss returns how many cells of county k only the team reaches: what the
// county loses when the team leaves. O(its disc).
func (l *Layer) Loss(team string, k int) int {
	n, _ := l.loss(team, k)
	return n
}

// loss returns Loss and the population of those cells (0 unweighted).
func (l *Layer) loss(team string, k int) (int, float64) {
	n, pop := 0, 0.0
	for _, i := range l.discs[team].cells {
		if l.count[i] == 1 && int(l.g.county[i]) == k {
			n++
			if l.w != nil {
				pop += l.w.cell[i]
			}
		}
	}
	return n, pop
}
