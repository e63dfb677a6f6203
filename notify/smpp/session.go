package smpp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"dispatchd/notify/smpp/internal/pdu"
)

// errClosed says the link dropped while a request was waiting.
var errClosed = errors.New("smpp: link closed")

// session is one bound connection: one reader goroutine (serve), writers
// serialised by mu, responses matched to requests by sequence number.
type session struct {
	conn    net.Conn
	timeout time.Duration
	deliver func(pdu.SM) // called on the reader goroutine for each deliver_sm

	mu      sync.Mutex // guards seq, pending and writes to conn
	seq     uint32
	pending map[uint32]chan pdu.PDU
	done    chan struct{}
	once    sync.Once
	err     error // why done was closed, set before
}

func newSession(conn net.Conn, timeout time.Duration) *session {
	return &session{conn: conn, timeout: timeout, pending: map[uint32]chan pdu.PDU{}, done: make(chan struct{})}
}

func (s *session) close(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.done)
		s.conn.Close()
	})
}

// write sends one PDU under the write deadline.
func (s *session) write(p pdu.PDU) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(p)
}

func (s *session) writeLocked(p pdu.PDU) error {
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.timeout))
	if _, err := s.conn.Write(p.Marshal()); err != nil {
		s.close(err)
		return fmt.Errorf("smpp: write %s: %w", pdu.CmdName(p.ID), err)
	}
	return nil
}

// call sends a request and waits for its response. A response with a
// non-zero status is returned as a *pdu.StatusError.
func (s *session) call(ctx context.Context, id uint32, body []byte) (pdu.PDU, error) {
	ch := make(chan pdu.PDU, 1)
	s.mu.Lock()
	s.seq = s.seq%0x7FFFFFFF + 1
	seq := s.seq
	s.pending[seq] = ch
	err := s.writeLocked(pdu.PDU{ID: id, Seq: seq, Body: body})
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, seq)
		s.mu.Unlock()
	}()
	if err != nil {
		return pdu.PDU{}, err
	}
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		if r.ID == pdu.GenericNack || r.Status != pdu.StatusOK {
			return r, &pdu.StatusError{Cmd: id, Status: r.Status}
		}
		return r, nil
	case <-s.done:
		return pdu.PDU{}, fmt.Errorf("%s: %w", pdu.CmdName(id), errClosed)
	case <-t.C:
		err := fmt.Errorf("smpp: no %s_resp within %s", pdu.CmdName(id), s.timeout)
		s.close(err) // a link that does not answer is dead
		return pdu.PDU{}, err
	case <-ctx.Done():
		return pdu.PDU{}, ctx.Err()
	}
}

// serve reads PDUs until the link drops, answering the gateway's requests
// and handing responses to their callers.
func (s *session) serve() error {
	for {
		p, err := pdu.Read(s.conn)
		if err != nil {
			s.close(err)
			return s.err
		}
		switch {
		case p.ID&pdu.Resp != 0:
			s.mu.Lock()
			ch := s.pending[p.Seq]
			s.mu.Unlock()
			if ch != nil {
				select {
				case ch <- p:
				default: // a duplicate response: the first one counts
				}
			}
		case p.ID == pdu.DeliverSM:
			status := pdu.StatusOK
			if m, err := pdu.ParseSM(p.Body); err != nil {
				status = pdu.StatusSysErr
			} else if s.deliver != nil {
				s.deliver(m) // before the resp: a crash here makes the gateway redeliver
			}
			_ = s.write(pdu.PDU{ID: pdu.DeliverSM | pdu.Resp, Status: status, Seq: p.Seq, Body: []byte{0}})
		case p.ID == pdu.EnquireLink:
			_ = s.write(pdu.PDU{ID: pdu.EnquireLink | pdu.Resp, Seq: p.Seq})
		case p.ID == pdu.Unbind:
			_ = s.write(pdu.PDU{ID: pdu.Unbind | pdu.Resp, Seq: p.Seq})
			s.close(errors.New("smpp: gateway unbound"))
			return s.err
		default:
			_ = s.write(pdu.PDU{ID: pdu.GenericNack, Status: pdu.StatusInvalidCmd, Seq: p.Seq})
		}
	}
}

// keepalive sends enquire_link every interval until the session ends; a
// link that does not answer is closed, which ends serve.
func (s *session) keepalive(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			if _, err := s.call(context.Background(), pdu.EnquireLink, nil); err != nil {
				s.close(fmt.Errorf("smpp: keepalive: %w", err))
				return
			}
		}
	}
}
