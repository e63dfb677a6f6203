package main

import (
	"flag"
	"testing"

	"dispatchd/coverage"
)

// TestCoverageWeightFlag: area by default, population when asked, and
// anything else refused.
func TestCoverageWeightFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
		ok   bool
	}{
		{nil, coverage.WeightArea, true},
		{[]string{"-coverage-weight", "population"}, coverage.WeightPopulation, true},
		{[]string{"-coverage-weight", "people"}, "", false},
	} {
		var f coverageFlags
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		f.register(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		cfg, err := f.config(nil)
		if (err == nil) != tt.ok || err == nil && cfg.Weight != tt.want {
			t.Errorf("%v: got %q, %v; want %q (ok %v)", tt.args, cfg.Weight, err, tt.want, tt.ok)
		}
	}
}
