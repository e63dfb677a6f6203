package smpp

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// smsc is a small SMPP 3.4 gateway on loopback, built on this package's
// codec: it answers bind_transceiver (checking the password), submit_sm
// (reassembling concatenated parts and sending a delivery receipt when
// one is asked for), enquire_link and unbind, and sends MO messages.
type smsc struct {
	t        *testing.T
	ln       net.Listener
	password string

	mu      sync.Mutex
	conns   map[net.Conn]*sync.Mutex // each with its write lock
	parts   map[string][][]byte      // reassembly by dst and reference
	nextID  int
	binds   atomic.Int32
	enquire atomic.Int32
	submits atomic.Int32
	refuse  atomic.Uint32 // a status to answer every submit_sm with

	received chan received // whole messages, reassembled
}

type received struct {
	To, Text string
	Coding   byte
	Parts    int
	ID       string // of the last part
}

func newSMSC(t *testing.T, password string) *smsc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smsc{t: t, ln: ln, password: password, conns: map[net.Conn]*sync.Mutex{},
		parts: map[string][][]byte{}, received: make(chan received, 100)}
	go s.accept()
	t.Cleanup(func() { ln.Close(); s.drop() })
	return s
}

func (s *smsc) addr() string { return s.ln.Addr().String() }

func (s *smsc) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.serve(c)
	}
}

// drop closes every connection, as a gateway that restarts does.
func (s *smsc) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
		delete(s.conns, c)
	}
}

func (s *smsc) write(c net.Conn, p pdu) {
	s.mu.Lock()
	wl := s.conns[c]
	s.mu.Unlock()
	if wl == nil {
		return
	}
	wl.Lock()
	defer wl.Unlock()
	_, _ = c.Write(p.marshal())
}

var seqMO atomic.Uint32

// mo sends a deliver_sm to every bound client.
func (s *smsc) mo(m sm) {
	s.mu.Lock()
	var cs []net.Conn
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		s.write(c, pdu{id: cmdDeliverSM, seq: 0x40000000 + seqMO.Add(1), body: m.marshal()})
	}
}

func (s *smsc) serve(c net.Conn) {
	defer c.Close()
	p, err := readPDU(c)
	if err != nil || p.id != cmdBindTransceiver {
		return
	}
	b, err := parseBind(p.body)
	if err != nil || b.Password != s.password {
		_, _ = c.Write(pdu{id: p.id | respBit, status: statusInvPassword, seq: p.seq}.marshal())
		return
	}
	s.mu.Lock()
	s.conns[c] = &sync.Mutex{}
	s.mu.Unlock()
	s.binds.Add(1)
	s.write(c, pdu{id: p.id | respBit, seq: p.seq, body: enc(nil).cstr("testsmsc")})
	for {
		p, err := readPDU(c)
		if err != nil {
			return
		}
		switch p.id {
		case cmdEnquireLink:
			s.enquire.Add(1)
			s.write(c, pdu{id: p.id | respBit, seq: p.seq})
		case cmdUnbind:
			s.write(c, pdu{id: p.id | respBit, seq: p.seq})
			return
		case cmdSubmitSM:
			s.submit(c, p)
		case cmdDeliverSM | respBit, cmdEnquireLink | respBit:
		default:
			s.write(c, pdu{id: cmdGenericNack, status: statusInvalidCmd, seq: p.seq})
		}
	}
}

func (s *smsc) submit(c net.Conn, p pdu) {
	m, err := parseSM(p.body)
	if err != nil {
		s.write(c, pdu{id: p.id | respBit, status: statusSysErr, seq: p.seq})
		return
	}
	s.submits.Add(1)
	if st := s.refuse.Load(); st != statusOK {
		s.write(c, pdu{id: p.id | respBit, status: st, seq: p.seq})
		return
	}
	s.mu.Lock()
	s.nextID++
	id := fmt.Sprintf("gw%06d", s.nextID)
	whole, n := m.Short, 1
	if m.ESMClass&esmUDHI != 0 {
		text, ci, ok := stripUDH(m.Short)
		if !ok || ci.total == 0 || ci.seqNo == 0 || ci.seqNo > ci.total {
			s.mu.Unlock()
			s.write(c, pdu{id: p.id | respBit, status: statusSysErr, seq: p.seq})
			return
		}
		key := fmt.Sprintf("%s/%d", m.Dst, ci.ref)
		if s.parts[key] == nil {
			s.parts[key] = make([][]byte, ci.total)
		}
		s.parts[key][ci.seqNo-1] = text
		whole, n = nil, int(ci.total)
		for _, part := range s.parts[key] {
			if part == nil {
				n = 0 // not complete yet
				break
			}
			whole = append(whole, part...)
		}
		if n > 0 {
			delete(s.parts, key)
		}
	}
	s.mu.Unlock()
	s.write(c, pdu{id: p.id | respBit, seq: p.seq, body: enc(nil).cstr(id)})
	if n > 0 {
		s.received <- received{To: m.Dst, Text: decodeText(m.DataCoding, whole), Coding: m.DataCoding, Parts: n, ID: id}
	}
	if m.Registered&1 != 0 {
		text := fmt.Sprintf("id:%s sub:001 dlvrd:001 submit date:2612062300 done date:2612062301 stat:DELIVRD err:000 text:%.20s", id, "")
		s.mo(sm{Src: m.Dst, Dst: m.Src, ESMClass: esmTypeDelivRcpt, Short: []byte(text)})
	}
}
