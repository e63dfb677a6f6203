package web

import "testing"

func TestAddressKey(t *testing.T) {
	for _, tt := range []struct{ ip, want string }{
		{"203.0.113.7", "ip:203.0.113.7"},
		{"2001:db8:1:2:aaaa::1", "net:2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb::9", "net:2001:db8:1:2::/64"},
		{"::ffff:203.0.113.7", "ip:::ffff:203.0.113.7"},
		{"not an address", "ip:not an address"},
	} {
		if got := addressKey(tt.ip); got != tt.want {
			t.Errorf("addressKey(%q): got %q, want %q", tt.ip, got, tt.want)
		}
	}
}
