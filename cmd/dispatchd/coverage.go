package main

import (
	"flag"
	"fmt"
	"time"

	"dispatchd/coverage"
	"dispatchd/geo"
)

// coverageFlags are serve's flags of coverage.
type coverageFlags struct {
	targets string
	gap     float64
	every   time.Duration
	weight  string
}

func (f *coverageFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.targets, "coverage-targets", envOr("DISPATCH_COVERAGE_TARGETS", "default=30m"),
		"time within which a team must reach a place, by capability, e.g. default=30m,mine_rescue=60m (env DISPATCH_COVERAGE_TARGETS)")
	fs.Float64Var(&f.gap, "coverage-gap", floatEnv("DISPATCH_COVERAGE_GAP", coverage.DefaultGap),
		"share of a county below which its coverage of a capability has a gap (event coverage.gap) (env DISPATCH_COVERAGE_GAP)")
	fs.DurationVar(&f.every, "coverage-every", durationEnv("DISPATCH_COVERAGE_EVERY", coverage.DefaultEvery),
		"how often coverage follows the teams and checks for gaps (env DISPATCH_COVERAGE_EVERY)")
	fs.StringVar(&f.weight, "coverage-weight", envOr("DISPATCH_COVERAGE_WEIGHT", coverage.WeightArea),
		"which share of a county the gap threshold and move-up apply to: area (of its cells) or population (of its loaded population; area where a county has none) (env DISPATCH_COVERAGE_WEIGHT)")
}

// config returns the coverage configuration, with the planner's router.
func (f *coverageFlags) config(router geo.Router) (coverage.Config, error) {
	t, err := coverage.ParseTargets(f.targets)
	if err != nil {
		return coverage.Config{}, err
	}
	if !(f.gap > 0 && f.gap <= 1) {
		return coverage.Config{}, fmt.Errorf("coverage-gap %v must be a share above 0 and at most 1", f.gap)
	}
	if f.every < 100*time.Millisecond {
		return coverage.Config{}, fmt.Errorf("coverage-every %v must be at least 100ms", f.every)
	}
	if f.weight != coverage.WeightArea && f.weight != coverage.WeightPopulation {
		return coverage.Config{}, fmt.Errorf("coverage-weight %q must be area or population", f.weight)
	}
	return coverage.Config{Targets: t, Gap: f.gap, Router: router, Weight: f.weight}, nil
}
