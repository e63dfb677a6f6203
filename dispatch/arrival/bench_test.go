package arrival_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"dispatchd/dispatch"
	"dispatchd/dispatch/arrival"
	"dispatchd/realtime"
)

// BenchmarkMoved measures the watcher's share of the position path: 1,000
// scenes (half of them polygons of 24 corners), 2,000 of 5,000 teams on a
// task, fixes in batches of 100. Reported per fix.
func BenchmarkMoved(b *testing.B) {
	w := arrival.New(arrival.Config{})
	for i := range 1000 {
		var sc *dispatch.Scene
		if i%2 == 1 {
			ring := make([][2]float64, 25)
			for k := range 24 {
				a := float64(k) * 2 * math.Pi / 24
				ring[k] = [2]float64{loc.Lon + 0.003*math.Cos(a), loc.Lat + 0.003*math.Sin(a)}
			}
			ring[24] = ring[0]
			sc = &dispatch.Scene{Polygon: &dispatch.ScenePolygon{Type: "Polygon", Coordinates: [][][2]float64{ring}}}
		}
		w.Apply(incident(fmt.Sprintf("in%d", i), sc))
	}
	for i := range 2000 {
		w.Apply(task(fmt.Sprintf("k%d", i), fmt.Sprintf("t%d", i), fmt.Sprintf("in%d", i%1000), dispatch.EnRoute))
	}
	batches := make([][]realtime.Position, 50)
	for j := range batches {
		batches[j] = make([]realtime.Position, 100)
		for k := range batches[j] {
			batches[j][k] = off(fmt.Sprintf("t%d", (j*100+k)%5000), 0, float64(k*37%800))
		}
	}
	b.ResetTimer()
	for i := range b.N {
		ps := batches[i%len(batches)]
		ts := t0.Add(time.Duration(i) * time.Second)
		for k := range ps {
			ps[k].TS = ts
		}
		w.Moved(ps)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/fix")
}
