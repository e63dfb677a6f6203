package coverage

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"dispatchd"
	"dispatchd/geo"
)

// randomPoints scatters n points over the counties and a margin beyond
// them, with populations of 0 to 5000.
func randomPoints(r *rand.Rand, n int) []PopulationPoint {
	out := make([]PopulationPoint, n)
	for i := range out {
		out[i] = PopulationPoint{At: geo.Point{Lon: 119.95 + r.Float64()*1.0, Lat: 28.95 + r.Float64()*1.0},
			Population: math.Round(r.Float64() * 5000)}
	}
	return out
}

// bruteWeights puts each point in the cell whose square holds it, by
// looking at every cell.
func bruteWeights(g *Grid, pts []PopulationPoint) (cell []float64, outside int) {
	cell = make([]float64, g.Len())
	for _, p := range pts {
		found := false
		for i := range g.Len() {
			sq := g.Square(i)
			if p.At.Lon >= sq[0][0] && p.At.Lon < sq[1][0] && p.At.Lat >= sq[0][1] && p.At.Lat < sq[2][1] {
				cell[i] += p.Population
				found = true
				break
			}
		}
		if !found {
			outside++
		}
	}
	return cell, outside
}

// bruteShares is each county's population share, asking the router for
// every team and cell.
func bruteShares(g *Grid, cell []float64, router geo.Router, target float64, ts []team) []float64 {
	cov, tot := make([]float64, len(g.Counties())), make([]float64, len(g.Counties()))
	for i := range g.Len() {
		k := g.CountyOf(i)
		tot[k] += cell[i]
		for _, t := range ts {
			if router.Route(t.at, g.Centre(i), t.mode).Seconds <= target {
				cov[k] += cell[i]
				break
			}
		}
	}
	out := make([]float64, len(cov))
	for k := range out {
		out[k] = -1
		if tot[k] > 0 {
			out[k] = math.Round(cov[k]/tot[k]*1e4) / 1e4
		}
	}
	return out
}

func TestWeightsAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	g := NewGrid(squareCounties(3, 0.3), 2000)
	router := geo.DefaultRouter()
	pts := randomPoints(r, 3000)
	w := g.Weigh(pts)
	cell, outside := bruteWeights(g, pts)
	if w.Outside != outside || outside == 0 || outside == len(pts) {
		t.Fatalf("got %d points outside, want %d (of %d, some but not all)", w.Outside, outside, len(pts))
	}
	for i := range cell {
		if math.Abs(w.Cell(i)-cell[i]) > 1e-6 {
			t.Fatalf("cell %d: got population %v, want %v", i, w.Cell(i), cell[i])
		}
	}
	check := func(what string, l *Layer, ts []team) {
		t.Helper()
		want := bruteShares(g, cell, router, l.TargetS(), ts)
		for k := range want {
			got, ok := l.PopulationShare(k)
			if want[k] < 0 {
				if ok {
					t.Fatalf("%s county %d: got share %v, want none (no population)", what, k, got)
				}
				continue
			}
			if !ok || math.Abs(got-want[k]) > 1e-4+1e-9 {
				t.Fatalf("%s county %d: got population share %v (%v), want %v", what, k, got, ok, want[k])
			}
		}
	}
	for _, target := range []float64{600, 1800} {
		ts := randomTeams(r, 20)
		l := NewLayer(g, router, target)
		l.SetWeights(w)
		for _, tm := range ts {
			l.Set(tm.id, tm.at, tm.mode)
		}
		check("built", l, ts)
		// Weighed after the teams came: the same.
		late := NewLayer(g, router, target)
		for _, tm := range ts {
			late.Set(tm.id, tm.at, tm.mode)
		}
		late.SetWeights(w)
		check("weighed late", late, ts)
		for i := range 8 {
			ts[i].at = geo.Point{Lon: 119.9 + r.Float64()*1.2, Lat: 28.9 + r.Float64()*1.2}
			l.Set(ts[i].id, ts[i].at, ts[i].mode)
		}
		for _, tm := range ts[15:] {
			l.Remove(tm.id)
		}
		check("moved and removed", l, ts[:15])
		// The pick cost's population after equals the removal's.
		k := 4
		ps, _ := l.PopulationShare(k)
		_, lostW := l.loss(ts[0].id, k)
		after := wshare(l.wcov[k]-lostW, w.Total(k))
		l.Remove(ts[0].id)
		if got, _ := l.PopulationShare(k); got != after || after > ps {
			t.Fatalf("team %s: the removal left %v, the cost said %v (from %v)", ts[0].id, got, after, ps)
		}
	}
}

func TestMoveUpByPopulationIsTheBest(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	g := NewGrid(squareCounties(3, 0.3), 2000)
	router := geo.DefaultRouter()
	w := g.Weigh(randomPoints(r, 4000))
	moved := 0
	for round := range 8 {
		ts := randomTeams(r, 12)
		l := NewLayer(g, router, 1200)
		l.SetWeights(w)
		for _, tm := range ts {
			l.Set(tm.id, tm.at, tm.mode)
		}
		k := r.IntN(len(g.Counties()))
		m, ok := l.MoveUpBy(k, nil, true)
		to, gap := l.gap(k, true)
		if !gap {
			if ok {
				t.Fatalf("round %d: a move-up %+v for a county with no gap", round, m)
			}
			continue
		}
		before, _ := l.PopulationShare(k)
		best, bestS := "", before
		for _, c := range ts {
			fresh := NewLayer(g, router, 1200)
			fresh.SetWeights(w)
			for _, tm := range ts {
				at := tm.at
				if tm.id == c.id {
					at = to
				}
				fresh.Set(tm.id, at, tm.mode)
			}
			s, _ := fresh.PopulationShare(k)
			if s > bestS {
				best, bestS = c.id, s
			}
		}
		if best == "" {
			if ok && *m.PopulationAfter > before {
				t.Fatalf("round %d: got move-up %+v raising the population share, brute force found none", round, m)
			}
			continue
		}
		if !ok || m.PopulationAfter == nil || math.Abs(*m.PopulationAfter-bestS) > 1e-4 || m.To != to {
			t.Fatalf("round %d: got %+v (%v), want a move to %v reaching %v (team %s)", round, m, ok, to, bestS, best)
		}
		moved++
	}
	if moved == 0 {
		t.Fatal("no round had a move-up to check")
	}
}

func TestParsePopulation(t *testing.T) {
	fields := func(err error) string {
		var out []string
		for _, f := range dispatchd.ErrorFields(err) {
			if f.Line > 0 {
				out = append(out, f.Field+"@"+string(rune('0'+f.Line)))
			} else {
				out = append(out, f.Field)
			}
		}
		return strings.Join(out, " ")
	}
	good := `{"type":"FeatureCollection","features":[
		{"type":"Feature","geometry":{"type":"Point","coordinates":[120.1,29.1]},"properties":{"population":1200,"name":"x"}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[120.2,29.2,15]},"properties":{"population":0}}]}`
	pts, err := ParsePopulationGeoJSON([]byte(good), geo.WGS84)
	if err != nil || len(pts) != 2 || pts[0].Population != 1200 || pts[1].At.Lon != 120.2 {
		t.Fatalf("got %v %v", pts, err)
	}
	gcj, err := ParsePopulationGeoJSON([]byte(good), geo.GCJ02)
	if err != nil || gcj[0].At == pts[0].At || geo.Distance(gcj[0].At, pts[0].At) > 1000 {
		t.Fatalf("gcj02: got %v %v, want shifted by a few hundred metres", gcj, err)
	}
	bad := `{"type":"FeatureCollection","features":[
		{"type":"Feature","geometry":{"type":"LineString","coordinates":[[120,29],[121,29]]},"properties":{"population":1}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[200,29]},"properties":{"population":-3}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[120,29]},"properties":{"population":"12"}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[120,29]},"properties":{}},
		7]}`
	_, err = ParsePopulationGeoJSON([]byte(bad), geo.WGS84)
	want := "features[0].geometry features[1].geometry.coordinates features[1].properties.population features[2].properties.population features[3].properties.population features[4]"
	if got := fields(err); got != want || dispatchd.ErrorCode(err) != dispatchd.EINVALID {
		t.Fatalf("got fields %q (%v), want %q", got, err, want)
	}
	for _, body := range []string{``, `[]`, `{"type":"Feature"}`} {
		if _, err := ParsePopulationGeoJSON([]byte(body), ""); dispatchd.ErrorCode(err) != dispatchd.EINVALID {
			t.Errorf("%q: got %v, want invalid", body, err)
		}
	}
	csv := "\ufeffName,Population,LAT,lon\r\n甲村,1200,29.1,120.1\r\n乙村,35.5,29.2,120.2\r\n"
	pts, err = ParsePopulationCSV([]byte(csv), geo.WGS84)
	if err != nil || len(pts) != 2 || pts[0].Population != 1200 || pts[1].At.Lat != 29.2 || pts[1].Population != 35.5 {
		t.Fatalf("csv: got %v %v", pts, err)
	}
	_, err = ParsePopulationCSV([]byte("lon,lat,population\n120,29,5\nx,29,5\n120,29,-1\n"), geo.WGS84)
	if got := fields(err); got != "lon@3 population@4" {
		t.Fatalf("csv: got fields %q (%v)", got, err)
	}
	_, err = ParsePopulationCSV([]byte("lon,lat\n120,29\n"), geo.WGS84)
	if got := fields(err); got != "population@1" {
		t.Fatalf("csv without population: got fields %q (%v)", got, err)
	}
	if pts, err := ParsePopulationCSV([]byte("lon,lat,population\n"), ""); err != nil || len(pts) != 0 {
		t.Fatalf("csv of a header only: got %v %v, want an empty layer", pts, err)
	}
}

// FuzzParsePopulation: the decoders never panic, and what they accept is
// real: points in range, populations finite and at least 0.
func FuzzParsePopulation(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[120.1,29.1]},"properties":{"population":12}}]}`))
	f.Add([]byte("lon,lat,population\r\n120.1,29.1,12\r\n"))
	f.Add([]byte("\ufeffpopulation,lon,lat\n1e3,120,29\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func([]byte, geo.CRS) ([]PopulationPoint, error){ParsePopulationGeoJSON, ParsePopulationCSV} {
			pts, err := parse(data, geo.GCJ02)
			if err != nil {
				if dispatchd.ErrorCode(err) != dispatchd.EINVALID {
					t.Fatalf("got error %v, want invalid", err)
				}
				continue
			}
			for _, p := range pts {
				if p.At.Validate() != nil || !(p.Population >= 0) || math.IsInf(p.Population, 0) {
					t.Fatalf("accepted %+v", p)
				}
			}
		}
	})
}
