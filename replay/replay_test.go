package replay

import (
	"testing"
	"time"

	"dispatchd/realtime"
)

func TestThin(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	at := func(secs ...int) []realtime.Position {
		out := make([]realtime.Position, len(secs))
		for i, s := range secs {
			out[i] = realtime.Position{Team: "t1", Lon: float64(s), TS: t0.Add(time.Duration(s) * time.Second)}
		}
		return out
	}
	tests := []struct {
		name string
		in   []realtime.Position
		want []float64
	}{
		{"none", nil, nil},
		{"one", at(3), []float64{3}},
		{"every second", at(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), []float64{0, 5, 10, 11}},
		{"sparse", at(0, 7, 9, 20), []float64{0, 7, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Thin(tt.in, 5*time.Second)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want lons %v", got, tt.want)
			}
			for i, p := range got {
				if p.Lon != tt.want[i] || !p.TS.Equal(t0.Add(time.Duration(tt.want[i])*time.Second)) {
					t.Fatalf("got %v, want lons %v", got, tt.want)
				}
			}
		})
	}
}
