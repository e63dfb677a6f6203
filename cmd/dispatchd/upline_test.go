package main

import (
	"net"
	"strings"
	"testing"
)

// TestUpLine checks that the start-up line names the pages, the API and its
// document, and that its first word after the prefix stays the base URL.
func TestUpLine(t *testing.T) {
	tests := []struct {
		name string
		addr net.Addr
		base string
	}{
		{"loopback", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://localhost:8080"},
		{"any address", &net.TCPAddr{IP: net.IPv6unspecified, Port: 9000}, "http://localhost:9000"},
		{"a host's address", &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 80}, "http://10.1.2.3:80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := upLine(tt.addr)
			rest, ok := strings.CutPrefix(line, "dispatchd is up at ")
			if !ok {
				t.Fatalf("got %q, want it to start with %q", line, "dispatchd is up at ")
			}
			if got := strings.Fields(rest)[0]; got != tt.base {
				t.Errorf("got base URL %q, want %q", got, tt.base)
			}
			for _, want := range []string{"/screen", "/lead", "/depot", "/api/v1", "/api/v1/openapi.json"} {
				if !strings.Contains(line, tt.base+want) {
					t.Errorf("got %q, want it to name %s", line, tt.base+want)
				}
			}
		})
	}
}
