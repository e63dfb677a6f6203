package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestChannelFlags checks what serve's channel flags accept and how they
// refuse what would fail later, or leak: a webhook without a long enough
// secret, an SMPP URL without credentials, a public URL that is no URL,
// answer deadlines out of range.
func TestChannelFlags(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte(strings.Repeat("k", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(t.TempDir(), "short")
	if err := os.WriteFile(short, []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		f        channelFlags
		err      string // "" for none
		channels string
	}{
		{"none", channelFlags{}, "", ""},
		{"sms", channelFlags{smppURL: "smpp://dispatchd:pw@127.0.0.1:2775?source=12379&rate=200"}, "", "sms"},
		{"sms without password", channelFlags{smppURL: "smpp://127.0.0.1:2775"}, "--smpp-url", ""},
		{"webhook", channelFlags{webhookURL: "https://gw.example.org/hook", secretFile: secret}, "", "webhook"},
		{"both", channelFlags{smppURL: "smpp://d:pw@h", webhookURL: "http://gw/hook", secretFile: secret}, "", "sms,webhook"},
		{"webhook without secret", channelFlags{webhookURL: "https://gw.example.org/hook"}, "at least 32 bytes", ""},
		{"webhook short secret", channelFlags{webhookURL: "https://gw.example.org/hook", secretFile: short}, "at least 32 bytes", ""},
		{"webhook no file", channelFlags{webhookURL: "https://gw.example.org/hook", secretFile: secret + ".missing"}, "--webhook-secret-file", ""},
		{"webhook not http", channelFlags{webhookURL: "ftp://gw/hook", secretFile: secret}, "--webhook-url", ""},
		{"public url", channelFlags{publicURL: "https://dispatch.example.org/"}, "", ""},
		{"public url not a url", channelFlags{publicURL: "dispatch.example.org"}, "--public-url", ""},
		{"answer within", channelFlags{answerOther: "red=3m, blue=2h"}, "", ""},
		{"answer within unknown level", channelFlags{answerOther: "purple=3m"}, "not a level", ""},
		{"answer within too long", channelFlags{answerOther: "red=48h"}, "from 1s to 24h", ""},
		{"answer within no duration", channelFlags{answerOther: "red"}, "from 1s to 24h", ""},
	}
	t.Setenv("DISPATCH_WEBHOOK_SECRET", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.f.config()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error naming %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want none", err)
			}
			if got := strings.Join(cfg.channels(), ","); got != tt.channels {
				t.Errorf("channels: got %q, want %q", got, tt.channels)
			}
		})
	}
	cfg, err := (&channelFlags{publicURL: "https://dispatch.example.org/", answerOther: "red=3m,blue=2h"}).config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.publicURL != "https://dispatch.example.org" || cfg.answerWithin["red"] != 3*time.Minute ||
		cfg.answerWithin["blue"] != 2*time.Hour || len(cfg.answerWithin) != 2 {
		t.Errorf("got %+v", cfg)
	}
	t.Setenv("DISPATCH_WEBHOOK_SECRET", strings.Repeat("s", 32))
	if cfg, err := (&channelFlags{webhookURL: "https://gw/hook"}).config(); err != nil || string(cfg.webhookSecret) != strings.Repeat("s", 32) {
		t.Errorf("the secret from the environment: got %v", err)
	}
}
