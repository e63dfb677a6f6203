package smpp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dispatchd"
	"dispatchd/notify/smpp/internal/pdu"
)

// Message is one SMS to send. Ref is the caller's reference (an outbox
// row's id), used in logs only.
type Message struct {
	To, Text, Ref string
}

// Handlers receive what the gateway delivers. They run on the link's
// reader goroutine and must return quickly, and never call Send, whose
// response that goroutine reads; the gateway is told the
// message was received only after they return, so one lost in a crash is
// delivered again.
type Handlers struct {
	Receipt func(Receipt)
	MO      func(MO)
}

// Client is an SMPP 3.4 transceiver: Run keeps one bound link to the
// gateway, reconnecting with backoff; Send submits messages over it.
type Client struct {
	cfg   Config
	h     Handlers
	log   *slog.Logger
	limit *bucket
	ref   atomic.Uint32 // concatenation reference of the next long message

	mu    sync.Mutex
	sess  *session      // nil while not bound
	ready chan struct{} // closed when sess is set
}

// New returns a Client; nothing is dialled before Run.
func New(cfg Config, h Handlers, log *slog.Logger) *Client {
	if cfg.Rate <= 0 {
		cfg.Rate = 100
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.EnquireLink <= 0 {
		cfg.EnquireLink = 30 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(30*time.Second, cfg.MinBackoff)
	}
	return &Client{cfg: cfg, h: h, log: log, limit: newBucket(cfg.Rate, time.Now), ready: make(chan struct{})}
}

// ErrBind is returned by Run when the gateway refuses the credentials:
// retrying would not help.
var ErrBind = errors.New("smpp: bind refused")

// Run connects, binds as a transceiver and serves the link until ctx is
// done, then unbinds. A dropped link is re-established with exponential
// backoff. It returns nil when ctx is done, or an error wrapping ErrBind
// when the gateway refuses the system id or password.
func (c *Client) Run(ctx context.Context) error {
	backoff := c.cfg.MinBackoff
	for {
		s, err := c.bind(ctx)
		if err != nil {
			if errors.Is(err, ErrBind) {
				return err
			}
			if ctx.Err() != nil {
				return nil
			}
			c.log.Warn("smpp connect failed", "gateway", c.cfg, "err", err, "retry_in", backoff)
		} else {
			backoff = c.cfg.MinBackoff
			c.log.Info("smpp bound", "gateway", c.cfg)
			c.setSession(s)
			go s.keepalive(c.cfg.EnquireLink)
			stop := context.AfterFunc(ctx, func() { c.unbind(s) })
			<-s.done
			err := s.err
			stop()
			c.setSession(nil)
			if ctx.Err() != nil {
				return nil
			}
			c.log.Warn("smpp link lost", "gateway", c.cfg, "err", err, "retry_in", backoff)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}

// bind dials the gateway and binds as a transceiver.
func (c *Client) bind(ctx context.Context) (*session, error) {
	d := net.Dialer{Timeout: c.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", c.cfg.Addr)
	if err != nil {
		return nil, err
	}
	s := newSession(conn, c.cfg.Timeout)
	s.deliver = c.deliver
	go func() { _ = s.serve() }() // the link's one reader, from the bind_transceiver_resp on
	b := pdu.Bind{SystemID: c.cfg.SystemID, Password: c.cfg.Password, Version: 0x34}
	_, err = s.call(ctx, pdu.BindTransceiver, b.Marshal())
	if err != nil {
		s.close(err)
		var se *pdu.StatusError
		if errors.As(err, &se) && (se.Status == pdu.StatusInvPassword || se.Status == pdu.StatusInvSystemID || se.Status == pdu.StatusBindFail) {
			return nil, fmt.Errorf("%w: system id %q at %s: %s", ErrBind, c.cfg.SystemID, c.cfg.Addr, pdu.StatusText(se.Status))
		}
		return nil, fmt.Errorf("smpp: bind to %s: %w", c.cfg.Addr, err)
	}
	return s, nil
}

func (c *Client) unbind(s *session) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _ = s.call(ctx, pdu.Unbind, nil)
	s.close(errors.New("smpp: unbound"))
}

func (c *Client) setSession(s *session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s != nil {
		c.sess = s
		close(c.ready)
		return
	}
	c.sess = nil
	c.ready = make(chan struct{})
}

// session waits for a bound link.
func (c *Client) session(ctx context.Context) (*session, error) {
	for {
		c.mu.Lock()
		s, ready := c.sess, c.ready
		c.mu.Unlock()
		if s != nil {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return nil, dispatchd.Errorf(dispatchd.EUNAVAILABLE, "the SMS gateway is not connected")
		case <-ready:
		}
	}
}

// Send submits msg, cut into concatenated parts if it is long, and returns
// the gateway's id of its last part, the one whose delivery receipt is
// asked for. It waits for a bound link and for the rate limit until ctx is
// done. Errors: unavailable (no link, or it dropped: retry), invalid (the
// gateway refused the message), rate_limited (the gateway throttled).
func (c *Client) Send(ctx context.Context, msg Message) (string, error) {
	if msg.To == "" || msg.Text == "" {
		return "", dispatchd.Errorf(dispatchd.EINVALID, "an SMS needs a recipient and a text")
	}
	parts := split(msg.Text, byte(c.ref.Add(1)))
	var id string
	for i, p := range parts {
		s, err := c.session(ctx)
		if err != nil {
			return "", err
		}
		if err := c.limit.wait(ctx); err != nil {
			return "", dispatchd.Errorf(dispatchd.EUNAVAILABLE, "send sms %s: %v", msg.Ref, err)
		}
		m := pdu.SM{SrcTON: 0, SrcNPI: 0, Src: c.cfg.Source, DstTON: 1, DstNPI: 1, Dst: msg.To,
			ESMClass: p.esm, DataCoding: p.coding, Short: p.data}
		if i == len(parts)-1 {
			m.Registered = 1 // a receipt for the whole message: its last part
		}
		r, err := s.call(ctx, pdu.SubmitSM, m.Marshal())
		if err != nil {
			return "", sendError(msg.Ref, i, len(parts), err)
		}
		if id, err = pdu.ReadCString(r.Body); err != nil {
			return "", sendError(msg.Ref, i, len(parts), err)
		}
	}
	return id, nil
}

func sendError(ref string, i, n int, err error) error {
	var se *pdu.StatusError
	code := dispatchd.EUNAVAILABLE
	if errors.As(err, &se) {
		code = dispatchd.EINVALID
		if se.Status == pdu.StatusThrottled {
			code = dispatchd.ERATELIMITED
		}
	}
	e := dispatchd.Errorf(code, "send sms %s part %d of %d: %v", ref, i+1, n, err)
	e.Err = err
	return e
}

// deliver turns a deliver_sm into a Receipt or an MO for the handlers.
func (c *Client) deliver(m pdu.SM) {
	if m.ESMClass&pdu.ESMTypeMask == pdu.ESMDeliveryReceipt {
		r, final, ok := receiptOf(m)
		if !ok {
			c.log.Warn("smpp receipt not understood", "from", m.Src)
			return
		}
		if final && c.h.Receipt != nil {
			c.h.Receipt(r)
		}
		return
	}
	data := m.Short
	if len(data) == 0 {
		data = m.TLV[pdu.TagMessagePayload] // message_payload
	}
	if m.ESMClass&pdu.ESMUDHI != 0 {
		data, _, _ = pdu.StripUDH(data) // a long reply's parts arrive one by one
	}
	if c.h.MO != nil {
		c.h.MO(MO{From: m.Src, To: m.Dst, Text: strings.TrimSpace(pdu.DecodeText(m.DataCoding, data))})
	}
}

// receiptOf reads a receipt from the receipted_message_id and
// message_state parameters, or else from the text.
func receiptOf(m pdu.SM) (Receipt, bool, bool) {
	r, final, ok := parseReceipt(pdu.DecodeText(m.DataCoding, m.Short))
	if id := m.TLV[pdu.TagReceiptedMessageID]; len(id) > 0 {
		r.GatewayID, ok = strings.TrimRight(string(id), "\x00"), true
		if st := m.TLV[pdu.TagMessageState]; len(st) == 1 {
			r.State = messageStates[st[0]]
		}
		r.Status, final = stateStatus(r.State)
	}
	return r, final, ok && r.GatewayID != ""
}
