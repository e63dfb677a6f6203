// Package webhook is the channel to a bureau's own gateway (voice calls,
// messaging apps): each message is POSTed as JSON to the bureau's URL,
// signed with a shared secret so that the bureau knows it came from
// dispatchd and was not replayed.
//
// The request carries
//
//	X-Dispatchd-Timestamp: <unix seconds>
//	X-Dispatchd-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// and a receiver checks both with Verify. A 2xx answer means the bureau
// took the message (its gateway id is the answer's JSON "id", else the
// message's id); 429, 5xx and network errors are retried; any other 4xx
// is a refusal not worth retrying.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/notify"
)

// Headers of a signed request.
const (
	TimestampHeader = "X-Dispatchd-Timestamp"
	SignatureHeader = "X-Dispatchd-Signature"
)

// Payload is the JSON body of a request.
type Payload struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Subject   string `json:"subject"`
	Recipient string `json:"recipient"`
	Text      string `json:"text"`
	// Time is when it was sent (the timestamp signed), Created when it
	// was queued.
	Time    time.Time `json:"time"`
	Created time.Time `json:"created"`
}

// Config says where to send and how to sign.
type Config struct {
	URL    string
	Secret []byte
}

// String shows the config without its secret.
func (c Config) String() string { return fmt.Sprintf("webhook %s (secret ***)", c.URL) }

// LogValue keeps the secret out of logs.
func (c Config) LogValue() slog.Value { return slog.GroupValue(slog.String("url", c.URL)) }

// Channel POSTs messages to one URL. It is safe for concurrent use.
type Channel struct {
	cfg    Config
	client *http.Client
	now    func() time.Time
}

var _ notify.Channel = (*Channel)(nil)

// New returns a Channel; client nil is a client with a 10 s timeout.
func New(cfg Config, client *http.Client) (*Channel, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "webhook url %q: want http(s)://host/path", cfg.URL)
	}
	if len(cfg.Secret) < 16 {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "webhook secret: want at least 16 bytes")
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Channel{cfg: cfg, client: client, now: time.Now}, nil
}

// String shows the channel without its secret.
func (c *Channel) String() string { return c.cfg.String() }

// LogValue keeps the secret out of logs.
func (c *Channel) LogValue() slog.Value { return c.cfg.LogValue() }

// Send implements notify.Channel.
func (c *Channel) Send(ctx context.Context, out notify.Outgoing) (string, error) {
	body, err := json.Marshal(Payload{ID: out.ID, Kind: out.Kind, Subject: out.Subject, Recipient: out.Recipient, Text: out.Text, Time: c.now().UTC(), Created: out.Created.UTC()})
	if err != nil {
		return "", err
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return "", dispatchd.Errorf(dispatchd.EINVALID, "webhook request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, Sign(c.cfg.Secret, ts, body))
	resp, err := c.client.Do(req)
	if err != nil {
		return "", dispatchd.Errorf(dispatchd.EUNAVAILABLE, "webhook post of message %s: %v", out.ID, redactURL(err))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		var a struct {
			ID any `json:"id"`
		}
		if json.Unmarshal(answer, &a) == nil && a.ID != nil {
			if id := strings.TrimSpace(fmt.Sprint(a.ID)); id != "" {
				return id, nil
			}
		}
		return out.ID, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		return "", dispatchd.Errorf(dispatchd.ERATELIMITED, "webhook throttled message %s: %s", out.ID, resp.Status)
	case resp.StatusCode >= 500:
		return "", dispatchd.Errorf(dispatchd.EUNAVAILABLE, "webhook answered %s to message %s", resp.Status, out.ID)
	default:
		return "", dispatchd.Errorf(dispatchd.EINVALID, "webhook refused message %s: %s %s", out.ID, resp.Status, snippet(answer))
	}
}

// redactURL drops the URL from a url.Error: it may hold a token.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// Sign returns the signature header of body sent at timestamp.
func Sign(secret []byte, timestamp string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(timestamp))
	h.Write([]byte("."))
	h.Write(body)
	return h.Sum(nil)
}

// Errors Verify returns.
var (
	ErrSignature = errors.New("webhook: bad signature")
	ErrTimestamp = errors.New("webhook: timestamp missing, malformed or too far from now")
)

// Verify checks a request's signature and timestamp headers against its
// body: the timestamp must be within tolerance of now (either way), and
// the signature the HMAC of the timestamp and the body, compared in
// constant time. It returns nil, ErrTimestamp or ErrSignature.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if timestamp == "" || len(timestamp) > 12 {
		return ErrTimestamp
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || sec <= 0 || strconv.FormatInt(sec, 10) != timestamp {
		return ErrTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrTimestamp
	}
	hexSig, ok := strings.CutPrefix(signature, "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return ErrSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrSignature
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrSignature
	}
	return nil
}
