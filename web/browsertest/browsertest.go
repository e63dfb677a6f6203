// Package browsertest finds the Chromium that the pages' tests drive, for
// the tests of web and of cmd/dispatchd.
package browsertest

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium returns the browser to drive: TEST_CHROMIUM (set by
// scripts/testenv.sh) or Chromium on the PATH. Under CI it must be
// there; elsewhere the test is skipped without it.
func Chromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("no Chromium: run the tests with `make test`, which installs it")
	}
	tb.Skip("no Chromium (install it with apt-get install chromium, or run make test)")
	return ""
}
