package notify

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"dispatchd"
)

// outcome is one send's result with its message, for the acker.
type outcome struct {
	res Result
	msg Message
}

// dispatch claims the channel's due messages in batches and sends them,
// within its rate and window, until ctx is done; then it gives back what
// it claimed and did not send, and waits for its sends under way.
func (s *Sender) dispatch(ctx context.Context, r *route, results chan<- outcome) {
	window := make(chan struct{}, r.cfg.InFlight)
	var sends sync.WaitGroup
	defer sends.Wait()
	// A batch must be sent well before its claim runs out.
	batch := max(1, min(s.cfg.Batch, int(r.cfg.Rate*s.cfg.ClaimFor.Seconds()/4)))
	for ctx.Err() == nil {
		msgs, outs, codes, err := s.due(ctx, r, batch)
		if err == nil && len(msgs) > 0 {
			var claimed []Message
			claimed, err = s.claim(ctx, msgs, codes)
			for i, m := range claimed {
				if !s.start(ctx, r, window, &sends, m, outs[m.ID], results) {
					s.giveBack(claimed[i:], results)
					return
				}
			}
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("outbox claim", "channel", r.name, "err", err)
		}
		if err == nil && len(msgs) == batch {
			continue // more may be due
		}
		t := time.NewTimer(s.cfg.Poll)
		select {
		case <-ctx.Done():
		case <-r.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// due reads the channel's due messages that this sender is not already
// sending, and makes their texts: a fresh code for each link.
func (s *Sender) due(ctx context.Context, r *route, limit int) ([]Message, map[string]Outgoing, []Code, error) {
	now := s.cfg.Now()
	list, err := s.store.Due(ctx, r.name, now, limit)
	if err != nil {
		return nil, nil, nil, err
	}
	msgs := list[:0]
	outs := make(map[string]Outgoing, len(list))
	var codes []Code
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range list {
		if _, ok := s.busy[m.ID]; ok {
			continue
		}
		text := m.Body
		if strings.Contains(text, Link) {
			code, hash := NewCode()
			codes = append(codes, Code{Hash: hash, Kind: m.Kind, Subject: m.Subject, Expires: m.LinkExpires, Created: now})
			text = strings.ReplaceAll(text, Link, s.cfg.LinkBase+"/a/"+code)
		}
		msgs = append(msgs, m)
		outs[m.ID] = Outgoing{ID: m.ID, Kind: m.Kind, Subject: m.Subject, Recipient: m.Recipient, Text: text, Created: m.CreatedAt}
	}
	return msgs, outs, codes, nil
}

// claim claims msgs while the lease is surely ours, and returns those
// claimed, marked busy. The claim runs to its end even when ctx is done,
// so that a claim committed is always known and given back.
func (s *Sender) claim(ctx context.Context, msgs []Message, codes []Code) ([]Message, error) {
	now := s.cfg.Now()
	if !s.holds(now.Add(s.cfg.Lease / 3)) {
		return nil, nil
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	got, err := s.store.Claim(bg, ids, now, now.Add(s.cfg.ClaimFor), codes)
	if err != nil {
		return nil, err
	}
	in := make(map[string]bool, len(got))
	for _, id := range got {
		in[id] = true
	}
	claimed := msgs[:0]
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		if in[m.ID] {
			m.Attempts++
			s.busy[m.ID] = struct{}{}
			claimed = append(claimed, m)
		}
	}
	return claimed, nil
}

// start waits for the rate and a place in the window, then sends m on a
// goroutine of its own. It returns false, having sent nothing, when ctx
// is done first.
func (s *Sender) start(ctx context.Context, r *route, window chan struct{}, sends *sync.WaitGroup, m Message, out Outgoing, results chan<- outcome) bool {
	if err := r.limit.Wait(ctx); err != nil {
		return false
	}
	select {
	case window <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	sends.Go(func() {
		defer func() { <-window }()
		// A send under way finishes when the sender stops: its result is
		// recorded, so that it is not sent twice.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Timeout)
		defer cancel()
		id, err := r.ch.Send(sctx, out)
		results <- outcome{res: s.result(r, m, id, err), msg: m}
	})
	return true
}

// result makes the record of one send: sent, failed for good, or pending
// until a backoff with jitter.
func (s *Sender) result(r *route, m Message, gatewayID string, err error) Result {
	now := s.cfg.Now()
	res := Result{ID: m.ID, At: now}
	switch {
	case err == nil:
		res.State, res.GatewayID = Sent, gatewayID
		if res.GatewayID == "" {
			res.GatewayID = m.ID
		}
	case dispatchd.ErrorCode(err) == dispatchd.EINVALID || m.Attempts >= r.cfg.MaxAttempts:
		res.State, res.Error = Failed, err.Error()
	default:
		res.State, res.Error = Pending, err.Error()
		res.NextAt = now.Add(backoff(r.cfg, m.Attempts))
	}
	return res
}

// backoff is the wait after the nth failed attempt: MinBackoff doubled
// each time up to MaxBackoff, of which a random half.
func backoff(cfg ChannelConfig, attempts int) time.Duration {
	d := cfg.MinBackoff
	for i := 1; i < attempts && d < cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// giveBack makes claimed messages that were not sent due again at once.
func (s *Sender) giveBack(msgs []Message, results chan<- outcome) {
	now := s.cfg.Now()
	for _, m := range msgs {
		results <- outcome{res: Result{ID: m.ID, State: Pending, NextAt: now, At: now, Error: "the sender stopped before sending it"}, msg: m}
	}
}

// settled is a batch recorded in the outbox, for the hooks.
type settled struct {
	sent, failed []Message
	ids          []string // every id of the batch
}

// ack records results in batches: what is waiting when the last batch is
// recorded makes the next. It returns when results is closed, once the
// last is recorded.
func (s *Sender) ack(results <-chan outcome) {
	const most = 500
	for {
		o, ok := <-results
		if !ok {
			return
		}
		batch := []outcome{o}
	fill:
		for len(batch) < most {
			select {
			case o, ok := <-results:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		s.record(batch)
	}
}

// record writes one batch of results, trying for a while if the database
// fails: a send not recorded would be sent again once its claim runs out.
func (s *Sender) record(batch []outcome) {
	res := make([]Result, len(batch))
	var st settled
	for i, o := range batch {
		res[i] = o.res
		st.ids = append(st.ids, o.res.ID)
		m := o.msg
		switch o.res.State {
		case Sent:
			m.State, m.GatewayID, m.SentAt = Sent, o.res.GatewayID, &o.res.At
			st.sent = append(st.sent, m)
		case Failed:
			m.State, m.LastError, m.FinalAt = Failed, o.res.Error, &o.res.At
			st.failed = append(st.failed, m)
		}
	}
	err := retry(context.Background(), 30*time.Second, func(ctx context.Context) error { return s.store.Acked(ctx, res) })
	if err != nil {
		s.log.Error("outbox results not recorded; they are sent again when their claims run out", "messages", len(res), "err", err)
		st.sent, st.failed = nil, nil
	}
	s.settle <- st
}
