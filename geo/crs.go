package geo

import (
	"fmt"
	"math"
	"strings"
)

// CRS names the datum a coordinate was given in.
type CRS string

// GPS receivers give WGS-84; Chinese map SDKs give GCJ-02 (AMap, Tencent,
// Apple and Google inside China) or BD-09 (Baidu).
const (
	WGS84 CRS = "wgs84"
	GCJ02 CRS = "gcj02"
	BD09  CRS = "bd09"
)

// ParseCRS accepts "", "wgs84", "gcj02" and "bd09" in any case, also written
// "WGS-84", "GCJ-02" and "BD-09" as SDK documentation spells them; "" means
// WGS84.
func ParseCRS(s string) (CRS, error) {
	switch strings.ToLower(s) {
	case "", "wgs84", "wgs-84":
		return WGS84, nil
	case "gcj02", "gcj-02":
		return GCJ02, nil
	case "bd09", "bd-09":
		return BD09, nil
	}
	return "", fmt.Errorf("unknown crs %q: want wgs84, gcj02 or bd09", s)
}

// GCJ-02 is defined on the Krasovsky 1940 ellipsoid, not on WGS-84's.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
	xPi         = math.Pi * 3000.0 / 180.0
)

// InChina reports whether (lon, lat) is inside the rough box where GCJ-02
// differs from WGS-84. The common implementations share this box, and with
// a more precise border a point near it would be shifted differently from
// what the phone did, so it must stay rough.
func InChina(lon, lat float64) bool {
	return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271
}

func transformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func transformLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// WGS84ToGCJ02 applies the leaked GCJ-02 forward formula; outside InChina
// the two datums are the same.
func WGS84ToGCJ02(lon, lat float64) (float64, float64) {
	if !InChina(lon, lat) {
		return lon, lat
	}
	dLat := transformLat(lon-105.0, lat-35.0)
	dLon := transformLon(lon-105.0, lat-35.0)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return lon + dLon, lat + dLat
}

// invert finds the point that fwd maps onto (lon, lat), starting from the
// guess (x, y). Both datum shifts are the identity plus an offset that
// changes by well under 1% per unit moved, so plain fixed-point iteration
// contracts by more than two orders of magnitude a step and reaches a
// micrometre in four or five. The cap only guards inputs where that is not
// so (next to the edge of the China box, where the offset jumps).
func invert(fwd func(float64, float64) (float64, float64), lon, lat, x, y float64) (float64, float64) {
	const tol = 1e-11 // degrees, about a micrometre
	for range 20 {
		fx, fy := fwd(x, y)
		dx, dy := fx-lon, fy-lat
		x, y = x-dx, y-dy
		if math.Abs(dx) < tol && math.Abs(dy) < tol {
			break
		}
	}
	return x, y
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02 iteratively: the one-step inverse most
// libraries ship evaluates the offset at the wrong point and is off by up to
// about 5 m inside China, too much for sending an ambulance to a doorway.
func GCJ02ToWGS84(lon, lat float64) (float64, float64) {
	if !InChina(lon, lat) {
		return lon, lat
	}
	return invert(WGS84ToGCJ02, lon, lat, lon, lat)
}

// GCJ02ToBD09 applies Baidu's BD-09 formula. Unlike GCJ-02 it has no China
// box in any published implementation, so neither has it here.
func GCJ02ToBD09(lon, lat float64) (float64, float64) {
	z := math.Sqrt(lon*lon+lat*lat) + 0.00002*math.Sin(lat*xPi)
	theta := math.Atan2(lat, lon) + 0.000003*math.Cos(lon*xPi)
	return z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006
}

// bd09ToGCJ02Approx is the closed-form inverse everyone publishes. It
// evaluates the perturbation at the BD-09 point instead of the GCJ-02 one,
// which leaves an error of up to about 20 cm inside China.
func bd09ToGCJ02Approx(lon, lat float64) (float64, float64) {
	x, y := lon-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*xPi)
	return z * math.Cos(theta), z * math.Sin(theta)
}

// BD09ToGCJ02 inverts GCJ02ToBD09, refining the closed-form estimate so that
// a round trip through BD-09 is exact to well under a millimetre.
func BD09ToGCJ02(lon, lat float64) (float64, float64) {
	x, y := bd09ToGCJ02Approx(lon, lat)
	return invert(GCJ02ToBD09, lon, lat, x, y)
}

// WGS84ToBD09 converts through GCJ-02, as Baidu defines BD-09 on top of it.
func WGS84ToBD09(lon, lat float64) (float64, float64) {
	return GCJ02ToBD09(WGS84ToGCJ02(lon, lat))
}

// BD09ToWGS84 converts through GCJ-02, inverting both steps exactly.
func BD09ToWGS84(lon, lat float64) (float64, float64) {
	return GCJ02ToWGS84(BD09ToGCJ02(lon, lat))
}
