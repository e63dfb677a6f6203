package geo

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

type ranked struct {
	k int
	m float64
}

// brute ranks every entry by haversine distance: the reference.
func brute(pts map[int]Point, q Point) []ranked {
	out := make([]ranked, 0, len(pts))
	for k, p := range pts {
		out = append(out, ranked{k, Distance(q, p)})
	}
	slices.SortFunc(out, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.m, b.m), cmp.Compare(a.k, b.k)) })
	return out
}

func randPoint(r *rand.Rand, lon, lat, spread float64) Point {
	p := Point{Lon: lon + (r.Float64()*2-1)*spread, Lat: lat + (r.Float64()*2-1)*spread}
	p.Lat = math.Max(-90, math.Min(90, p.Lat))
	if p.Lon > 180 {
		p.Lon -= 360
	} else if p.Lon < -180 {
		p.Lon += 360
	}
	return p
}

// TestIndexMatchesBruteForce is the property test: on random data and
// random edits, a cursor yields every live entry once, in non-decreasing
// distance, with the distances a full scan gives.
func TestIndexMatchesBruteForce(t *testing.T) {
	regions := []struct {
		name             string
		lon, lat, spread float64
		cell             float64
	}{
		{"zhejiang", 120.2, 29.2, 3, 0},
		{"small cells", 120.2, 29.2, 3, 2000},
		{"antimeridian", 179.5, -16, 2, 0},
		{"pole", 10, 88.5, 2, 50000},
		{"world", 0, 0, 180, 500000},
	}
	for _, rg := range regions {
		t.Run(rg.name, func(t *testing.T) {
			for seed := range uint64(40) {
				r := rand.New(rand.NewPCG(seed, 7))
				ix := NewIndex[int](rg.cell)
				pts := map[int]Point{}
				n := r.IntN(2000)
				for k := range n {
					p := randPoint(r, rg.lon, rg.lat, rg.spread)
					ix.Set(k, p)
					pts[k] = p
				}
				for range n / 3 { // moves, inserts and removals
					k := r.IntN(n + 1)
					switch r.IntN(3) {
					case 0:
						p := randPoint(r, rg.lon, rg.lat, rg.spread)
						ix.Set(k, p)
						pts[k] = p
					case 1: // a tracker's jitter: mostly within the same cell
						p, ok := pts[k]
						if !ok {
							p = randPoint(r, rg.lon, rg.lat, rg.spread)
						}
						p = randPoint(r, p.Lon, p.Lat, 0.0005)
						ix.Set(k, p)
						pts[k] = p
					default:
						if got, want := ix.Remove(k), pts[k] != (Point{}); got != want {
							t.Fatalf("seed %d: Remove(%d) = %v, want %v", seed, k, got, want)
						}
						delete(pts, k)
					}
				}
				if ix.Len() != len(pts) {
					t.Fatalf("seed %d: Len %d, want %d", seed, ix.Len(), len(pts))
				}
				for range 3 {
					q := randPoint(r, rg.lon, rg.lat, rg.spread)
					checkCursor(t, seed, ix, pts, q)
				}
			}
		})
	}
}

func checkCursor(t *testing.T, seed uint64, ix *Index[int], pts map[int]Point, q Point) {
	t.Helper()
	want := brute(pts, q)
	c := ix.Nearest(q)
	defer c.Release()
	seen := map[int]bool{}
	prev := -1.0
	for i := 0; ; i++ {
		k, m, ok := c.Next()
		if !ok {
			if i != len(want) {
				t.Fatalf("seed %d: cursor ended after %d of %d entries", seed, i, len(want))
			}
			break
		}
		if seen[k] {
			t.Fatalf("seed %d: entry %d returned twice", seed, k)
		}
		seen[k] = true
		if m < prev-1e-6 {
			t.Fatalf("seed %d: distance %v after %v: not nearest first", seed, m, prev)
		}
		prev = m
		if d := Distance(q, pts[k]); !near(d, m) {
			t.Fatalf("seed %d: entry %d at %v m, haversine says %v", seed, k, m, d)
		}
		// Distances, not keys: entries at equal distances may come in
		// either order.
		if !near(want[i].m, m) {
			t.Fatalf("seed %d: rank %d at %v m, a full scan has %v", seed, i, m, want[i].m)
		}
	}
	for range 3 {
		if _, _, ok := c.Next(); ok {
			t.Fatalf("an exhausted cursor returned more")
		}
	}
}

// near is the agreement asked of the index's distances: within a
// millimetre, or a millionth where the haversine itself is that coarse
// (near antipodes both formulas lose precision).
func near(a, b float64) bool { return math.Abs(a-b) <= max(1e-3, 1e-6*max(a, b)) }

// TestIndexNotPlanarDegrees pins the reason for indexing in 3D: at 30°N a
// point 0.95° east is nearer than one 0.9° north, though farther in
// degrees, so ranking by planar degrees would send the wrong team.
func TestIndexNotPlanarDegrees(t *testing.T) {
	q := Point{Lon: 120, Lat: 30}
	east, north := Point{Lon: 120.95, Lat: 30}, Point{Lon: 120, Lat: 30.9}
	if Distance(q, east) >= Distance(q, north) {
		t.Fatalf("the premise is wrong: east %v m, north %v m", Distance(q, east), Distance(q, north))
	}
	if planar := func(p Point) float64 { return math.Hypot(p.Lon-q.Lon, p.Lat-q.Lat) }; planar(east) <= planar(north) {
		t.Fatalf("the premise is wrong: planar degrees already rank east first")
	}
	ix := NewIndex[string](0)
	ix.Set("north", north)
	ix.Set("east", east)
	c := ix.Nearest(q)
	defer c.Release()
	if k, _, _ := c.Next(); k != "east" {
		t.Fatalf("got %s first, want east", k)
	}
}

func TestIndexEdges(t *testing.T) {
	ix := NewIndex[string](0)
	c := ix.Nearest(Point{Lon: 120, Lat: 30})
	if _, _, ok := c.Next(); ok {
		t.Fatal("an empty index returned an entry")
	}
	c.Release()
	if ix.Remove("x") {
		t.Fatal("Remove of an absent key reported true")
	}
	ix.Set("a", Point{Lon: 120, Lat: 30})
	ix.Set("a", Point{Lon: 121, Lat: 31}) // a move, far enough to change cell
	if p, ok := ix.Get("a"); !ok || p.Lon != 121 || ix.Len() != 1 {
		t.Fatalf("got %v %v len %d after a move", p, ok, ix.Len())
	}
	ix.Set("a", Point{Lon: 121.00001, Lat: 31}) // a move within the cell
	if p, _ := ix.Get("a"); p.Lon != 121.00001 || ix.Len() != 1 {
		t.Fatalf("got %v len %d after a move within a cell", p, ix.Len())
	}
	if !ix.Remove("a") || ix.Len() != 0 || len(ix.cells) != 0 || len(ix.groups) != 0 || len(ix.top) != 0 {
		t.Fatalf("remove left %d entries in %d cells", ix.Len(), len(ix.cells))
	}
	if ix.Remove("a") {
		t.Fatal("a second Remove reported true")
	}
	if _, ok := ix.Get("a"); ok {
		t.Fatal("Get found a removed key")
	}
	c = ix.Nearest(Point{Lon: 120, Lat: 30})
	for range 3 {
		if _, _, ok := c.Next(); ok {
			t.Fatal("an emptied index returned an entry")
		}
	}
	c.Release()
}

// TestIndexCellSize checks the sizes that would break the grid: NaN falls
// back to the default and a sub-millimetre edge is raised, not overflowed.
func TestIndexCellSize(t *testing.T) {
	for _, size := range []float64{math.NaN(), -1, 1e-6} {
		ix := NewIndex[int](size)
		pts := map[int]Point{1: {Lon: 120, Lat: 30}, 2: {Lon: -179.9, Lat: -89.9}, 3: {Lon: 120.001, Lat: 30}}
		for k, p := range pts {
			ix.Set(k, p)
		}
		checkCursor(t, 0, ix, pts, Point{Lon: 120.0004, Lat: 30})
	}
}

func benchData(n int) (*Index[int], map[int]Point) {
	r := rand.New(rand.NewPCG(1, 2))
	ix := NewIndex[int](0)
	pts := map[int]Point{}
	for k := range n {
		p := randPoint(r, 120.2, 29.2, 2.2)
		ix.Set(k, p)
		pts[k] = p
	}
	return ix, pts
}

func BenchmarkIndexNearest10(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		ix, _ := benchData(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			for b.Loop() {
				c := ix.Nearest(randPoint(r, 120.2, 29.2, 2))
				for range 10 {
					c.Next()
				}
				c.Release()
			}
		})
	}
}

// bruteTop is the fair full scan for a few nearest: a haversine to every
// entry, keeping the len(top) nearest by insertion, no full sort.
func bruteTop(keys []int, at []Point, q Point, top []ranked) []ranked {
	held := 0
	for i, p := range at {
		d := Distance(q, p)
		if held == len(top) && d >= top[held-1].m {
			continue
		}
		j := min(held, len(top)-1)
		for ; j > 0 && top[j-1].m > d; j-- {
			top[j] = top[j-1]
		}
		top[j] = ranked{keys[i], d}
		held = min(held+1, len(top))
	}
	return top[:held]
}

func TestBruteTop(t *testing.T) {
	_, pts := benchData(500)
	var keys []int
	var at []Point
	for k, p := range pts {
		keys, at = append(keys, k), append(at, p)
	}
	q := Point{Lon: 120.3, Lat: 29.1}
	want := brute(pts, q)[:10]
	got := bruteTop(keys, at, q, make([]ranked, 10))
	for i := range want {
		if got[i].m != want[i].m {
			t.Fatalf("rank %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func BenchmarkBruteNearest10(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		_, pts := benchData(n)
		keys, at := make([]int, 0, n), make([]Point, 0, n)
		for k, p := range pts {
			keys, at = append(keys, k), append(at, p)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			top := make([]ranked, 10)
			for b.Loop() {
				bruteTop(keys, at, randPoint(r, 120.2, 29.2, 2), top)
			}
		})
	}
}

// BenchmarkIndexSet moves random entries anywhere in the region, the
// worst case: most moves change cell.
func BenchmarkIndexSet(b *testing.B) {
	ix, _ := benchData(5000)
	r := rand.New(rand.NewPCG(5, 6))
	for b.Loop() {
		ix.Set(r.IntN(5000), randPoint(r, 120.2, 29.2, 2.2))
	}
}
