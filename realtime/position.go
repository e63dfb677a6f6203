package realtime

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"dispatchd/geo"
)

// Position is one fix of a team's tracker: where it was at device time TS.
// Positions are not events: the latest per team is kept in memory and the
// history is written in batches.
type Position struct {
	Team string  `json:"team"`
	Lon  float64 `json:"lon"`
	Lat  float64 `json:"lat"`
	// TS is the device time, as the tracker sent it.
	TS time.Time `json:"ts"`
	// Speed is in metres per second, Heading in degrees clockwise from
	// north, Accuracy and Altitude in metres, Battery in percent; nil when
	// the tracker did not say.
	Speed    *float64 `json:"speed,omitempty"`
	Heading  *float64 `json:"heading,omitempty"`
	Accuracy *float64 `json:"accuracy,omitempty"`
	Altitude *float64 `json:"altitude,omitempty"`
	Battery  *float64 `json:"battery,omitempty"`
	// CRS is the datum the coordinates came in; stored positions are
	// WGS-84 with CRS "".
	CRS geo.CRS `json:"crs,omitempty"`
}

// knot is a knot in metres per second.
const knot = 1852.0 / 3600

// OsmAndFix is a position in the OsmAnd protocol, which tracker apps such as
// Traccar Client send, before its device id is bound to a team.
type OsmAndFix struct {
	Device string
	Position
}

// ErrOsmAnd is the cause of every refusal of an OsmAnd request.
var ErrOsmAnd = errors.New("malformed OsmAnd request")

// ParseOsmAnd reads an OsmAnd request's parameters (the query string, or a
// form body when the query is empty). The format follows Traccar's decoder
// (traccar/traccar, src/main/java/org/traccar/protocol/OsmAndProtocolDecoder.java):
// id or deviceid names the device; lat and lon, or location as "lat,lon";
// timestamp in Unix seconds (milliseconds when it is larger than a 32-bit
// number), ISO 8601, or "yyyy-MM-dd HH:mm:ss" in UTC, now when absent;
// speed in knots; bearing or heading in degrees; altitude, accuracy in
// metres; batt in percent; valid=false marks a fix the device itself does
// not trust. Other parameters (hdop, cell, wifi, charge, ...) are ignored.
func ParseOsmAnd(q url.Values, now time.Time) (OsmAndFix, error) {
	f := OsmAndFix{Position: Position{TS: now.UTC()}}
	bad := func(format string, args ...any) (OsmAndFix, error) {
		return OsmAndFix{}, fmt.Errorf("%w: %s", ErrOsmAnd, fmt.Sprintf(format, args...))
	}
	f.Device = strings.TrimSpace(first(q, "id", "deviceid"))
	if f.Device == "" {
		return bad("id is required")
	}
	if len(f.Device) > 128 {
		return bad("id is longer than 128 characters")
	}
	var err error
	if loc := q.Get("location"); loc != "" && q.Get("lat") == "" {
		lat, lon, ok := strings.Cut(loc, ",")
		if !ok {
			return bad("location must be \"lat,lon\"")
		}
		if f.Lat, err = number(lat); err != nil {
			return bad("location latitude %q is not a number", lat)
		}
		if f.Lon, err = number(lon); err != nil {
			return bad("location longitude %q is not a number", lon)
		}
	} else {
		if f.Lat, err = number(q.Get("lat")); err != nil {
			return bad("lat %q is not a number", q.Get("lat"))
		}
		if f.Lon, err = number(q.Get("lon")); err != nil {
			return bad("lon %q is not a number", q.Get("lon"))
		}
	}
	if ts := q.Get("timestamp"); ts != "" {
		if f.TS, err = osmandTime(ts); err != nil {
			return bad("timestamp %q is not Unix seconds, milliseconds or an ISO 8601 time", ts)
		}
	}
	for _, o := range []struct {
		dst   **float64
		keys  []string
		scale float64
	}{
		{&f.Speed, []string{"speed"}, knot},
		{&f.Heading, []string{"bearing", "heading"}, 1},
		{&f.Altitude, []string{"altitude"}, 1},
		{&f.Accuracy, []string{"accuracy"}, 1},
		{&f.Battery, []string{"batt"}, 1},
	} {
		if v := first(q, o.keys...); v != "" {
			x, err := number(v)
			if err != nil {
				return bad("%s %q is not a number", o.keys[0], v)
			}
			x *= o.scale
			*o.dst = &x
		}
	}
	if v := q.Get("valid"); v == "false" || v == "0" {
		return bad("the device marked the fix invalid")
	}
	return f, nil
}

func first(q url.Values, keys ...string) string {
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// number parses a finite decimal number.
func number(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(s, "xXpP_iInN") {
		return 0, errors.New("not a number")
	}
	return v, nil
}

func osmandTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > 1e15 {
			return time.Time{}, errors.New("out of range")
		}
		if n < math.MaxInt32 {
			return time.Unix(n, 0).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	}
	if strings.Contains(s, "T") {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, errors.New("not ISO 8601")
	}
	return time.Parse("2006-01-02 15:04:05", s)
}

// The reasons a fix is dropped before it reaches a screen.
const (
	DropInvalid    = "invalid"      // coordinates out of range, not finite, or (0, 0)
	DropDuplicate  = "duplicate"    // the same device time and place as one already taken
	DropFuture     = "future"       // device time too far ahead of the server's
	DropTooOld     = "too_old"      // device time older than the history keeps
	DropInaccurate = "inaccurate"   // reported accuracy worse than allowed
	DropJump       = "jump"         // implied speed from the last fix above the maximum
	DropUnknown    = "unknown_team" // no team to bind it to
)

// FilterConfig bounds what the filter accepts; zero fields take defaults.
type FilterConfig struct {
	// MaxFuture is how far ahead of the server clock a device may be.
	MaxFuture time.Duration
	// MaxAge is how old a fix may be.
	MaxAge time.Duration
	// MaxAccuracy is the worst accuracy radius, in metres, accepted.
	MaxAccuracy float64
	// MaxSpeed is the fastest believable movement, in metres per second:
	// faster than a helicopter is a bad fix.
	MaxSpeed float64
}

// Defaults of FilterConfig.
const (
	DefaultMaxFuture   = 2 * time.Minute
	DefaultMaxAge      = 24 * time.Hour
	DefaultMaxAccuracy = 1000.0
	DefaultMaxSpeed    = 350 / 3.6 * 1.2 // a helicopter's top speed, with margin
)

// Filter drops bad fixes and counts them by reason. It remembers the latest
// accepted fix of each team, which decides whether a fix moves the live
// view (newer by device time) or only joins the history (older: out of
// order). It is safe for concurrent use.
type Filter struct {
	cfg    FilterConfig
	mu     sync.Mutex
	latest map[string]Position
	// jumps counts a team's fixes dropped in a row as jumps: when the
	// newest ones keep disagreeing with the fix held, that fix was the bad
	// one, and the next is taken in its place.
	jumps  map[string]int
	counts map[string]uint64
}

// jumpReset is how many jumps in a row make the filter distrust the fix it
// holds rather than the new ones.
const jumpReset = 3

// NewFilter returns a filter with the bounds of cfg.
func NewFilter(cfg FilterConfig) *Filter {
	if cfg.MaxFuture <= 0 {
		cfg.MaxFuture = DefaultMaxFuture
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if !(cfg.MaxAccuracy > 0) {
		cfg.MaxAccuracy = DefaultMaxAccuracy
	}
	if !(cfg.MaxSpeed > 0) {
		cfg.MaxSpeed = DefaultMaxSpeed
	}
	return &Filter{cfg: cfg, latest: map[string]Position{}, jumps: map[string]int{}, counts: map[string]uint64{}}
}

// Check converts p to WGS-84 in place and decides about it: reason is the
// drop reason, or "" when the fix is kept; live reports whether it is the
// team's newest fix and so moves the live view.
func (f *Filter) Check(p *Position, now time.Time) (live bool, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	live, reason = f.check(p, now)
	if reason != "" {
		f.counts[reason]++
	}
	return live, reason
}

func (f *Filter) check(p *Position, now time.Time) (bool, string) {
	w, err := geo.Point{Lon: p.Lon, Lat: p.Lat, CRS: p.CRS}.WGS84()
	if err != nil {
		return false, DropInvalid
	}
	p.Lon, p.Lat, p.CRS = w.Lon, w.Lat, ""
	switch {
	case p.TS.After(now.Add(f.cfg.MaxFuture)):
		return false, DropFuture
	case p.TS.Before(now.Add(-f.cfg.MaxAge)):
		return false, DropTooOld
	case p.Accuracy != nil && *p.Accuracy > f.cfg.MaxAccuracy:
		return false, DropInaccurate
	}
	last, ok := f.latest[p.Team]
	if !ok {
		f.latest[p.Team] = *p
		return true, ""
	}
	if p.TS.Equal(last.TS) {
		if p.Lon == last.Lon && p.Lat == last.Lat {
			return false, DropDuplicate
		}
		return false, DropJump // two places at one instant
	}
	dt := math.Abs(p.TS.Sub(last.TS).Seconds())
	if geo.Distance(w, geo.Point{Lon: last.Lon, Lat: last.Lat})/dt > f.cfg.MaxSpeed {
		if f.jumps[p.Team]++; f.jumps[p.Team] < jumpReset || p.TS.Before(last.TS) {
			return false, DropJump
		}
	}
	if p.TS.Before(last.TS) {
		return false, "" // out of order: history only
	}
	delete(f.jumps, p.Team)
	f.latest[p.Team] = *p
	return true, ""
}

// Dropped returns how many fixes were dropped, by reason.
func (f *Filter) Dropped() map[string]uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]uint64, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// Count records a fix dropped before it reached the filter, such as one
// from an unknown tracker.
func (f *Filter) Count(reason string) {
	f.mu.Lock()
	f.counts[reason]++
	f.mu.Unlock()
}
