package notify

import (
	"errors"
	"testing"
	"time"

	"dispatchd"
)

func TestBackoff(t *testing.T) {
	cfg := ChannelConfig{MinBackoff: time.Second, MaxBackoff: 10 * time.Second}
	tests := []struct {
		attempts int
		base     time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {40, 10 * time.Second},
	}
	for _, tt := range tests {
		for range 100 {
			if d := backoff(cfg, tt.attempts); d < tt.base/2 || d > tt.base {
				t.Fatalf("attempt %d: got %v, want between %v and %v", tt.attempts, d, tt.base/2, tt.base)
			}
		}
	}
}

func TestResult(t *testing.T) {
	s := NewSender(nil, SenderConfig{}, Hooks{}, nil)
	r := &route{name: SMS, cfg: ChannelConfig{MaxAttempts: 3, MinBackoff: time.Second, MaxBackoff: time.Minute}}
	m := Message{ID: "m1"}
	tests := []struct {
		name      string
		attempts  int
		gatewayID string
		err       error
		state     string
		gw        string
	}{
		{"taken", 1, "gw1", nil, Sent, "gw1"},
		{"taken without an id", 1, "", nil, Sent, "m1"},
		{"refused", 1, "", dispatchd.Errorf(dispatchd.EINVALID, "no such number"), Failed, ""},
		{"throttled", 1, "", dispatchd.Errorf(dispatchd.ERATELIMITED, "slow down"), Pending, ""},
		{"link down", 2, "", errors.New("connection reset"), Pending, ""},
		{"attempts spent", 3, "", dispatchd.Errorf(dispatchd.EUNAVAILABLE, "down"), Failed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.Attempts = tt.attempts
			before := time.Now()
			res := s.result(r, m, tt.gatewayID, tt.err)
			if res.State != tt.state || res.GatewayID != tt.gw || res.ID != "m1" {
				t.Errorf("got %+v, want state %s, gateway id %q", res, tt.state, tt.gw)
			}
			if (tt.err != nil) != (res.Error != "") {
				t.Errorf("error: got %q for %v", res.Error, tt.err)
			}
			if tt.state == Pending && res.NextAt.Before(before.Add(r.cfg.MinBackoff/2)) {
				t.Errorf("next at %v: want a backoff after %v", res.NextAt, before)
			}
		})
	}
}
