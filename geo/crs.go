package geo

import "math"

// The Krasovsky 1940 ellipsoid that the GCJ-02 obfuscation is defined on.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
	xPi         = math.Pi * 3000.0 / 180.0
)

// InChina reports whether a point is inside the rough box where GCJ-02
// differs from WGS-84; outside it the two are the same.
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

// WGS84ToGCJ02 applies the published GCJ-02 forward formula.
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

// invert finds the point that fwd maps to (lon, lat) by fixed-point
// iteration from (x, y): the offsets change slowly, so each step gains about
// three orders of magnitude and a few steps reach well under a millimetre.
func invert(fwd func(float64, float64) (float64, float64), lon, lat, x, y float64) (float64, float64) {
	for range 30 {
		fx, fy := fwd(x, y)
		dx, dy := fx-lon, fy-lat
		x, y = x-dx, y-dy
		if math.Abs(dx) < 1e-12 && math.Abs(dy) < 1e-12 {
			break
		}
	}
	return x, y
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02 iteratively; the one-step inverse often
// quoted is off by up to a few metres.
func GCJ02ToWGS84(lon, lat float64) (float64, float64) {
	if !InChina(lon, lat) {
		return lon, lat
	}
	return invert(WGS84ToGCJ02, lon, lat, lon, lat)
}

// GCJ02ToBD09 applies Baidu's published BD-09 formula.
func GCJ02ToBD09(lon, lat float64) (float64, float64) {
	z := math.Sqrt(lon*lon+lat*lat) + 0.00002*math.Sin(lat*xPi)
	theta := math.Atan2(lat, lon) + 0.000003*math.Cos(lon*xPi)
	return z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006
}

// bd09ToGCJ02Approx is the usual closed-form inverse, off by up to a few
// centimetres; BD09ToGCJ02 refines it.
func bd09ToGCJ02Approx(lon, lat float64) (float64, float64) {
	x, y := lon-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*xPi)
	return z * math.Cos(theta), z * math.Sin(theta)
}

// BD09ToGCJ02 inverts GCJ02ToBD09 iteratively.
func BD09ToGCJ02(lon, lat float64) (float64, float64) {
	x, y := bd09ToGCJ02Approx(lon, lat)
	return invert(GCJ02ToBD09, lon, lat, x, y)
}

// WGS84ToBD09 converts through GCJ-02.
func WGS84ToBD09(lon, lat float64) (float64, float64) {
	return GCJ02ToBD09(WGS84ToGCJ02(lon, lat))
}

// BD09ToWGS84 converts through GCJ-02.
func BD09ToWGS84(lon, lat float64) (float64, float64) {
	return GCJ02ToWGS84(BD09ToGCJ02(lon, lat))
}
