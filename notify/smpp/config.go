package smpp

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Config says how to reach and bind to a gateway.
type Config struct {
	Addr     string // host:port
	SystemID string
	Password string
	// Source is the sender address of submitted messages (a short code).
	Source string
	// Rate is the most short messages (parts) sent a second.
	Rate int
	// EnquireLink is the keepalive interval; Timeout bounds a bind and the
	// wait for any response.
	EnquireLink time.Duration
	Timeout     time.Duration
	// MinBackoff and MaxBackoff bound the wait between reconnects, which
	// doubles from the first to the second.
	MinBackoff, MaxBackoff time.Duration
}

// ParseURL reads a Config from a URL such as
// smpp://systemid:password@host:2775?source=12345&rate=500&enquire_link=30s.
// The port defaults to 2775.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("smpp url: %w", redact(err))
	}
	if u.Scheme != "smpp" {
		return Config{}, fmt.Errorf("smpp url: scheme %q, want smpp", u.Scheme)
	}
	if u.Hostname() == "" || u.User == nil || u.User.Username() == "" {
		return Config{}, fmt.Errorf("smpp url: needs smpp://systemid:password@host[:port]")
	}
	c := Config{
		SystemID: u.User.Username(), Source: u.Query().Get("source"),
		Rate: 100, EnquireLink: 30 * time.Second, Timeout: 10 * time.Second,
		MinBackoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second,
	}
	c.Password, _ = u.User.Password()
	port := u.Port()
	if port == "" {
		port = "2775"
	}
	c.Addr = net.JoinHostPort(u.Hostname(), port)
	q := u.Query()
	if v := q.Get("rate"); v != "" {
		if c.Rate, err = strconv.Atoi(v); err != nil || c.Rate <= 0 {
			return Config{}, fmt.Errorf("smpp url: rate %q is not a positive number", v)
		}
	}
	for key, d := range map[string]*time.Duration{"enquire_link": &c.EnquireLink, "timeout": &c.Timeout} {
		if v := q.Get(key); v != "" {
			if *d, err = time.ParseDuration(v); err != nil || *d <= 0 {
				return Config{}, fmt.Errorf("smpp url: %s %q is not a positive duration", key, v)
			}
		}
	}
	if len(c.SystemID) > 15 || len(c.Password) > 8 {
		return Config{}, fmt.Errorf("smpp url: system id is at most 15 characters and password at most 8")
	}
	return c, nil
}

// redact drops the URL from a url.Error, since it holds the password.
func redact(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// String shows the config without its password.
func (c Config) String() string {
	return fmt.Sprintf("smpp://%s:***@%s?source=%s&rate=%d", c.SystemID, c.Addr, c.Source, c.Rate)
}

// LogValue keeps the password out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("addr", c.Addr), slog.String("system_id", c.SystemID),
		slog.String("source", c.Source), slog.Int("rate", c.Rate))
}
