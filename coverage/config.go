package coverage

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"dispatchd/geo"
)

// Defaults of Config.
const (
	DefaultTarget = 30 * time.Minute
	DefaultGap    = 0.8
)

// Config tunes coverage.
type Config struct {
	// Targets is the time within which a team must reach a cell, by
	// capability; the key "default" is for capabilities not listed
	// (DefaultTarget when missing).
	Targets map[string]time.Duration
	// Gap is the share below which a county has a coverage gap.
	Gap float64
	// Weight is which share the gap threshold applies to: WeightArea
	// (the default: the share of cells) or WeightPopulation (the share of
	// the population, where a county has population loaded, else of
	// cells); with population, move-up maximises the population share.
	Weight string
	// CellMetres is the side of a cell (DefaultCellMetres when 0).
	CellMetres float64
	// Router estimates the trips: the planner's, so that coverage and
	// suggestions agree (geo.DefaultRouter when nil).
	Router geo.Router
}

// WithDefaults returns the config with its zero fields set.
func (c Config) WithDefaults() Config {
	if c.Targets == nil {
		c.Targets = map[string]time.Duration{}
	}
	if _, ok := c.Targets["default"]; !ok {
		c.Targets["default"] = DefaultTarget
	}
	if !(c.Gap > 0) {
		c.Gap = DefaultGap
	}
	if c.Weight == "" {
		c.Weight = WeightArea
	}
	if !(c.CellMetres > 0) {
		c.CellMetres = DefaultCellMetres
	}
	if c.Router == nil {
		c.Router = geo.DefaultRouter()
	}
	return c
}

// ByPopulation reports whether gaps and move-up weigh by population.
func (c Config) ByPopulation() bool { return c.Weight == WeightPopulation }

// Target returns the target time of a capability.
func (c Config) Target(capability string) time.Duration {
	if d, ok := c.Targets[capability]; ok {
		return d
	}
	return c.Targets["default"]
}

// ParseTargets reads "default=30m,mine_rescue=60m": a capability and a
// Go duration, comma-separated.
func ParseTargets(s string) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("coverage target %q: want capability=duration", part)
		}
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("coverage target %q: want a positive duration such as 30m", part)
		}
		out[k] = d
	}
	return out, nil
}

// FormatTargets writes targets as ParseTargets reads them, in key order.
func FormatTargets(t map[string]time.Duration) string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + t[k].String()
	}
	return strings.Join(parts, ",")
}
