package geo

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
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
				for range n / 3 { // moves and removals
					k := r.IntN(n + 1)
					if r.IntN(2) == 0 {
						p := randPoint(r, rg.lon, rg.lat, rg.spread)
						ix.Set(k, p)
						pts[k] = p
					} else {
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
		if d := Distance(q, pts[k]); math.Abs(d-m) > 1e-3+1e-9*d {
			t.Fatalf("seed %d: entry %d at %v m, haversine says %v", seed, k, m, d)
		}
		if math.Abs(want[i].m-m) > 1e-3+1e-9*m {
			t.Fatalf("seed %d: rank %d at %v m, a full scan has %v", seed, i, m, want[i].m)
		}
	}
	if _, _, ok := c.Next(); ok {
		t.Fatalf("an exhausted cursor returned more")
	}
}

// TestIndexNotPlanarDegrees pins the reason for indexing in 3D: at 30°N a
// point 0.95° east is nearer than one 0.9° north, though farther in
// degrees.
func TestIndexNotPlanarDegrees(t *testing.T) {
	q := Point{Lon: 120, Lat: 30}
	east, north := Point{Lon: 120.95, Lat: 30}, Point{Lon: 120, Lat: 30.9}
	if Distance(q, east) >= Distance(q, north) {
		t.Fatalf("the premise is wrong: east %v m, north %v m", Distance(q, east), Distance(q, north))
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
	if !ix.Remove("a") || ix.Len() != 0 || len(ix.cells) != 0 || len(ix.groups) != 0 || len(ix.top) != 0 {
		t.Fatalf("remove left %d entries in %d cells", ix.Len(), len(ix.cells))
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
		b.Run(itoa(n), func(b *testing.B) {
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

func BenchmarkBruteNearest10(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		_, pts := benchData(n)
		b.Run(itoa(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			for b.Loop() {
				_ = brute(pts, randPoint(r, 120.2, 29.2, 2))[:10]
			}
		})
	}
}

func BenchmarkIndexMove(b *testing.B) {
	ix, _ := benchData(5000)
	r := rand.New(rand.NewPCG(5, 6))
	for b.Loop() {
		ix.Set(r.IntN(5000), randPoint(r, 120.2, 29.2, 2.2))
	}
}

func itoa(n int) string {
	return string(rune('0'+n/1000)) + "k"
}

func TestGreatCircleRouter(t *testing.T) {
	r := DefaultRouter()
	base := Point{Lon: 120, Lat: 30}
	prev := map[string]float64{}
	for km := 0.0; km <= 300; km += 7 {
		to := Point{Lon: 120 + km/96.5, Lat: 30}
		for _, mode := range []string{"fire_rescue", "aviation", "truck", "unknown"} {
			s := r.Route(base, to, mode).Seconds
			if s < prev[mode] {
				t.Fatalf("%s: %v s at %v km after %v s: not monotone", mode, s, km, prev[mode])
			}
			prev[mode] = s
		}
	}
	far := Point{Lon: 120.52, Lat: 30} // about 50 km
	road, air := r.Route(base, far, "fire_rescue"), r.Route(base, far, "aviation")
	if air.Seconds >= road.Seconds {
		t.Fatalf("aviation %v s, fire_rescue %v s over 50 km: want aviation faster", air.Seconds, road.Seconds)
	}
	if d := Distance(base, far); math.Abs(road.Metres-1.3*d) > 1e-6 || math.Abs(air.Metres-d) > 1e-6 {
		t.Fatalf("got road %v m and air %v m for %v m: want the detour on roads only", road.Metres, air.Metres, d)
	}
	zero := &GreatCircle{}
	if got := zero.Route(base, far, "x"); math.Abs(got.Seconds-got.Metres/(60/3.6)) > 1e-9 || math.Abs(got.Metres-1.3*Distance(base, far)) > 1e-6 {
		t.Fatalf("a zero router should use 1.3 and 60 km/h, got %+v", got)
	}
}
