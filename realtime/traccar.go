package realtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// traccarBody is the JSON that Traccar Client 9 (and the
// flutter_background_geolocation library under it) posts: the location
// under "location", the app's params (device_id) beside it. Older builds
// of the app also put an OsmAnd query string in "_" of the location.
type traccarBody struct {
	Location *traccarLocation `json:"location"`
	DeviceID json.RawMessage  `json:"device_id"`
	Legacy   string           `json:"_"`
}

type traccarLocation struct {
	Timestamp string `json:"timestamp"`
	Coords    *struct {
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
		Accuracy  *float64 `json:"accuracy"`
		Speed     *float64 `json:"speed"`
		Heading   *float64 `json:"heading"`
		Altitude  *float64 `json:"altitude"`
	} `json:"coords"`
	Battery *struct {
		Level *float64 `json:"level"`
	} `json:"battery"`
	Legacy string `json:"_"`
}

// ParseTraccarJSON reads the JSON body of Traccar Client 9, as Traccar's
// own OsmAndProtocolDecoder.decodeJson does: device_id names the device;
// location.timestamp is ISO 8601; location.coords has latitude, longitude,
// accuracy and altitude in metres, speed in metres per second and heading
// in degrees, each negative when unknown; location.battery.level is a
// fraction from 0 to 1 (negative when unknown), kept in percent. When the
// body also carries the legacy "_" query string, its id, lat, lon and
// timestamp stand in for what the JSON lacks. Other fields (is_moving,
// odometer, event, activity, extras) are ignored. Every refusal wraps
// ErrOsmAnd.
func ParseTraccarJSON(body []byte, now time.Time) (OsmAndFix, error) {
	bad := func(format string, args ...any) (OsmAndFix, error) {
		return OsmAndFix{}, fmt.Errorf("%w: %s", ErrOsmAnd, fmt.Sprintf(format, args...))
	}
	var b traccarBody
	if err := json.Unmarshal(body, &b); err != nil {
		return bad("the body is not Traccar Client JSON: %v", err)
	}
	loc := b.Location
	if loc == nil {
		loc = &traccarLocation{}
	}
	legacy := loc.Legacy
	if legacy == "" {
		legacy = b.Legacy
	}
	// The legacy string fills in what the JSON lacks; it is read leniently,
	// as a form, and checked below like the JSON itself.
	q, _ := url.ParseQuery(legacy)

	f := OsmAndFix{Position: Position{TS: now.UTC()}}
	var err error
	if f.Device, err = jsonID(b.DeviceID); err != nil {
		return bad("device_id must be a string or a number")
	}
	if f.Device == "" {
		f.Device = strings.TrimSpace(first(q, "id", "deviceid"))
	}
	if f.Device == "" {
		return bad("device_id is required")
	}
	if len(f.Device) > 128 {
		return bad("device_id is longer than 128 characters")
	}

	if c := loc.Coords; c != nil && c.Latitude != nil && c.Longitude != nil {
		f.Lat, f.Lon = *c.Latitude, *c.Longitude
	} else if q.Get("lat") != "" || q.Get("lon") != "" {
		if f.Lat, err = number(q.Get("lat")); err != nil {
			return bad("lat %q is not a number", q.Get("lat"))
		}
		if f.Lon, err = number(q.Get("lon")); err != nil {
			return bad("lon %q is not a number", q.Get("lon"))
		}
	} else {
		return bad("location.coords.latitude and longitude are required")
	}

	ts := loc.Timestamp
	if ts == "" {
		ts = q.Get("timestamp")
	}
	if ts != "" {
		if f.TS, err = osmandTime(ts); err != nil {
			return bad("timestamp %q is not an ISO 8601 time", ts)
		}
	}

	if c := loc.Coords; c != nil {
		f.Speed = known(c.Speed)
		f.Heading = known(c.Heading)
		f.Accuracy = known(c.Accuracy)
		f.Altitude = c.Altitude
	}
	if bt := loc.Battery; bt != nil && bt.Level != nil && *bt.Level >= 0 && *bt.Level <= 1 {
		pct := math.Round(*bt.Level * 100)
		f.Battery = &pct
	}
	return f, nil
}

// known returns v, or nil when the device reported it unknown (negative).
func known(v *float64) *float64 {
	if v == nil || *v < 0 {
		return nil
	}
	return v
}

// jsonID reads an id that is a JSON string or number; absent or null is "".
func jsonID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strings.TrimSpace(s), nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", err
	}
	if _, err := strconv.ParseFloat(n.String(), 64); err != nil {
		return "", err
	}
	return n.String(), nil
}
