package dispatch

import (
	"dispatchd"
	"dispatchd/geo"
	"dispatchd/geo/fence"
)

// DefaultSceneRadius is the radius of the scene of an incident that names
// none.
const DefaultSceneRadius = 300.0

// Scene is the area of an incident where its teams count as arrived: a
// circle of RadiusM metres around the incident's location, or a polygon.
// One of the two is set.
type Scene struct {
	RadiusM float64       `json:"radius_m,omitempty"`
	Polygon *ScenePolygon `json:"polygon,omitempty"`
}

// ScenePolygon is a GeoJSON Polygon of one ring, in WGS-84, the ring
// counterclockwise (RFC 7946).
type ScenePolygon struct {
	Type        string         `json:"type"`
	Coordinates [][][2]float64 `json:"coordinates"`
}

// check validates the scene under field and makes its ring
// counterclockwise.
func (sc *Scene) check(f *dispatchd.Fields, field string) {
	switch {
	case sc.Polygon != nil && sc.RadiusM != 0:
		f.Add(field, "must give radius_m or polygon, not both")
	case sc.Polygon != nil:
		p := sc.Polygon
		if p.Type != "Polygon" {
			f.Add(field+".polygon.type", "must be Polygon")
			return
		}
		if len(p.Coordinates) != 1 {
			f.Add(field+".polygon.coordinates", "must hold exactly one ring (no holes)")
			return
		}
		if _, err := fence.Polygon(p.Coordinates[0]); err != nil {
			f.Add(field+".polygon.coordinates", "%s", err.Error())
			return
		}
		if fence.Clockwise(p.Coordinates[0]) {
			r := p.Coordinates[0]
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
		}
	default:
		if msg := fence.CheckRadius(sc.RadiusM); msg != "" {
			f.Add(field+".radius_m", "%s", msg)
		}
	}
}

// SceneFence returns the fence of an incident's scene: its polygon, or a
// circle of its radius around its location; radius is the radius of an
// incident recorded without a scene.
func SceneFence(in *Incident, radius float64) *fence.Shape {
	if in.Scene != nil && in.Scene.Polygon != nil && len(in.Scene.Polygon.Coordinates) == 1 {
		if s, err := fence.Polygon(in.Scene.Polygon.Coordinates[0]); err == nil {
			return s
		}
	}
	if in.Scene != nil && in.Scene.RadiusM > 0 {
		radius = in.Scene.RadiusM
	}
	return fence.Circle(geo.Point{Lon: in.Location.Lon, Lat: in.Location.Lat}, radius)
}
