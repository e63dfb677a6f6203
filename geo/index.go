package geo

import (
	"math"
	"sync"
)

// DefaultCell is the default cell edge of an Index: about the distance a
// rescue team covers in a quarter of an hour.
const DefaultCell = 25000.0

// vec is a point on the sphere of radius earthRadius, in metres. The
// straight-line (chord) distance between two such points grows strictly
// with their great-circle distance, so ranking by chord is exact where
// ranking by degrees of longitude and latitude is not (at 30°N a degree of
// longitude is 0.87 of a degree of latitude).
type vec struct{ x, y, z float64 }

func toVec(p Point) vec {
	lat, lon := p.Lat*math.Pi/180, p.Lon*math.Pi/180
	c := math.Cos(lat)
	return vec{earthRadius * c * math.Cos(lon), earthRadius * c * math.Sin(lon), earthRadius * math.Sin(lat)}
}

func (a vec) dist2(b vec) float64 {
	dx, dy, dz := a.x-b.x, a.y-b.y, a.z-b.z
	return dx*dx + dy*dy + dz*dz
}

// arc turns a chord into the great-circle distance it spans.
func arc(chord float64) float64 {
	return 2 * earthRadius * math.Asin(math.Min(1, chord/(2*earthRadius)))
}

type cellKey struct{ i, j, k int32 }

type entry[K comparable] struct {
	k K
	p Point
	v vec
}

type cell[K comparable] struct {
	key     cellKey
	entries []entry[K]
	// lo and hi are the corners of the cell's box.
	lo, hi vec
}

type slot struct {
	c cellKey
	i int
}

// Index is a spatial index of keyed points that finds them nearest first,
// lazily: a cursor yields one entry at a time in increasing great-circle
// distance, so a search that needs the first few of a thousand pays for
// few. Points live in a uniform grid of cubes over the sphere in 3D, which
// makes inserting, moving and removing a point O(1), as positions arriving
// many times a second need. An Index is not safe for concurrent use, and it
// must not change while a cursor on it is in use.
type Index[K comparable] struct {
	size  float64
	cells map[cellKey]*cell[K]
	where map[K]slot
	pool  sync.Pool
}

// NewIndex returns an empty index with cells of the given edge in metres;
// 0 or less means DefaultCell.
func NewIndex[K comparable](cellMetres float64) *Index[K] {
	if cellMetres <= 0 {
		cellMetres = DefaultCell
	}
	return &Index[K]{size: cellMetres, cells: map[cellKey]*cell[K]{}, where: map[K]slot{}}
}

func (ix *Index[K]) keyOf(v vec) cellKey {
	return cellKey{int32(math.Floor(v.x / ix.size)), int32(math.Floor(v.y / ix.size)), int32(math.Floor(v.z / ix.size))}
}

// Len returns the number of entries.
func (ix *Index[K]) Len() int { return len(ix.where) }

// Get returns where k is.
func (ix *Index[K]) Get(k K) (Point, bool) {
	s, ok := ix.where[k]
	if !ok {
		return Point{}, false
	}
	return ix.cells[s.c].entries[s.i].p, true
}

// Set inserts k at p, or moves it there.
func (ix *Index[K]) Set(k K, p Point) {
	v := toVec(p)
	key := ix.keyOf(v)
	if s, ok := ix.where[k]; ok {
		if s.c == key {
			ix.cells[key].entries[s.i] = entry[K]{k, p, v}
			return
		}
		ix.Remove(k)
	}
	c := ix.cells[key]
	if c == nil {
		c = &cell[K]{key: key,
			lo: vec{float64(key.i) * ix.size, float64(key.j) * ix.size, float64(key.k) * ix.size}}
		c.hi = vec{c.lo.x + ix.size, c.lo.y + ix.size, c.lo.z + ix.size}
		ix.cells[key] = c
	}
	ix.where[k] = slot{key, len(c.entries)}
	c.entries = append(c.entries, entry[K]{k, p, v})
}

// Remove deletes k and reports whether it was there.
func (ix *Index[K]) Remove(k K) bool {
	s, ok := ix.where[k]
	if !ok {
		return false
	}
	delete(ix.where, k)
	c := ix.cells[s.c]
	last := len(c.entries) - 1
	if s.i != last {
		c.entries[s.i] = c.entries[last]
		ix.where[c.entries[s.i].k] = slot{s.c, s.i}
	}
	var zero entry[K]
	c.entries[last] = zero
	c.entries = c.entries[:last]
	if len(c.entries) == 0 {
		delete(ix.cells, s.c)
	}
	return true
}

// boxDist2 is the squared distance from v to the nearest point of the box:
// no entry of the cell can be closer.
func boxDist2(v, lo, hi vec) float64 {
	d := 0.0
	for _, a := range [3][3]float64{{v.x, lo.x, hi.x}, {v.y, lo.y, hi.y}, {v.z, lo.z, hi.z}} {
		switch {
		case a[0] < a[1]:
			d += (a[1] - a[0]) * (a[1] - a[0])
		case a[0] > a[2]:
			d += (a[0] - a[2]) * (a[0] - a[2])
		}
	}
	return d
}

type cellItem[K comparable] struct {
	d2 float64
	c  *cell[K]
}

type candItem[K comparable] struct {
	d2 float64
	k  K
}

// Cursor walks an index nearest first.
type Cursor[K comparable] struct {
	ix    *Index[K]
	q     vec
	cells []cellItem[K] // a min-heap by lower bound
	cands []candItem[K] // a min-heap by exact distance
}

// Nearest starts a search from p.
func (ix *Index[K]) Nearest(p Point) *Cursor[K] {
	c, _ := ix.pool.Get().(*Cursor[K])
	if c == nil {
		c = &Cursor[K]{}
	}
	c.ix, c.q = ix, toVec(p)
	c.cells, c.cands = c.cells[:0], c.cands[:0]
	for _, cl := range ix.cells {
		c.cells = append(c.cells, cellItem[K]{boxDist2(c.q, cl.lo, cl.hi), cl})
	}
	for i := len(c.cells)/2 - 1; i >= 0; i-- {
		down(c.cells, i, func(a, b cellItem[K]) bool { return a.d2 < b.d2 })
	}
	return c
}

// Next returns the next nearest entry and its great-circle distance in
// metres; ok is false when every entry has been returned.
func (c *Cursor[K]) Next() (k K, metres float64, ok bool) {
	lessCell := func(a, b cellItem[K]) bool { return a.d2 < b.d2 }
	lessCand := func(a, b candItem[K]) bool { return a.d2 < b.d2 }
	for len(c.cells) > 0 && (len(c.cands) == 0 || c.cells[0].d2 <= c.cands[0].d2) {
		cl := pop(&c.cells, lessCell).c
		for _, e := range cl.entries {
			push(&c.cands, candItem[K]{c.q.dist2(e.v), e.k}, lessCand)
		}
	}
	if len(c.cands) == 0 {
		return k, 0, false
	}
	best := pop(&c.cands, lessCand)
	return best.k, arc(math.Sqrt(best.d2)), true
}

// Release returns the cursor's buffers for reuse; it must not be used
// after.
func (c *Cursor[K]) Release() {
	ix := c.ix
	clear(c.cells)
	clear(c.cands)
	c.ix = nil
	if ix != nil {
		ix.pool.Put(c)
	}
}

func push[T any](h *[]T, x T, less func(a, b T) bool) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !less(s[i], s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func pop[T any](h *[]T, less func(a, b T) bool) T {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	var zero T
	s[last] = zero
	*h = s[:last]
	down(*h, 0, less)
	return top
}

func down[T any](s []T, i int, less func(a, b T) bool) {
	for {
		l := 2*i + 1
		if l >= len(s) {
			return
		}
		m := l
		if r := l + 1; r < len(s) && less(s[r], s[l]) {
			m = r
		}
		if !less(s[m], s[i]) {
			return
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
}
