package web_test

import (
	"os"
	"testing"
)

// TestMain runs the package's tests and stops the Chromium that the page
// tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	sharedChromium.Stop()
	os.Exit(code)
}
