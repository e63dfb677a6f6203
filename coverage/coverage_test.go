package coverage

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"dispatchd/geo"
)

// squareCounties lays n×n square counties of side deg degrees from (120, 29).
func squareCounties(n int, deg float64) []County {
	var out []County
	for i := range n {
		for j := range n {
			w, s := 120+float64(i)*deg, 29+float64(j)*deg
			out = append(out, County{Code: fmt.Sprintf("3301%02d", i*n+j+1),
				Geometry: orb.Polygon{{{w, s}, {w + deg, s}, {w + deg, s + deg}, {w, s + deg}, {w, s}}}})
		}
	}
	return out
}

type team struct {
	id   string
	at   geo.Point
	mode string
}

func randomTeams(r *rand.Rand, n int) []team {
	modes := []string{"fire_rescue", "social", "aviation"}
	out := make([]team, n)
	for i := range out {
		out[i] = team{id: fmt.Sprintf("t%d", i), at: geo.Point{Lon: 119.9 + r.Float64()*1.2, Lat: 28.9 + r.Float64()*1.2},
			mode: modes[r.IntN(len(modes))]}
	}
	return out
}

// brute counts the covered cells of each county by asking the router for
// every team and every cell.
func brute(g *Grid, router geo.Router, target float64, ts []team) []int {
	out := make([]int, len(g.Counties()))
	for i := range g.Len() {
		for _, t := range ts {
			if router.Route(t.at, g.Centre(i), t.mode).Seconds <= target {
				out[g.CountyOf(i)]++
				break
			}
		}
	}
	return out
}

func TestGridCells(t *testing.T) {
	g := NewGrid(squareCounties(2, 0.2), 2000)
	// 0.2° of latitude is 22.2 km: about 11 cells of 2 km a side, and
	// each cell lies in exactly one county.
	total := 0
	for k := range g.Counties() {
		if n := g.Cells(k); n < 90 || n > 150 {
			t.Errorf("county %d has %d cells, want about 121", k, n)
		}
		total += g.Cells(k)
	}
	if total != g.Len() {
		t.Fatalf("got %d cells in counties, want %d", total, g.Len())
	}
	for i := range g.Len() {
		ring := g.Square(i)
		if ring[0] != ring[len(ring)-1] || orb.Ring(ring).Orientation() != orb.CCW {
			t.Fatalf("cell %d: ring %v is not closed and counterclockwise", i, ring)
		}
	}
}

func TestLayerAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	g := NewGrid(squareCounties(3, 0.3), 2000)
	router := geo.DefaultRouter()
	for _, target := range []float64{600, 1800, 3600} {
		ts := randomTeams(r, 25)
		l := NewLayer(g, router, target)
		for _, tm := range ts {
			l.Set(tm.id, tm.at, tm.mode)
		}
		want := brute(g, router, target, ts)
		for k := range want {
			if got := l.Covered(k); got != want[k] {
				t.Fatalf("target %v county %d: got %d covered, want %d", target, k, got, want[k])
			}
		}
		// Incremental: move some, remove some; the counts equal a layer
		// built from scratch.
		for i := range 10 {
			ts[i].at = geo.Point{Lon: 119.9 + r.Float64()*1.2, Lat: 28.9 + r.Float64()*1.2}
			l.Set(ts[i].id, ts[i].at, ts[i].mode)
		}
		for _, tm := range ts[20:] {
			l.Remove(tm.id)
		}
		fresh := NewLayer(g, router, target)
		for _, tm := range ts[:20] {
			fresh.Set(tm.id, tm.at, tm.mode)
		}
		want = brute(g, router, target, ts[:20])
		for k := range want {
			if l.Covered(k) != want[k] || fresh.Covered(k) != want[k] {
				t.Fatalf("target %v county %d: got %d incremental, %d fresh, want %d", target, k, l.Covered(k), fresh.Covered(k), want[k])
			}
		}
		for i := range g.Len() {
			if l.Count(i) != fresh.Count(i) {
				t.Fatalf("cell %d: got count %d incremental, %d fresh", i, l.Count(i), fresh.Count(i))
			}
		}
		// The loss of a team is what its removal costs.
		for _, tm := range ts[:5] {
			k := g.CountyOf(0)
			if kk, ok := g.County("330105"); ok {
				k = kk
			}
			before := l.Covered(k)
			loss := l.Loss(tm.id, k)
			l.Remove(tm.id)
			if got := before - l.Covered(k); got != loss {
				t.Fatalf("team %s: removal cost %d cells, Loss said %d", tm.id, got, loss)
			}
			l.Set(tm.id, tm.at, tm.mode)
		}
	}
}

func TestMoveUpIsTheBest(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	g := NewGrid(squareCounties(3, 0.3), 2000)
	router := geo.DefaultRouter()
	for round := range 5 {
		ts := randomTeams(r, 12)
		l := NewLayer(g, router, 1200)
		for _, tm := range ts {
			l.Set(tm.id, tm.at, tm.mode)
		}
		k := r.IntN(len(g.Counties()))
		m, ok := l.MoveUp(k, nil)
		to, gap := l.Gap(k)
		if !gap {
			if ok {
				t.Fatalf("round %d: a move-up %+v for a county with no gap", round, m)
			}
			continue
		}
		// Brute force: move each team to the gap in a fresh layer.
		best, bestN := "", l.Covered(k)
		for _, c := range ts {
			fresh := NewLayer(g, router, 1200)
			for _, tm := range ts {
				at := tm.at
				if tm.id == c.id {
					at = to
				}
				fresh.Set(tm.id, at, tm.mode)
			}
			if n := fresh.Covered(k); n > bestN || n == bestN && best != "" && c.id < best {
				best, bestN = c.id, n
			}
			if got := l.After(c.id, to, k); got != fresh.Covered(k) {
				t.Fatalf("round %d team %s: After says %d cells, a fresh layer %d", round, c.id, got, fresh.Covered(k))
			}
		}
		if best == "" {
			if ok {
				t.Fatalf("round %d: got move-up %+v, want none", round, m)
			}
			continue
		}
		if !ok || m.Team != best || m.ShareAfter != share(bestN, g.Cells(k)) || m.To != to {
			t.Fatalf("round %d: got %+v (%v), want team %s to %v with %d cells", round, m, ok, best, to, bestN)
		}
	}
}

func TestParseTargets(t *testing.T) {
	got, err := ParseTargets("default=30m, mine_rescue=1h")
	if err != nil || len(got) != 2 || got["mine_rescue"].Minutes() != 60 {
		t.Fatalf("got %v %v", got, err)
	}
	if FormatTargets(got) != "default=30m0s,mine_rescue=1h0m0s" {
		t.Fatalf("got %q", FormatTargets(got))
	}
	for _, bad := range []string{"x", "=1m", "a=-1m", "a=soon"} {
		if _, err := ParseTargets(bad); err == nil {
			t.Errorf("%q: got no error", bad)
		}
	}
}

// TestLayerKeepsDiscOnSmallMoves checks that a team drifting a few metres
// at a time keeps its disc, and that one that moved RedrawMetres or more
// is drawn again where it is.
func TestLayerKeepsDiscOnSmallMoves(t *testing.T) {
	g := NewGrid(squareCounties(3, 0.3), 2000)
	router := geo.DefaultRouter()
	l := NewLayer(g, router, 1800)
	at := geo.Point{Lon: 120.2, Lat: 29.3}
	l.Set("a", at, "professional")
	drawn := l.discs["a"].at
	for i := range 20 { // 20 fixes, 5 m apart: 100 m in all
		l.Set("a", geo.Point{Lon: at.Lon + float64(i)*0.00005, Lat: at.Lat}, "professional")
	}
	if got := l.discs["a"].at; got != drawn {
		t.Fatalf("a move of 100 m redrew the disc: at %v, drawn at %v", got, drawn)
	}
	far := geo.Point{Lon: at.Lon + 0.3, Lat: at.Lat}
	l.Set("a", far, "professional")
	fresh := NewLayer(g, router, 1800)
	fresh.Set("a", far, "professional")
	for i := range g.Len() {
		if l.Count(i) != fresh.Count(i) {
			t.Fatalf("after a move of 30 km, cell %d: got count %d, want %d", i, l.Count(i), fresh.Count(i))
		}
	}
}
