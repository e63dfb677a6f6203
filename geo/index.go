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

// fanout is how many cells, or groups, make a group along each axis, and
// levels how many levels of groups there are: 25 km cells, 100 km groups,
// 400 km groups. A search ranks the top groups, opens the nearest, ranks
// what is inside, and so on down to the entries, so it touches little
// whether the points are dense or sparse, in a province or a country.
const (
	fanout = 4
	levels = 2
)

type entry[K comparable] struct {
	k K
	p Point
	v vec
}

// box is an axis-aligned box in 3D; no point inside is nearer to v than
// dist2(v).
type box struct{ lo, hi vec }

func (b *box) dist2(v vec) float64 {
	return gap2(v.x, b.lo.x, b.hi.x) + gap2(v.y, b.lo.y, b.hi.y) + gap2(v.z, b.lo.z, b.hi.z)
}

// gap2 is the squared distance from x to the interval [lo, hi]; branch-free
// because the search calls it for every cell and group it opens.
func gap2(x, lo, hi float64) float64 {
	d := max(lo-x, x-hi, 0)
	return d * d
}

func newBox(key cellKey, size float64) box {
	lo := vec{float64(key.i) * size, float64(key.j) * size, float64(key.k) * size}
	return box{lo, vec{lo.x + size, lo.y + size, lo.z + size}}
}

type cell[K comparable] struct {
	box
	entries []entry[K]
	up      *group[K]
	at      int // index in up.cells
}

// group is a box of fanout³ cells (level 1) or of groups of the level
// below.
type group[K comparable] struct {
	box
	key    cellKey
	level  int
	cells  []*cell[K]  // level 1
	groups []*group[K] // above level 1
	up     *group[K]   // nil at the top level
	at     int         // index in up.groups, or in Index.top
}

func (g *group[K]) empty() bool { return len(g.cells) == 0 && len(g.groups) == 0 }

type slot struct {
	c cellKey
	i int
}

type groupKey struct {
	level int
	key   cellKey
}

// Index is a spatial index of keyed points that finds them nearest first,
// lazily: a cursor yields one entry at a time in increasing great-circle
// distance, so a search for the first few of a thousand pays for few.
// Points live in a uniform grid of cubes over the sphere in 3D, in nested
// groups of cubes, so inserting, moving and removing a point are O(1), as
// positions arriving many times a second need. An Index is not safe for
// concurrent use (callers lock), and it must not change while a cursor on
// it is in use.
type Index[K comparable] struct {
	size   float64
	cells  map[cellKey]*cell[K]
	groups map[groupKey]*group[K]
	top    []*group[K]
	where  map[K]slot
	pool   sync.Pool
}

// NewIndex returns an empty index with cells of the given edge in metres;
// 0 or less (or NaN) means DefaultCell.
func NewIndex[K comparable](cellMetres float64) *Index[K] {
	if !(cellMetres > 0) {
		cellMetres = DefaultCell
	}
	// Cell numbers are int32, which millimetre cells would overflow.
	cellMetres = math.Max(cellMetres, 1)
	return &Index[K]{size: cellMetres, cells: map[cellKey]*cell[K]{}, groups: map[groupKey]*group[K]{}, where: map[K]slot{}}
}

func (ix *Index[K]) keyOf(v vec) cellKey {
	return cellKey{int32(math.Floor(v.x / ix.size)), int32(math.Floor(v.y / ix.size)), int32(math.Floor(v.z / ix.size))}
}

func floorDiv(a int32) int32 {
	if a < 0 {
		return (a - fanout + 1) / fanout
	}
	return a / fanout
}

func parentKey(k cellKey) cellKey { return cellKey{floorDiv(k.i), floorDiv(k.j), floorDiv(k.k)} }

// Len returns the number of entries.
func (ix *Index[K]) Len() int { return len(ix.where) }

// Get returns where k is, and false if it is not in the index.
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
		c = &cell[K]{box: newBox(key, ix.size)}
		g := ix.group(1, parentKey(key))
		c.up, c.at = g, len(g.cells)
		g.cells = append(g.cells, c)
		ix.cells[key] = c
	}
	ix.where[k] = slot{key, len(c.entries)}
	c.entries = append(c.entries, entry[K]{k, p, v})
}

// group returns the group at level with key, making it and the groups
// above it as needed.
func (ix *Index[K]) group(level int, key cellKey) *group[K] {
	gk := groupKey{level, key}
	if g := ix.groups[gk]; g != nil {
		return g
	}
	size := ix.size
	for range level {
		size *= fanout
	}
	g := &group[K]{box: newBox(key, size), key: key, level: level}
	ix.groups[gk] = g
	if level == levels {
		g.at = len(ix.top)
		ix.top = append(ix.top, g)
	} else {
		up := ix.group(level+1, parentKey(key))
		g.up, g.at = up, len(up.groups)
		up.groups = append(up.groups, g)
	}
	return g
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
	c.entries[last] = entry[K]{} // so the backing array does not keep k alive
	c.entries = c.entries[:last]
	if len(c.entries) > 0 {
		return true
	}
	delete(ix.cells, s.c)
	g := c.up
	swapRemove(&g.cells, c.at, func(moved *cell[K], i int) { moved.at = i })
	for g.empty() {
		delete(ix.groups, groupKey{g.level, g.key})
		if g.up == nil {
			swapRemove(&ix.top, g.at, func(moved *group[K], i int) { moved.at = i })
			break
		}
		up := g.up
		swapRemove(&up.groups, g.at, func(moved *group[K], i int) { moved.at = i })
		g = up
	}
	return true
}

func swapRemove[T any](s *[]*T, i int, moved func(*T, int)) {
	last := len(*s) - 1
	if i != last {
		(*s)[i] = (*s)[last]
		moved((*s)[i], i)
	}
	(*s)[last] = nil
	*s = (*s)[:last]
}

// cand is a group, cell or entry found by a search, with the least squared
// chord a point in it can have.
type cand[K comparable] struct {
	d2 float64
	g  *group[K]
	c  *cell[K]
	k  K
}

// node waits in a search's heap: a run of candidates (what one opened
// group or cell holds), itself a min-heap, keyed by its nearest. Heapified,
// not sorted, because a search takes only a few of the up to 64 it opens.
type node struct {
	d2     float64
	lo, hi int32 // the run in Cursor.buf
}

// Cursor walks an index nearest first; the index must not change from
// Nearest to Release.
type Cursor[K comparable] struct {
	ix  *Index[K]
	q   vec
	h   []node // a min-heap by d2
	buf []cand[K]
}

// Nearest starts an incremental search from p: call Next for as many
// entries as wanted, then Release, which pools the buffers for reuse.
func (ix *Index[K]) Nearest(p Point) *Cursor[K] {
	c, _ := ix.pool.Get().(*Cursor[K])
	if c == nil {
		c = &Cursor[K]{}
	}
	c.ix, c.q = ix, toVec(p)
	c.h, c.buf = c.h[:0], c.buf[:0]
	for _, g := range ix.top {
		c.buf = append(c.buf, cand[K]{d2: g.dist2(c.q), g: g})
	}
	c.pushRun(0)
	return c
}

// Next returns the next nearest entry and its great-circle distance in
// metres; ok is false once every entry has been returned, and stays so.
// Each run's key bounds all it holds and all they hold, so an entry taken
// from the top of the heap is the nearest left.
func (c *Cursor[K]) Next() (k K, metres float64, ok bool) {
	for len(c.h) > 0 {
		top := &c.h[0]
		x := c.buf[top.lo]
		if top.hi--; top.lo < top.hi {
			run := c.buf[top.lo:top.hi]
			run[0] = c.buf[top.hi]
			siftCand(run, 0)
			top.d2 = run[0].d2
		} else { // the run is spent: the last node takes its place
			c.h[0] = c.h[len(c.h)-1]
			c.h = c.h[:len(c.h)-1]
		}
		down(c.h, 0)
		lo := len(c.buf)
		switch {
		case x.g != nil && x.g.level == 1:
			for _, cl := range x.g.cells {
				c.buf = append(c.buf, cand[K]{d2: cl.dist2(c.q), c: cl})
			}
		case x.g != nil:
			for _, g := range x.g.groups {
				c.buf = append(c.buf, cand[K]{d2: g.dist2(c.q), g: g})
			}
		case x.c != nil:
			for i := range x.c.entries {
				e := &x.c.entries[i]
				c.buf = append(c.buf, cand[K]{d2: c.q.dist2(e.v), k: e.k})
			}
		default:
			return x.k, arc(math.Sqrt(x.d2)), true
		}
		c.pushRun(lo)
	}
	return k, 0, false
}

// pushRun heapifies the candidates appended from lo and queues the run.
func (c *Cursor[K]) pushRun(lo int) {
	run := c.buf[lo:]
	if len(run) == 0 {
		return
	}
	for i := len(run)/2 - 1; i >= 0; i-- {
		siftCand(run, i)
	}
	c.push(node{d2: run[0].d2, lo: int32(lo), hi: int32(len(c.buf))})
}

// siftCand is down for runs of candidates. It is written twice on purpose:
// a generic sift over a key method costs a fifth more per suggestion
// (callgrind), as the method is not inlined.
func siftCand[K comparable](h []cand[K], i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].d2 < h[l].d2 {
			m = r
		}
		if h[m].d2 >= h[i].d2 {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// Release returns the cursor's buffers for reuse; it must not be used after.
func (c *Cursor[K]) Release() {
	ix := c.ix
	clear(c.buf) // so that the pool does not keep keys or removed cells alive
	c.ix = nil
	if ix != nil {
		ix.pool.Put(c)
	}
}

func (c *Cursor[K]) push(n node) {
	c.h = append(c.h, n)
	h := c.h
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[i].d2 >= h[p].d2 {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func down(h []node, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].d2 < h[l].d2 {
			m = r
		}
		if h[m].d2 >= h[i].d2 {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
