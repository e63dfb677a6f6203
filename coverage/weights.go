package coverage

import "math"

// Weights is the population of each cell of a grid, from the population
// points that fall in it, and the totals of each county. It is read-only
// once made.
type Weights struct {
	cell []float64
	// total and points are by county.
	total  []float64
	points []int32
	// Outside counts the points in no cell of any county, and
	// OutsidePopulation their population.
	Outside           int
	OutsidePopulation float64
}

// Weigh puts each point's population in the cell that holds it: the
// square of side CellMetres about the cell's centre. A point whose
// square's centre is in no county (beyond the outlines, or at their edge
// where the cell went to no county) is counted as outside.
func (g *Grid) Weigh(pts []PopulationPoint) *Weights {
	w := &Weights{cell: make([]float64, g.Len()), total: make([]float64, len(g.counties)), points: make([]int32, len(g.counties))}
	for _, p := range pts {
		i := g.CellAt(p.At.Lon, p.At.Lat)
		if i < 0 {
			w.Outside++
			w.OutsidePopulation += p.Population
			continue
		}
		w.cell[i] += p.Population
		k := g.county[i]
		w.total[k] += p.Population
		w.points[k]++
	}
	return w
}

// CellAt returns the cell whose square holds the point, -1 when none
// does.
func (g *Grid) CellAt(lon, lat float64) int {
	if len(g.centre) == 0 {
		return -1
	}
	r := int(math.Floor((lat - g.lat0) / g.dLat))
	c := int(math.Floor((lon - g.lon0) / g.dLon))
	if r < 0 || r >= g.rows || c < 0 || c >= g.cols {
		return -1
	}
	return int(g.at[r*g.cols+c])
}

// Total returns the population of county k.
func (w *Weights) Total(k int) float64 { return w.total[k] }

// Points returns how many points fell in county k.
func (w *Weights) Points(k int) int { return int(w.points[k]) }

// Cell returns the population of cell i.
func (w *Weights) Cell(i int) float64 { return w.cell[i] }

// SetWeights weighs the layer's cells by w (nil: none), recounting the
// population each county's covered cells hold. O(cells).
func (l *Layer) SetWeights(w *Weights) {
	l.w = w
	l.wcov = nil
	if w == nil {
		return
	}
	l.wcov = make([]float64, len(l.g.counties))
	for i, n := range l.count {
		if n > 0 {
			l.wcov[l.g.county[i]] += w.cell[i]
		}
	}
}

// PopulationShare returns the share of county k's population that lives
// in cells some team reaches, and false when the layer has no weights or
// the county no population.
func (l *Layer) PopulationShare(k int) (float64, bool) {
	if l.w == nil || !(l.w.total[k] > 0) {
		return 0, false
	}
	return wshare(l.wcov[k], l.w.total[k]), true
}

// wshare is covered over total, rounded as share rounds, and kept within
// [0, 1] against the drift of sums of floats.
func wshare(covered, total float64) float64 {
	if !(total > 0) {
		return 0
	}
	return math.Round(min(1, max(0, covered/total))*1e4) / 1e4
}

// Weighted returns the share that decides the gaps of county k: the
// population share when byPopulation and the county has population, else
// the share of its cells.
func (l *Layer) Weighted(k int, byPopulation bool) float64 {
	if byPopulation {
		if s, ok := l.PopulationShare(k); ok {
			return s
		}
	}
	return l.Share(k)
}
