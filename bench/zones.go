package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// loadZones imports n risk zones into the server at url in one forecast:
// irregular octagons of 0.5 to 3 km across the area the bench's units
// roam, of every level, in force from an hour ago for two days. About a
// third of the units are inside one at any time, so that the zone check
// on the position path does real work.
func loadZones(ctx context.Context, url, token string, n int) error {
	r := rand.New(rand.NewPCG(13, 17))
	from := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	levels := []string{"red", "orange", "yellow", "blue"}
	features := make([]map[string]any, n)
	for i := range features {
		lon, lat := 119+r.Float64()*3, 28+r.Float64()*3
		rad := 0.005 + r.Float64()*0.025
		ring := make([][2]float64, 0, 9)
		for k := range 8 { // counterclockwise, as RFC 7946 asks
			a := float64(k) * math.Pi / 4
			f := 0.7 + 0.3*r.Float64()
			ring = append(ring, [2]float64{lon + rad*f*math.Cos(a), lat + rad*f*math.Sin(a)})
		}
		ring = append(ring, ring[0])
		features[i] = map[string]any{"type": "Feature",
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}},
			"properties": map[string]any{"level": levels[i%len(levels)], "hazard": "flood", "name": fmt.Sprintf("压测区 %d", i),
				"valid_from": from, "valid_to": from.Add(48 * time.Hour)}}
	}
	hc := &http.Client{Timeout: 5 * time.Minute}
	return postJSON(ctx, hc, url+"/api/v1/zones", token, map[string]any{"type": "FeatureCollection", "features": features}, nil)
}

// loadScenes gives n of the fleet's units a task at an incident whose
// scene, a circle of 300 m, is where the unit is now: their fixes go
// through the arrival watcher's fence check, and they arrive once they
// have stayed for its dwell.
func loadScenes(ctx context.Context, url, token string, units *fleet, n int) error {
	n = min(n, len(units.teams))
	for i := range n {
		var in struct{ ID string }
		body := map[string]any{"type": "flood", "level": 3, "title": fmt.Sprintf("压测现场 %d", i),
			"location": map[string]float64{"lon": units.lon[i], "lat": units.lat[i]}, "scene": map[string]float64{"radius_m": 300}}
		if err := postJSON(ctx, http.DefaultClient, url+"/api/v1/incidents", token, body, &in); err != nil {
			return fmt.Errorf("scene %d: create its incident: %w", i, err)
		}
		task := map[string]any{"team": units.teams[i], "instructions": "压测", "ack_within_s": 3600}
		if err := postJSON(ctx, http.DefaultClient, url+"/api/v1/incidents/"+in.ID+"/tasks", token, task, nil); err != nil {
			return fmt.Errorf("scene %d: task the unit: %w", i, err)
		}
	}
	// The units stood at their scenes for the last 90 s: they arrive now,
	// before the runs, which measure the checks of units already there
	// (1,000 arrivals at once are 3,000 events, not a steady load).
	now := time.Now().UTC()
	for _, ago := range []time.Duration{90 * time.Second, 60 * time.Second, 30 * time.Second, time.Second} {
		for lo := 0; lo < n; lo += 1000 {
			var b []map[string]any
			for i := lo; i < min(lo+1000, n); i++ {
				b = append(b, map[string]any{"team": units.teams[i], "lon": units.lon[i], "lat": units.lat[i], "ts": now.Add(-ago)})
			}
			if err := postJSON(ctx, http.DefaultClient, url+"/api/v1/positions", token, map[string]any{"positions": b}, nil); err != nil {
				return fmt.Errorf("scenes: the units' fixes: %w", err)
			}
		}
	}
	return nil
}

// cpuTime is the processor time (user and system) process pid has used,
// from /proc.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: the fields that
	// follow it are counted from its closing parenthesis.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	// utime and stime are fields 14 and 15 of stat, 12 and 13 after the
	// name, in clock ticks of 1/100 s on Linux.
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}
