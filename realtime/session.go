package realtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"dispatchd"
)

// Writer is the transport under a session: one connection's outgoing side.
// A write fails when the client has not taken the frame by the deadline.
type Writer interface {
	Write(frame []byte, deadline time.Time) error
	Ping(deadline time.Time) error
}

// maxReplies bounds the answers (acks, errors) waiting for one client: a
// client that sends faster than it reads is closed.
const maxReplies = 64

// Session is one websocket connection's place in the hub. The transport
// runs one reader goroutine that calls Handle and Close, and one writer
// goroutine in Run.
type Session struct {
	hub   *Hub
	actor dispatchd.Actor
	// scope is what the actor's jurisdiction and desk see; everything
	// when they limit nothing, so that the whole deployment's sessions
	// take the path they always took.
	scope      dispatchd.Scope
	everything bool
	grant      Grant
	user       string           // the key of the hub's count per user
	sub        SubscribeRequest // written by the writer under hub.mu

	omu        sync.Mutex
	queue      []queued
	spare      []queued
	replies    [][]byte
	pendingSub *SubscribeRequest
	posPending bool
	closing    *CloseReason
	wake       chan struct{}

	lastSent atomic.Int64 // the last event id written, for the close reason
	// unsent counts the bytes of the event frames queued or being
	// written; peak is the most it ever was.
	unsent, peak atomic.Int64

	// The writer's own.
	subscribed bool
	skipTo     int64
	lastFlush  uint64
}

// Grant is what a session's connection was opened with: the reference of
// the login (auth.SessionRef), which the events that end the login name,
// and when the login expires (zero for never).
type Grant struct {
	Session string
	Expires time.Time
}

// Open starts a session for an authenticated actor on a new connection,
// for as long as g lasts. A user who holds PerUser connections already is
// refused with ERATELIMITED. The session counts against its user, and
// closes on the events that end g or change the user's rights, from now
// until Run returns or Discard is called.
func (h *Hub) Open(a dispatchd.Actor, g Grant) (*Session, error) {
	s := &Session{hub: h, actor: a, scope: a.Scope(), grant: g, user: a.UserID, wake: make(chan struct{}, 1)}
	s.everything = s.scope.Everything()
	if s.user == "" {
		// Only tests and benchmarks open sessions for nobody.
		return s, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.users[s.user]
	if len(set) >= h.cfg.PerUser {
		h.refused.Add(1)
		return nil, dispatchd.Errorf(dispatchd.ERATELIMITED, "at most %d live connections per user: close one first", h.cfg.PerUser)
	}
	if set == nil {
		set = map[*Session]struct{}{}
		h.users[s.user] = set
	}
	set[s] = struct{}{}
	return s, nil
}

// Discard ends a session whose connection never opened, or whose Run has
// returned: it no longer counts against its user.
func (s *Session) Discard() { s.hub.detach(s) }

type queued struct {
	id    int64
	frame []byte
}

func (s *Session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// push queues an event frame; a session whose queue is full, or that
// would have more than its budget unsent, is closed as slow, and push
// reports false.
func (s *Session) push(id int64, frame []byte) bool {
	s.omu.Lock()
	defer s.omu.Unlock()
	if s.closing != nil {
		return true
	}
	n := int64(len(frame))
	if len(s.queue) >= s.hub.cfg.EventBuffer || s.unsent.Load()+n > int64(s.hub.cfg.SendBudget) {
		s.closing = &CloseReason{CloseSlow, fmt.Sprintf("too slow for the event stream: resume with since=%d", s.lastSent.Load())}
		s.signal()
		return false
	}
	u := s.unsent.Add(n)
	if u > s.peak.Load() { // only push raises it, under omu
		s.peak.Store(u)
		storeMax(&s.hub.unsentPeak, u)
	}
	s.queue = append(s.queue, queued{id, frame})
	s.signal()
	return true
}

// dropQueued takes frames that will not be written off the unsent count.
func (s *Session) dropQueued(q []queued) {
	var n int64
	for _, e := range q {
		n += int64(len(e.frame))
	}
	s.unsent.Add(-n)
}

// Unsent returns the bytes of events waiting for the client now, queued
// or being written, and the most that ever waited.
func (s *Session) Unsent() (now, peak int64) { return s.unsent.Load(), s.peak.Load() }

func storeMax(a *atomic.Int64, v int64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}

func (s *Session) wakePositions() {
	s.omu.Lock()
	s.posPending = true
	s.omu.Unlock()
	s.signal()
}

// Close ends the session with a reason; the writer sends it and returns.
func (s *Session) Close(r CloseReason) { s.close(r) }

// close sets the reason the session ends, unless one is set already, and
// reports whether it did.
func (s *Session) close(r CloseReason) bool {
	s.omu.Lock()
	first := s.closing == nil
	if first {
		s.closing = &r
	}
	s.omu.Unlock()
	s.signal()
	return first
}

func (s *Session) reply(frame []byte) {
	s.omu.Lock()
	if len(s.replies) >= maxReplies {
		if s.closing == nil {
			s.closing = &CloseReason{ClosePolicy, "too many messages unanswered: read the answers"}
		}
	} else {
		s.replies = append(s.replies, frame)
	}
	s.omu.Unlock()
	s.signal()
}

// errorFrame is the answer to a message the server refused.
type errorFrame struct {
	Type    string                 `json:"type"`
	Code    string                 `json:"code"`
	Message string                 `json:"message"`
	Errors  []dispatchd.FieldError `json:"errors,omitempty"`
}

func encodeError(err error) []byte {
	f := errorFrame{Type: "error", Code: dispatchd.ErrorCode(err), Message: dispatchd.ErrorMessage(err)}
	var e *dispatchd.Error
	if errors.As(err, &e) {
		f.Errors = e.Fields
	}
	b, _ := json.Marshal(f)
	return b
}

// ackFrame answers a tracker's batch of positions.
type ackFrame struct {
	Type string `json:"type"`
	Result
}

var pongFrame = []byte(`{"type":"pong"}`)

// Handle takes one message from the client; none once the session is
// closing (a tracker deleted sends no more fixes).
func (s *Session) Handle(b []byte) {
	s.omu.Lock()
	closing := s.closing != nil
	s.omu.Unlock()
	if closing {
		return
	}
	m, err := DecodeMessage(b)
	if err != nil {
		s.hub.bad.Add(1)
		s.reply(encodeError(err))
		return
	}
	switch m.Op {
	case OpPing:
		s.reply(pongFrame)
	case OpSubscribe:
		if !s.actor.Is(readerRoles...) {
			s.hub.bad.Add(1)
			s.reply(encodeError(dispatchd.Errorf(dispatchd.EFORBIDDEN, "a %s may send positions, not subscribe", s.actor.Role)))
			return
		}
		sub, err := m.Subscribe()
		if err != nil {
			s.hub.bad.Add(1)
			s.reply(encodeError(err))
			return
		}
		s.omu.Lock()
		s.pendingSub = &sub
		s.omu.Unlock()
		s.signal()
	case OpPositions:
		if !s.actor.Is(reporterRoles...) {
			s.hub.bad.Add(1)
			s.reply(encodeError(dispatchd.Errorf(dispatchd.EFORBIDDEN, "a %s may not send positions", s.actor.Role)))
			return
		}
		res, err := s.hub.take(s.actor, m.Positions)
		if err != nil {
			s.reply(encodeError(err))
			return
		}
		b, _ := json.Marshal(ackFrame{"ack", res})
		s.reply(b)
	}
}

// Run writes to the client until the session closes, and returns why. It
// pings the client every PingEvery, and ends when the login it was opened
// with expires.
func (s *Session) Run(w Writer) CloseReason {
	defer s.hub.detach(s)
	ping := time.NewTicker(s.hub.cfg.PingEvery)
	defer ping.Stop()
	expired, stop := s.expiry()
	defer stop()
	for {
		select {
		case <-s.hub.done:
			return CloseReason{CloseGoingAway, "server shutting down"}
		case <-expired:
			s.hub.revoked.Add(1)
			return CloseReason{CloseRevoked, "the token expired: log in again"}
		case <-ping.C:
			if err := w.Ping(s.deadline()); err != nil {
				return CloseReason{CloseGoingAway, "ping failed"}
			}
			continue
		case <-s.wake:
		}
		s.omu.Lock()
		sub, replies, q, pos, closing := s.pendingSub, s.replies, s.queue, s.posPending, s.closing
		s.pendingSub, s.replies, s.posPending = nil, nil, false
		s.queue, s.spare = s.spare[:0], nil
		s.omu.Unlock()
		for _, r := range replies {
			if err := w.Write(r, s.deadline()); err != nil {
				return CloseReason{CloseGoingAway, "write failed"}
			}
		}
		if closing != nil {
			return *closing
		}
		if sub != nil {
			// Events queued before this subscription belong to the old
			// one; the new one starts from its own since.
			s.dropQueued(q)
			if r, ok := s.subscribe(w, *sub); !ok {
				return r
			}
			s.spare = q[:0]
			s.signal()
			continue
		}
		for i, e := range q {
			if e.id > s.skipTo {
				if err := w.Write(e.frame, s.deadline()); err != nil {
					return CloseReason{CloseGoingAway, "write failed"}
				}
				s.lastSent.Store(e.id)
			}
			s.unsent.Add(-int64(len(e.frame)))
			q[i] = queued{}
		}
		s.spare = q[:0]
		if pos && s.subscribed && s.sub.Topics.Has(TopicPositions) {
			frame, seq := s.hub.positionsSince(s.lastFlush, s.sub.BBox, s.scope.Prefix)
			s.lastFlush = seq
			if len(frame) > 0 {
				if err := w.Write(frame, s.deadline()); err != nil {
					return CloseReason{CloseGoingAway, "write failed"}
				}
				s.hub.frames.Add(1)
			}
		}
	}
}

// take hands a session's positions to accept, unless the hub has
// stopped.
func (h *Hub) take(a dispatchd.Actor, ps []Position) (Result, error) {
	h.amu.RLock()
	defer h.amu.RUnlock()
	if h.stopped {
		return Result{}, dispatchd.Errorf(dispatchd.EUNAVAILABLE, "the server is shutting down: send the positions again")
	}
	return h.accept(a, ps), nil
}

// stopTaking waits for the positions being taken and refuses any more.
func (h *Hub) stopTaking() {
	h.amu.Lock()
	h.stopped = true
	h.amu.Unlock()
}

// deadline is when the client must have taken a message written now.
func (s *Session) deadline() time.Time { return time.Now().Add(s.hub.cfg.WriteWait) }

// isTimeout reports whether a write failed at its deadline.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
