// Package smpptest runs a small SMPP 3.4 gateway (an SMSC) on loopback for
// tests and benchmarks of the SMS channel: a real peer speaking the
// protocol over TCP, not a mock of the client.
//
// It answers bind_transceiver (checking the password), submit_sm (with a
// message id, reassembling concatenated parts, and sending a delivery
// receipt when one is asked for), enquire_link and unbind, and sends MO
// messages on request.
package smpptest

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"unicode/utf16"

	"dispatchd/notify/smpp/internal/pdu"
)

// Message is a whole message as the gateway received it.
type Message struct {
	From, To, Text string
	Coding         byte   // data_coding: 0 default alphabet, 8 UCS2
	Parts          int    // how many short messages it came in
	ID             string // the message id given to its last part
}

// Server is an SMSC listening on 127.0.0.1.
type Server struct {
	ln       net.Listener
	password string
	received chan Message

	mu     sync.Mutex
	conns  map[net.Conn]*sync.Mutex // each bound link with its write lock
	parts  map[string][][]byte      // concatenated parts by sender, recipient and reference
	nextID int

	binds, enquires, submits atomic.Int64
	refuse                   atomic.Uint32
	seq                      atomic.Uint32
}

// New starts a Server that accepts any system id with password. Received
// messages are buffered up to buffer and dropped past that (count them
// with Submits).
func New(password string, buffer int) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, password: password, received: make(chan Message, buffer),
		conns: map[net.Conn]*sync.Mutex{}, parts: map[string][][]byte{}}
	go s.accept()
	return s, nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Received gives the messages submitted, whole.
func (s *Server) Received() <-chan Message { return s.received }

// Binds, EnquireLinks and Submits count what the server has answered.
func (s *Server) Binds() int64        { return s.binds.Load() }
func (s *Server) EnquireLinks() int64 { return s.enquires.Load() }
func (s *Server) Submits() int64      { return s.submits.Load() }

// Refuse makes every submit_sm answer with status (0 to accept again).
func (s *Server) Refuse(status uint32) { s.refuse.Store(status) }

// Close stops listening and drops every link.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.Drop()
	return err
}

// Drop closes every link, as a gateway that restarts does.
func (s *Server) Drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
		delete(s.conns, c)
	}
}

// MO sends a reply from a phone to every bound client, in UCS2 unless it
// is ASCII.
func (s *Server) MO(from, to, text string) {
	m := pdu.SM{Src: from, Dst: to, Short: []byte(text)}
	for _, r := range text {
		if r >= 0x80 {
			m.DataCoding, m.Short = pdu.CodingUCS2, pdu.UCS2(utf16.Encode([]rune(text)))
			break
		}
	}
	s.Deliver(m)
}

// Deliver sends a deliver_sm to every bound client.
func (s *Server) Deliver(m pdu.SM) {
	s.mu.Lock()
	var cs []net.Conn
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		s.write(c, pdu.PDU{ID: pdu.DeliverSM, Seq: 0x40000000 + s.seq.Add(1), Body: m.Marshal()})
	}
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.serve(c)
	}
}

func (s *Server) write(c net.Conn, p pdu.PDU) {
	s.mu.Lock()
	wl := s.conns[c]
	s.mu.Unlock()
	if wl == nil {
		return
	}
	wl.Lock()
	defer wl.Unlock()
	_, _ = c.Write(p.Marshal())
}

func (s *Server) serve(c net.Conn) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	p, err := pdu.Read(c)
	if err != nil || p.ID != pdu.BindTransceiver {
		return
	}
	b, err := pdu.ParseBind(p.Body)
	if err != nil || b.Password != s.password {
		_, _ = c.Write(pdu.PDU{ID: p.ID | pdu.Resp, Status: pdu.StatusInvPassword, Seq: p.Seq}.Marshal())
		return
	}
	s.mu.Lock()
	s.conns[c] = &sync.Mutex{}
	s.mu.Unlock()
	s.binds.Add(1)
	s.write(c, pdu.PDU{ID: p.ID | pdu.Resp, Seq: p.Seq, Body: pdu.CString("smpptest")})
	for {
		p, err := pdu.Read(c)
		if err != nil {
			return
		}
		switch p.ID {
		case pdu.EnquireLink:
			s.enquires.Add(1)
			s.write(c, pdu.PDU{ID: p.ID | pdu.Resp, Seq: p.Seq})
		case pdu.Unbind:
			s.write(c, pdu.PDU{ID: p.ID | pdu.Resp, Seq: p.Seq})
			return
		case pdu.SubmitSM:
			s.submit(c, p)
		case pdu.DeliverSM | pdu.Resp, pdu.EnquireLink | pdu.Resp:
		default:
			s.write(c, pdu.PDU{ID: pdu.GenericNack, Status: pdu.StatusInvalidCmd, Seq: p.Seq})
		}
	}
}

func (s *Server) submit(c net.Conn, p pdu.PDU) {
	m, err := pdu.ParseSM(p.Body)
	if err != nil {
		s.write(c, pdu.PDU{ID: p.ID | pdu.Resp, Status: pdu.StatusSysErr, Seq: p.Seq})
		return
	}
	s.submits.Add(1)
	if st := s.refuse.Load(); st != pdu.StatusOK {
		s.write(c, pdu.PDU{ID: p.ID | pdu.Resp, Status: st, Seq: p.Seq})
		return
	}
	whole, n, ok := m.Short, 1, true
	s.mu.Lock()
	if m.ESMClass&pdu.ESMUDHI != 0 {
		whole, n, ok = s.reassemble(m)
	}
	s.nextID++
	id := fmt.Sprintf("gw%08d", s.nextID)
	s.mu.Unlock()
	if !ok {
		s.write(c, pdu.PDU{ID: p.ID | pdu.Resp, Status: pdu.StatusSysErr, Seq: p.Seq})
		return
	}
	s.write(c, pdu.PDU{ID: p.ID | pdu.Resp, Seq: p.Seq, Body: pdu.CString(id)})
	if n > 0 {
		select {
		case s.received <- Message{From: m.Src, To: m.Dst, Text: pdu.DecodeText(m.DataCoding, whole), Coding: m.DataCoding, Parts: n, ID: id}:
		default:
		}
	}
	if m.Registered&1 != 0 {
		text := fmt.Sprintf("id:%s sub:001 dlvrd:001 submit date:2612062300 done date:2612062301 stat:DELIVRD err:000 text:", id)
		s.Deliver(pdu.SM{Src: m.Dst, Dst: m.Src, ESMClass: pdu.ESMDeliveryReceipt, Short: []byte(text)})
	}
}

// reassemble keeps a part and returns the whole text and the number of
// parts once all have come (n is 0 before). Called with mu held.
func (s *Server) reassemble(m pdu.SM) (whole []byte, n int, ok bool) {
	text, ci, ok := pdu.StripUDH(m.Short)
	if !ok || ci.Total == 0 || ci.SeqNo == 0 || ci.SeqNo > ci.Total {
		return nil, 0, false
	}
	key := fmt.Sprintf("%s/%s/%d", m.Src, m.Dst, ci.Ref)
	if len(s.parts[key]) != int(ci.Total) {
		s.parts[key] = make([][]byte, ci.Total)
	}
	s.parts[key][ci.SeqNo-1] = text
	for _, part := range s.parts[key] {
		if part == nil {
			return nil, 0, true
		}
		whole = append(whole, part...)
	}
	delete(s.parts, key)
	return whole, int(ci.Total), true
}
