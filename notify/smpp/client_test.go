package smpp

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/notify/smpp/internal/pdu"
	"dispatchd/notify/smpp/smpptest"
)

func newServer(t *testing.T) *smpptest.Server {
	t.Helper()
	srv, err := smpptest.New("secret", 100)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// start runs a Client against srv until the test ends.
func start(t *testing.T, srv *smpptest.Server, password string, h Handlers) (*Client, <-chan error) {
	t.Helper()
	cfg, err := ParseURL("smpp://dispatchd:" + password + "@" + srv.Addr() + "?source=12345&rate=500&enquire_link=50ms&timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 50*time.Millisecond
	c := New(cfg, h, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return c, done
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

func TestSendLongChineseUCS2(t *testing.T) {
	srv := newServer(t)
	c, _ := start(t, srv, "secret", Handlers{})
	text := strings.Repeat("橙色暴雨预警：请立即组织转移危险区域群众，", 6) + "😀完" // 128 runes, one outside the BMP
	id, err := c.Send(ctxT(t), Message{To: "13800000001", Text: text, Ref: "w1"})
	if err != nil {
		t.Fatal(err)
	}
	got := next(t, srv.Received())
	if got.Text != text {
		t.Errorf("text: got %q, want %q", got.Text, text)
	}
	if got.Coding != pdu.CodingUCS2 || got.Parts != 2 || got.To != "13800000001" {
		t.Errorf("got coding %d, %d parts, to %s; want 8, 2, 13800000001", got.Coding, got.Parts, got.To)
	}
	if id != got.ID {
		t.Errorf("gateway id: got %q, want %q (the last part's)", id, got.ID)
	}
}

func TestSendShortASCII(t *testing.T) {
	srv := newServer(t)
	c, _ := start(t, srv, "secret", Handlers{})
	if _, err := c.Send(ctxT(t), Message{To: "1", Text: "Warning: reply 1"}); err != nil {
		t.Fatal(err)
	}
	if got := next(t, srv.Received()); got.Text != "Warning: reply 1" || got.Coding != pdu.CodingDefault || got.Parts != 1 {
		t.Errorf("got %+v", got)
	}
}

func TestReceiptAndMO(t *testing.T) {
	srv := newServer(t)
	receipts, mos := make(chan Receipt, 10), make(chan MO, 10)
	c, _ := start(t, srv, "secret", Handlers{
		Receipt: func(r Receipt) { receipts <- r },
		MO:      func(m MO) { mos <- m },
	})
	id, err := c.Send(ctxT(t), Message{To: "13800000002", Text: "请回复收到"})
	if err != nil {
		t.Fatal(err)
	}
	if r := next(t, receipts); r.GatewayID != id || r.Status != Delivered || r.State != "DELIVRD" {
		t.Errorf("receipt: got %+v, want id %s delivered", r, id)
	}
	srv.MO("13800000002", "12345", "收到")
	if m := next(t, mos); m.Text != "收到" || m.From != "13800000002" || m.To != "12345" {
		t.Errorf("mo: got %+v, want 收到 from 13800000002", m)
	}
	// A receipt carried in the optional parameters, as many gateways send it.
	srv.Deliver(pdu.SM{Src: "1", Dst: "12345", ESMClass: pdu.ESMDeliveryReceipt,
		TLV: map[uint16][]byte{pdu.TagReceiptedMessageID: []byte("gwX\x00"), pdu.TagMessageState: {5}}})
	if r := next(t, receipts); r.GatewayID != "gwX" || r.Status != Failed || r.State != "UNDELIV" {
		t.Errorf("tlv receipt: got %+v, want gwX failed", r)
	}
}

func TestReconnectAfterDrop(t *testing.T) {
	srv := newServer(t)
	c, _ := start(t, srv, "secret", Handlers{})
	if _, err := c.Send(ctxT(t), Message{To: "1", Text: "one"}); err != nil {
		t.Fatal(err)
	}
	next(t, srv.Received())
	srv.Drop()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Binds() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := srv.Binds(); n != 2 {
		t.Fatalf("binds: got %d, want 2", n)
	}
	if _, err := c.Send(ctxT(t), Message{To: "1", Text: "two"}); err != nil {
		t.Fatalf("send after reconnect: %v", err)
	}
	if got := next(t, srv.Received()); got.Text != "two" {
		t.Errorf("got %q, want two", got.Text)
	}
}

func TestEnquireLink(t *testing.T) {
	srv := newServer(t)
	start(t, srv, "secret", Handlers{})
	deadline := time.Now().Add(5 * time.Second)
	for srv.EnquireLinks() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := srv.EnquireLinks(); n < 2 {
		t.Errorf("enquire_link: got %d, want at least 2", n)
	}
}

func TestBindWrongPassword(t *testing.T) {
	srv := newServer(t)
	cfg, err := ParseURL("smpp://dispatchd:wrong@" + srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	c := New(cfg, Handlers{}, slog.New(slog.NewTextHandler(&logs, nil)))
	err = c.Run(ctxT(t))
	if !errors.Is(err, ErrBind) || !strings.Contains(err.Error(), "invalid password") {
		t.Fatalf("Run: got %v, want ErrBind with invalid password", err)
	}
	if strings.Contains(err.Error()+logs.String(), "wrong") {
		t.Errorf("the password leaked: %s %s", err, logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Send(ctx, Message{To: "1", Text: "x"})
	if dispatchd.ErrorCode(err) != dispatchd.EUNAVAILABLE {
		t.Errorf("send unbound: got %v, want unavailable", err)
	}
}

func TestSendRefused(t *testing.T) {
	srv := newServer(t)
	c, _ := start(t, srv, "secret", Handlers{})
	tests := []struct {
		name   string
		status uint32
		code   string
	}{
		{"throttled", pdu.StatusThrottled, dispatchd.ERATELIMITED},
		{"invalid destination", 0x0B, dispatchd.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Refuse(tt.status)
			_, err := c.Send(ctxT(t), Message{To: "1", Text: "x", Ref: "r1"})
			if got := dispatchd.ErrorCode(err); got != tt.code {
				t.Errorf("got %s (%v), want %s", got, err, tt.code)
			}
		})
	}
	srv.Refuse(pdu.StatusOK)
	if _, err := c.Send(ctxT(t), Message{To: "1", Text: "x"}); err != nil {
		t.Errorf("the link must survive a refusal: %v", err)
	}
}
