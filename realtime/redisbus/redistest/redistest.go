// Package redistest gives tests the throwaway Redis that `make test`
// starts (TEST_REDIS_URL), and a prefix of their own on it.
package redistest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// URL returns the test Redis's URL. Without TEST_REDIS_URL the test is
// skipped, or fails under CI.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("TEST_REDIS_URL is not set: run the tests with `make test`, which starts a throwaway Redis")
		}
		t.Skip("TEST_REDIS_URL is not set; `make test` starts a throwaway Redis")
	}
	return u
}

// Prefix returns a key prefix no other test uses: Redis pub/sub channels
// are shared by every database number, so tests that run at once keep
// apart by prefix.
func Prefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test-" + hex.EncodeToString(b)
}
