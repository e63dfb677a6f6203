package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/notify"
)

var secret = []byte("0123456789abcdef-secret")

// bureau is a bureau's gateway on loopback: it checks every request with
// Verify and answers status (and body) from answer.
type bureau struct {
	srv      *httptest.Server
	received chan Payload
	errs     chan error
}

func newBureau(t *testing.T, answer func(p Payload) (int, string)) *bureau {
	t.Helper()
	b := &bureau{received: make(chan Payload, 10), errs: make(chan error, 10)}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(secret, r.Header.Get(TimestampHeader), r.Header.Get(SignatureHeader), body, time.Now(), time.Minute); err != nil {
			b.errs <- err
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p Payload
		if err := json.Unmarshal(body, &p); err != nil || r.Header.Get("Content-Type") != "application/json" {
			b.errs <- fmt.Errorf("body %s: %v", body, err)
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		b.received <- p
		status, text := answer(p)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func outgoing() notify.Outgoing {
	return notify.Outgoing{ID: "m1", Kind: notify.KindWarning, Subject: "r1", Recipient: "13800000001",
		Text: "橙色暴雨预警 http://localhost:8080/a/abc", Created: time.Now()}
}

func TestSendSigned(t *testing.T) {
	tests := []struct {
		name   string
		status int
		answer string
		wantID string
		code   string
	}{
		{"taken with an id", 200, `{"id":"call-42"}`, "call-42", ""},
		{"taken with a numeric id", 202, `{"id":42}`, "42", ""},
		{"taken without an id", 204, ``, "m1", ""},
		{"throttled", 429, `slow down`, "", dispatchd.ERATELIMITED},
		{"server error", 503, ``, "", dispatchd.EUNAVAILABLE},
		{"refused", 422, `no such phone`, "", dispatchd.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBureau(t, func(Payload) (int, string) { return tt.status, tt.answer })
			ch, err := New(Config{URL: b.srv.URL + "/hook", Secret: secret}, b.srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			id, err := ch.Send(context.Background(), outgoing())
			if got := dispatchd.ErrorCode(err); got != tt.code {
				t.Fatalf("error: got %v (code %q), want code %q", err, got, tt.code)
			}
			if id != tt.wantID {
				t.Errorf("gateway id: got %q, want %q", id, tt.wantID)
			}
			select {
			case err := <-b.errs:
				t.Fatalf("the bureau refused the request: %v", err)
			case p := <-b.received:
				want := outgoing()
				if p.ID != want.ID || p.Kind != want.Kind || p.Subject != want.Subject || p.Recipient != want.Recipient || p.Text != want.Text || p.Time.IsZero() {
					t.Errorf("payload: got %+v, want %+v", p, want)
				}
			}
		})
	}
}

func TestSendWrongSecretRefused(t *testing.T) {
	b := newBureau(t, func(Payload) (int, string) { return 200, "" })
	ch, err := New(Config{URL: b.srv.URL, Secret: []byte("another-secret-of-16")}, b.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.Send(context.Background(), outgoing())
	if dispatchd.ErrorCode(err) != dispatchd.EINVALID {
		t.Errorf("got %v, want invalid (401)", err)
	}
	if got := <-b.errs; !errors.Is(got, ErrSignature) {
		t.Errorf("bureau: got %v, want ErrSignature", got)
	}
}

func TestSendNetworkErrorRetried(t *testing.T) {
	b := newBureau(t, func(Payload) (int, string) { return 200, "" })
	url := b.srv.URL
	b.srv.Close()
	ch, err := New(Config{URL: url, Secret: secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Send(context.Background(), outgoing()); dispatchd.ErrorCode(err) != dispatchd.EUNAVAILABLE {
		t.Errorf("got %v, want unavailable", err)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"m1"}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	good := Sign(secret, ts, body)
	old := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10)
	tests := []struct {
		name      string
		secret    []byte
		ts, sig   string
		body      []byte
		wantError error
	}{
		{"good", secret, ts, good, body, nil},
		{"body changed", secret, ts, good, []byte(`{"id":"m2"}`), ErrSignature},
		{"other secret", []byte("another-secret-of-16"), ts, good, body, ErrSignature},
		{"timestamp changed", secret, strconv.FormatInt(now.Unix()-1, 10), good, body, ErrSignature},
		{"stale", secret, old, Sign(secret, old, body), body, ErrTimestamp},
		{"from the future", secret, future, Sign(secret, future, body), body, ErrTimestamp},
		{"no timestamp", secret, "", good, body, ErrTimestamp},
		{"timestamp not a number", secret, "17e8", good, body, ErrTimestamp},
		{"timestamp with a sign", secret, "+" + ts, Sign(secret, "+"+ts, body), body, ErrTimestamp},
		{"no prefix", secret, ts, strings.TrimPrefix(good, "sha256="), body, ErrSignature},
		{"other algorithm", secret, ts, "sha1=" + strings.TrimPrefix(good, "sha256="), body, ErrSignature},
		{"short", secret, ts, good[:len(good)-2], body, ErrSignature},
		{"not hex", secret, ts, good[:len(good)-2] + "zz", body, ErrSignature},
		{"upper-case hex", secret, ts, "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), body, nil},
		{"empty", secret, ts, "", body, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.ts, tt.sig, tt.body, now, 5*time.Minute)
			if !errors.Is(err, tt.wantError) || (err == nil) != (tt.wantError == nil) {
				t.Errorf("got %v, want %v", err, tt.wantError)
			}
		})
	}
}

func TestSecretNeverShown(t *testing.T) {
	ch, err := New(Config{URL: "http://127.0.0.1:1/hook", Secret: secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("channel", "webhook", ch, "config", ch.cfg)
	shown := logs.String() + fmt.Sprint(ch) + fmt.Sprintf("%v %+v", ch.cfg, ch.cfg)
	if strings.Contains(shown, string(secret)) || !strings.Contains(shown, "127.0.0.1:1/hook") {
		t.Errorf("got %s, want the url without the secret", shown)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{URL: "ftp://host/x", Secret: secret},
		{URL: "http:///x", Secret: secret},
		{URL: "http://host/x", Secret: []byte("short")},
	} {
		if _, err := New(cfg, nil); dispatchd.ErrorCode(err) != dispatchd.EINVALID {
			t.Errorf("%s: got %v, want invalid", cfg.URL, err)
		}
	}
}

// FuzzVerify checks that no signature header makes Verify panic or
// accept a body it was not made for.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	body := []byte(`{"id":"m1"}`)
	f.Add(Sign(secret, ts, body))
	f.Add("sha256=")
	f.Add("sha256=zz")
	f.Add("")
	f.Fuzz(func(t *testing.T, sig string) {
		err := Verify(secret, ts, sig, []byte(`{"id":"other"}`), now, time.Minute)
		if err == nil {
			t.Fatalf("accepted %q for a body it does not sign", sig)
		}
		if err := Verify(secret, ts, sig, body, now, time.Minute); err == nil && !strings.EqualFold(sig, Sign(secret, ts, body)) {
			t.Fatalf("accepted %q, which is not the signature", sig)
		}
	})
}
