package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dispatchd/notify"
	"dispatchd/notify/webhook"
)

// testSenderWebhook drives the signed webhook channel beside SMS: the
// bureau's gateway, on loopback, checks each signature; a 503 is retried,
// the bureau's id is recorded, a 422 fails the message.
func testSenderWebhook(t *testing.T, s Store) {
	c := ctx(t)
	secret := []byte("bureau-secret-0123456789")
	var mu sync.Mutex
	calls := map[string]int{} // by message id: a retry carries a new link
	var texts []string
	bureau := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader), body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		calls[p.ID]++
		n := calls[p.ID]
		texts = append(texts, p.Text)
		mu.Unlock()
		switch {
		case strings.HasPrefix(p.Text, "refuse"):
			http.Error(w, "no such phone", http.StatusUnprocessableEntity)
		case n == 1:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			fmt.Fprintf(w, `{"id":"call-%s"}`, p.Subject)
		}
	}))
	t.Cleanup(bureau.Close)
	ch, err := webhook.New(webhook.Config{URL: bureau.URL + "/notify", Secret: secret}, bureau.Client())
	noErr(t, err)

	now := time.Now()
	good := notify.NewMessage(notify.Webhook, "13800000001", "call {link}", notify.KindTask, "t1", now.Add(time.Hour), now)
	bad := notify.NewMessage(notify.Webhook, "13800000002", "refuse me", notify.KindTask, "t2", time.Time{}, now)
	noErr(t, s.Enqueue(c, []notify.Message{good, bad}, nil))
	log := newHookLog()
	sender := notify.NewSender(s, notify.SenderConfig{Holder: "node-w", LinkBase: "https://dispatch.example.org", Poll: 20 * time.Millisecond},
		log.hooks("node-w", false), slog.New(slog.DiscardHandler))
	sender.Handle(notify.Webhook, ch, fast)
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sender.Run(sctx) }()
	eventually(t, "both settled", func() bool { sent, failed := log.counts(); return sent == 1 && failed == 1 })
	stop()
	noErr(t, <-done)

	row := ok(s.ByGatewayID(c, notify.Webhook, "call-t1")).get(t)
	if row.ID != good.ID || row.State != notify.Sent || row.Attempts != 2 {
		t.Errorf("sent: got %s %s after %d attempts, want %s sent after 2", row.ID, row.State, row.Attempts, good.ID)
	}
	log.mu.Lock()
	f := log.failed[bad.ID]
	log.mu.Unlock()
	if f.Attempts != 1 || !strings.Contains(f.LastError, "422") {
		t.Errorf("refused: got %d attempts, error %q; want 1 and the 422", f.Attempts, f.LastError)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || calls[bad.ID] != 1 || calls[good.ID] != 2 {
		t.Errorf("bureau calls: got %v, want the link message twice (a 503, then taken) and the refused once", calls)
	}
	// Each send of the link message carries its own code.
	var links []string
	for _, text := range texts {
		if code, ok := strings.CutPrefix(text, "call https://dispatch.example.org/a/"); ok && notify.ValidCode(code) {
			links = append(links, code)
		}
	}
	if len(links) != 2 || links[0] == links[1] {
		t.Errorf("links: got %v, want two different codes", links)
	}
}
