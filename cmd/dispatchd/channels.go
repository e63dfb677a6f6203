package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"dispatchd/notify/smpp"
)

// channelFlags are serve's flags for the channels that reach people whose
// page is closed: SMS over SMPP, a signed webhook, and the base of the
// one-tap links they carry.
type channelFlags struct {
	publicURL   string
	smppURL     string
	webhookURL  string
	secretFile  string
	taskGrace   time.Duration
	escalate    time.Duration
	answerOther string
}

func (c *channelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.publicURL, "public-url", envOr("DISPATCH_PUBLIC_URL", ""), "the address phones reach this server at, the base of one-tap answer links (/a/...), e.g. https://dispatch.example.org; empty means http://localhost and the listen port (env DISPATCH_PUBLIC_URL)")
	fs.StringVar(&c.smppURL, "smpp-url", envOr("DISPATCH_SMPP_URL", ""), "the SMS gateway, as smpp://systemid:password@host:2775?source=12345&rate=100; empty means no SMS; prefer the environment, which ps does not show (env DISPATCH_SMPP_URL)")
	fs.StringVar(&c.webhookURL, "webhook-url", envOr("DISPATCH_WEBHOOK_URL", ""), "a bureau's own gateway (voice calls, messaging apps) that takes each message as a signed JSON POST; empty means none (env DISPATCH_WEBHOOK_URL)")
	fs.StringVar(&c.secretFile, "webhook-secret-file", envOr("DISPATCH_WEBHOOK_SECRET_FILE", ""), "a file holding the webhook's HMAC-SHA256 secret (at least 32 bytes); the environment variable DISPATCH_WEBHOOK_SECRET may hold it instead (env DISPATCH_WEBHOOK_SECRET_FILE)")
	fs.DurationVar(&c.taskGrace, "task-sms-grace", durationEnv("DISPATCH_TASK_SMS_GRACE", 15*time.Second), "how long a new task waits for its lead's page before it goes by SMS (env DISPATCH_TASK_SMS_GRACE)")
	fs.DurationVar(&c.escalate, "warning-escalate-every", durationEnv("DISPATCH_WARNING_ESCALATE_EVERY", 5*time.Second), "how often unanswered warnings past their deadline are sent again and their superiors told (env DISPATCH_WARNING_ESCALATE_EVERY)")
	fs.StringVar(&c.answerOther, "answer-within", envOr("DISPATCH_ANSWER_WITHIN", ""), "answer deadlines by warning level, as red=5m,orange=10m,yellow=30m,blue=60m (the defaults); a warning may name its own (env DISPATCH_ANSWER_WITHIN)")
}

// channelsConfig is what channelFlags say, past parsing.
type channelsConfig struct {
	publicURL     string // "" until the listen address is known
	smpp          *smpp.Config
	webhookURL    string
	webhookSecret []byte
	taskGrace     time.Duration
	escalateEvery time.Duration
	answerWithin  map[string]time.Duration
}

// channels returns the channels configured, in the order messages go.
func (c channelsConfig) channels() []string {
	var out []string
	if c.smpp != nil {
		out = append(out, "sms")
	}
	if c.webhookURL != "" {
		out = append(out, "webhook")
	}
	return out
}

// minSecret is the shortest webhook secret accepted: 256 bits.
const minSecret = 32

func (c *channelFlags) config() (channelsConfig, error) {
	out := channelsConfig{taskGrace: c.taskGrace, escalateEvery: c.escalate}
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return out, fmt.Errorf("--public-url %q: want an http or https URL such as https://dispatch.example.org", c.publicURL)
		}
		out.publicURL = strings.TrimRight(c.publicURL, "/")
	}
	if c.smppURL != "" {
		cfg, err := smpp.ParseURL(c.smppURL)
		if err != nil {
			return out, fmt.Errorf("--smpp-url: %w", err)
		}
		out.smpp = &cfg
	}
	if c.webhookURL != "" {
		u, err := url.Parse(c.webhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return out, fmt.Errorf("--webhook-url: want an http or https URL")
		}
		out.webhookURL = c.webhookURL
		secret := []byte(os.Getenv("DISPATCH_WEBHOOK_SECRET"))
		if c.secretFile != "" {
			b, err := os.ReadFile(c.secretFile)
			if err != nil {
				return out, fmt.Errorf("--webhook-secret-file: %w", err)
			}
			secret = []byte(strings.TrimSpace(string(b)))
		}
		if len(secret) < minSecret {
			return out, fmt.Errorf("the webhook needs a secret of at least %d bytes: --webhook-secret-file or DISPATCH_WEBHOOK_SECRET", minSecret)
		}
		out.webhookSecret = secret
	}
	within, err := parseAnswerWithin(c.answerOther)
	if err != nil {
		return out, err
	}
	out.answerWithin = within
	return out, nil
}

// parseAnswerWithin reads level=duration pairs; nil when s is empty.
func parseAnswerWithin(s string) (map[string]time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]time.Duration{}
	for _, part := range strings.Split(s, ",") {
		level, d, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch level {
		case "red", "orange", "yellow", "blue":
		default:
			return nil, fmt.Errorf("--answer-within %q: %q is not a level (red, orange, yellow, blue)", s, level)
		}
		dur, err := time.ParseDuration(d)
		if !ok || err != nil || dur < time.Second || dur > 24*time.Hour {
			return nil, fmt.Errorf("--answer-within %q: %s needs a duration from 1s to 24h, as %s=10m", s, level, level)
		}
		out[level] = dur
	}
	return out, nil
}
