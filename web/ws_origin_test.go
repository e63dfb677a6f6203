package web

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzOriginAllowed feeds Origin headers to the websocket's origin check:
// it never panics, and lets through only no Origin, one that names the
// Host asked for, or one listed.
func FuzzOriginAllowed(f *testing.F) {
	for _, o := range []string{"", "null", "http://127.0.0.1:8080", "https://screen.example.org", "https://screen.example.org.evil.example",
		"HTTP://127.0.0.1:8080", "http://[::1]:8080", "http://127.0.0.1:8080@evil.example", "//127.0.0.1:8080", "http:127.0.0.1:8080", "%zz"} {
		f.Add(o)
	}
	listed := []string{"https://screen.example.org"}
	const host = "127.0.0.1:8080"
	f.Fuzz(func(t *testing.T, origin string) {
		if !originAllowed(origin, host, listed) {
			return
		}
		u, err := url.Parse(origin)
		if origin != "" && !strings.EqualFold(origin, listed[0]) && (err != nil || !strings.EqualFold(u.Host, host)) {
			t.Fatalf("origin %q allowed for host %s and %v", origin, host, listed)
		}
	})
}
