package regions

import (
	"fmt"
	"slices"
	"testing"
)

// square is a GeoJSON polygon of the square [x0,x1]×[y0,y1].
func square(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

func TestCover(t *testing.T) {
	// Two counties side by side; the first has two townships of its own.
	x := NewIndex([]Region{
		{Code: "330127", Boundary: square(118, 29, 119, 30)},
		{Code: "330122", Boundary: square(119, 29, 120, 30)},
		{Code: "330127101", Boundary: square(118, 29, 118.5, 30)},
		{Code: "330127102", Boundary: square(118.5, 29, 119, 30)},
		{Code: "330106", Boundary: square(121, 29, 122, 30)},
	})
	ring := func(x0, y0, x1, y1 float64) [][2]float64 {
		return [][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	tests := []struct {
		name string
		ring [][2]float64
		want []string
	}{
		{"inside one township", ring(118.1, 29.1, 118.2, 29.2), []string{"330127101"}},
		{"across both townships", ring(118.4, 29.1, 118.6, 29.2), []string{"330127101", "330127102"}},
		{"across the county border", ring(118.8, 29.1, 119.2, 29.2), []string{"330122", "330127102"}},
		{"holding a whole county", ring(118.9, 28.5, 120.5, 30.5), []string{"330122", "330127102"}},
		{"a thin band crossing a county, no vertex inside", ring(118.9, 29.5, 120.5, 29.6), []string{"330122", "330127102"}},
		{"open ring", [][2]float64{{121.2, 29.2}, {121.3, 29.2}, {121.3, 29.3}}, []string{"330106"}},
		{"nowhere", ring(100, 10, 101, 11), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := x.Cover(tt.ring); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	var empty *Index
	if got := empty.Cover(ring(118, 29, 119, 30)); got != nil {
		t.Fatalf("a nil index covers %v, want nothing", got)
	}
}
