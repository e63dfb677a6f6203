package geo

import "github.com/paulmach/orb"

// Orb returns p as an orb.Point, [lon, lat], the form of GeoJSON
// coordinates. It drops the datum: call it on a WGS-84 point (RFC 7946
// positions are WGS-84), or on one expressed in the datum the client asked
// for.
func (p Point) Orb() orb.Point { return orb.Point{p.Lon, p.Lat} }

// FromOrb returns the WGS-84 Point at o.
func FromOrb(o orb.Point) Point { return Point{Lon: o.Lon(), Lat: o.Lat()} }
