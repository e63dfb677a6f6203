package demo

import (
	"encoding/json"
	"math"
)

// Outlines returns approximate county outlines of the province as a GeoJSON
// FeatureCollection (property code, WGS-84), for the region tree's
// boundaries: each county's cell of the Voronoi diagram of the county
// points, within the province's bounding box. They are not the real
// borders (the demo has none to ship); they are enough for an incident
// reported without a region to land in the county nearest its location.
func Outlines() []byte {
	type pt struct{ x, y float64 }
	// Distances in a plane where a degree of longitude is as long as at
	// the province's middle latitude.
	k := math.Cos(29.2 * math.Pi / 180)
	var codes []string
	var seats []pt
	for _, c := range zhejiang {
		for _, ct := range c.counties {
			codes = append(codes, ct.code)
			seats = append(seats, pt{ct.lon * k, ct.lat})
		}
	}
	box := []pt{{provinceW * k, provinceS}, {provinceE * k, provinceS}, {provinceE * k, provinceN}, {provinceW * k, provinceN}}
	type feature struct {
		Type       string            `json:"type"`
		Properties map[string]string `json:"properties"`
		Geometry   struct {
			Type        string         `json:"type"`
			Coordinates [][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: []feature{}}
	for i, p := range seats {
		cell := box
		for j, q := range seats {
			if i == j || len(cell) == 0 {
				continue
			}
			// Keep the half-plane nearer p than q: a·x <= b.
			ax, ay := q.x-p.x, q.y-p.y
			b := (q.x*q.x + q.y*q.y - p.x*p.x - p.y*p.y) / 2
			side := func(v pt) float64 { return ax*v.x + ay*v.y - b }
			var out []pt
			for n := range cell {
				u, v := cell[n], cell[(n+1)%len(cell)]
				su, sv := side(u), side(v)
				if su <= 0 {
					out = append(out, u)
				}
				if (su < 0 && sv > 0) || (su > 0 && sv < 0) {
					t := su / (su - sv)
					out = append(out, pt{u.x + t*(v.x-u.x), u.y + t*(v.y-u.y)})
				}
			}
			cell = out
		}
		if len(cell) < 3 {
			continue
		}
		ring := make([][2]float64, 0, len(cell)+1)
		for _, v := range cell {
			ring = append(ring, [2]float64{round6(v.x / k), round6(v.y)})
		}
		ring = append(ring, ring[0])
		f := feature{Type: "Feature", Properties: map[string]string{"code": codes[i]}}
		f.Geometry.Type = "Polygon"
		f.Geometry.Coordinates = [][][2]float64{ring}
		fc.Features = append(fc.Features, f)
	}
	b, err := json.Marshal(fc)
	if err != nil {
		panic("encode demo outlines: " + err.Error())
	}
	return b
}

// The province's bounding box, with the islands of Zhoushan.
const (
	provinceW, provinceE = 118.0, 123.2
	provinceS, provinceN = 27.0, 31.2
)
