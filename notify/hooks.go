package notify

import (
	"context"
	"time"
)

// event is a receipt or a reply from a gateway.
type event struct {
	receipt   bool
	channel   string
	gatewayID string // a receipt's
	state     string // a receipt's: Delivered or Failed
	from      string // a reply's
	text      string // a reply's
	at        time.Time
}

// Receipt passes on a delivery receipt from channel's gateway: the message
// it had given gatewayID reached the phone (state Delivered) or not
// (Failed). It never blocks, so that a channel's reader may call it:
// past SenderConfig.Queue waiting, the receipt is dropped and logged.
func (s *Sender) Receipt(channel, gatewayID, state string) {
	s.queue(event{receipt: true, channel: channel, gatewayID: gatewayID, state: state, at: s.cfg.Now()})
}

// Reply passes on a message from a phone to channel's gateway. It never
// blocks, like Receipt.
func (s *Sender) Reply(channel, from, text string) {
	s.queue(event{channel: channel, from: from, text: text, at: s.cfg.Now()})
}

func (s *Sender) queue(e event) {
	select {
	case s.events <- e:
	default:
		s.log.Warn("outbox hooks queue full; dropped", "channel", e.channel, "receipt", e.receipt, "gateway_id", e.gatewayID)
	}
}

// parkFor is how long a receipt whose message is not recorded yet waits
// for it; recentFor, how long a sent message is remembered for receipts.
const (
	parkFor   = 5 * time.Minute
	recentFor = 2 * time.Minute
)

// hooks is the state of serveHooks: receipts waiting for their message,
// and the messages sent lately by gateway id. A gateway often sends the
// receipt before the send is recorded; the message's Sent hook must come
// first.
type hooks struct {
	parked map[string]event   // by channel and gateway id
	recent map[string]Message // by channel and gateway id
	seen   map[string]time.Time
}

func gwKey(channel, gatewayID string) string { return channel + "\x00" + gatewayID }

// serveHooks runs the hooks, one at a time, until settle is closed; then
// it serves what is already queued and returns.
func (s *Sender) serveHooks() {
	h := hooks{parked: map[string]event{}, recent: map[string]Message{}, seen: map[string]time.Time{}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case st, ok := <-s.settle:
			if !ok {
				s.drainHooks(&h)
				return
			}
			s.settled(&h, st)
		case e := <-s.events:
			s.event(&h, e)
		case <-tick.C:
			s.sweep(&h)
		}
	}
}

// drainHooks serves the events already queued, for a few seconds at most.
func (s *Sender) drainHooks(h *hooks) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case e := <-s.events:
			s.event(h, e)
		default:
			return
		}
	}
}

func (s *Sender) hookCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// settled runs the hooks of a recorded batch, then the receipts that
// waited for its messages.
func (s *Sender) settled(h *hooks, st settled) {
	ctx, cancel := s.hookCtx()
	defer cancel()
	if len(st.sent) > 0 && s.hooks.Sent != nil {
		if err := s.hooks.Sent(ctx, st.sent); err != nil {
			s.log.Error("outbox sent hook", "messages", len(st.sent), "err", err)
		}
	}
	if len(st.failed) > 0 && s.hooks.Failed != nil {
		if err := s.hooks.Failed(ctx, st.failed); err != nil {
			s.log.Error("outbox failed hook", "messages", len(st.failed), "err", err)
		}
	}
	s.mu.Lock()
	for _, id := range st.ids {
		delete(s.busy, id)
	}
	s.mu.Unlock()
	if s.hooks.Receipt == nil {
		return
	}
	now := s.cfg.Now()
	for _, m := range st.sent {
		k := gwKey(m.Channel, m.GatewayID)
		if e, ok := h.parked[k]; ok {
			delete(h.parked, k)
			s.receipt(ctx, m, e.state)
			continue
		}
		h.recent[k], h.seen[k] = m, now
	}
}

// event serves a receipt or a reply.
func (s *Sender) event(h *hooks, e event) {
	ctx, cancel := s.hookCtx()
	defer cancel()
	if !e.receipt {
		if s.hooks.Reply != nil {
			if err := s.hooks.Reply(ctx, e.from, e.text); err != nil {
				s.log.Error("outbox reply hook", "channel", e.channel, "err", err)
			}
		}
		return
	}
	if s.hooks.Receipt == nil {
		return
	}
	k := gwKey(e.channel, e.gatewayID)
	if m, ok := h.recent[k]; ok {
		delete(h.recent, k)
		delete(h.seen, k)
		s.receipt(ctx, m, e.state)
		return
	}
	if m := s.lookup(ctx, e); m != nil {
		s.receipt(ctx, *m, e.state)
		return
	}
	if len(h.parked) >= s.cfg.Queue {
		s.log.Warn("outbox receipts waiting for their messages: too many; dropped", "channel", e.channel, "gateway_id", e.gatewayID)
		return
	}
	h.parked[k] = e
}

// lookup returns the sent message a receipt names, once its Sent hook ran;
// nil while it is not recorded as sent, or its hooks have not run.
func (s *Sender) lookup(ctx context.Context, e event) *Message {
	m, err := s.store.ByGatewayID(ctx, e.channel, e.gatewayID)
	if err != nil || m.State != Sent {
		return nil
	}
	s.mu.Lock()
	_, busy := s.busy[m.ID]
	s.mu.Unlock()
	if busy {
		return nil
	}
	return m
}

func (s *Sender) receipt(ctx context.Context, m Message, state string) {
	if err := s.hooks.Receipt(ctx, m, state); err != nil {
		s.log.Error("outbox receipt hook", "message_id", m.ID, "err", err)
	}
}

// sweep forgets old sent messages, looks the parked receipts up again
// (their message may have been sent by another node, or before a
// restart), and drops those that waited too long.
func (s *Sender) sweep(h *hooks) {
	now := s.cfg.Now()
	for k, t := range h.seen {
		if now.Sub(t) > recentFor {
			delete(h.seen, k)
			delete(h.recent, k)
		}
	}
	if len(h.parked) == 0 {
		return
	}
	ctx, cancel := s.hookCtx()
	defer cancel()
	for k, e := range h.parked {
		if m := s.lookup(ctx, e); m != nil {
			delete(h.parked, k)
			s.receipt(ctx, *m, e.state)
		} else if now.Sub(e.at) > parkFor {
			delete(h.parked, k)
			s.log.Warn("outbox receipt for no sent message; dropped", "channel", e.channel, "gateway_id", e.gatewayID, "state", e.state)
		}
	}
}
