package smpp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// SMPP 3.4 command ids (section 5.1.2.1).
const (
	cmdGenericNack     uint32 = 0x80000000
	cmdBindTransceiver uint32 = 0x00000009
	cmdSubmitSM        uint32 = 0x00000004
	cmdDeliverSM       uint32 = 0x00000005
	cmdUnbind          uint32 = 0x00000006
	cmdEnquireLink     uint32 = 0x00000015
	respBit            uint32 = 0x80000000
)

// SMPP 3.4 command_status values (section 5.1.3) that this package names.
const (
	statusOK          uint32 = 0x00000000
	statusInvalidCmd  uint32 = 0x00000003
	statusBindFail    uint32 = 0x0000000D
	statusInvPassword uint32 = 0x0000000E
	statusInvSystemID uint32 = 0x0000000F
	statusSysErr      uint32 = 0x00000008
	statusThrottled   uint32 = 0x00000058
)

// Optional parameter tags read from a deliver_sm (section 5.3.2).
const (
	tagReceiptedMessageID uint16 = 0x001E
	tagMessageState       uint16 = 0x0427
)

const (
	headerLen = 16
	// maxPDULen bounds what a peer can make us allocate; a submit_sm or
	// deliver_sm with every field at its maximum and a message_payload is
	// far below it.
	maxPDULen = 64 << 10
)

// pdu is one SMPP protocol data unit: the header's fields and the raw body.
type pdu struct {
	id     uint32
	status uint32
	seq    uint32
	body   []byte
}

func (p pdu) marshal() []byte {
	b := make([]byte, headerLen, headerLen+len(p.body))
	binary.BigEndian.PutUint32(b[0:], uint32(headerLen+len(p.body)))
	binary.BigEndian.PutUint32(b[4:], p.id)
	binary.BigEndian.PutUint32(b[8:], p.status)
	binary.BigEndian.PutUint32(b[12:], p.seq)
	return append(b, p.body...)
}

var errPDULength = errors.New("smpp: pdu length out of range")

// readPDU reads one PDU from r.
func readPDU(r io.Reader) (pdu, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return pdu{}, err
	}
	n := binary.BigEndian.Uint32(h[0:])
	if n < headerLen || n > maxPDULen {
		return pdu{}, fmt.Errorf("%w: %d", errPDULength, n)
	}
	p := pdu{
		id:     binary.BigEndian.Uint32(h[4:]),
		status: binary.BigEndian.Uint32(h[8:]),
		seq:    binary.BigEndian.Uint32(h[12:]),
		body:   make([]byte, n-headerLen),
	}
	if _, err := io.ReadFull(r, p.body); err != nil {
		return pdu{}, err
	}
	return p, nil
}

// enc appends SMPP fields to a body.
type enc []byte

func (e enc) cstr(s string) enc { return append(append(e, s...), 0) }
func (e enc) u8(b byte) enc     { return append(e, b) }

// dec reads SMPP fields from a body; the first error sticks.
type dec struct {
	b   []byte
	err error
}

var errShort = errors.New("smpp: truncated field")

func (d *dec) cstr(max int) string {
	if d.err != nil {
		return ""
	}
	for i, c := range d.b {
		if c == 0 {
			if i+1 > max {
				d.err = fmt.Errorf("smpp: c-octet string longer than %d", max)
				return ""
			}
			s := string(d.b[:i])
			d.b = d.b[i+1:]
			return s
		}
	}
	d.err = errShort
	return ""
}

func (d *dec) u8() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.err = errShort
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *dec) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = errShort
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

// bind is the body of bind_transceiver (section 4.1.5).
type bind struct {
	SystemID, Password, SystemType string
	Version, TON, NPI              byte
	AddressRange                   string
}

func (b bind) marshal() []byte {
	return enc(nil).cstr(b.SystemID).cstr(b.Password).cstr(b.SystemType).
		u8(b.Version).u8(b.TON).u8(b.NPI).cstr(b.AddressRange)
}

func parseBind(body []byte) (bind, error) {
	d := dec{b: body}
	b := bind{
		SystemID: d.cstr(16), Password: d.cstr(9), SystemType: d.cstr(13),
		Version: d.u8(), TON: d.u8(), NPI: d.u8(), AddressRange: d.cstr(41),
	}
	if d.err != nil {
		return bind{}, fmt.Errorf("parse bind: %w", d.err)
	}
	return b, nil
}

// sm is the body shared by submit_sm and deliver_sm (sections 4.4.1 and
// 4.6.1), with the optional parameters that follow it.
type sm struct {
	ServiceType        string
	SrcTON, SrcNPI     byte
	Src                string
	DstTON, DstNPI     byte
	Dst                string
	ESMClass           byte
	ProtocolID         byte
	Priority           byte
	Schedule, Validity string
	Registered         byte
	ReplaceIfPresent   byte
	DataCoding         byte
	DefaultMsgID       byte
	Short              []byte
	TLV                map[uint16][]byte
}

// ESM class bits (section 5.2.12).
const (
	esmUDHI          byte = 0x40
	esmTypeMask      byte = 0x3C
	esmTypeDelivRcpt byte = 0x04
)

func (s sm) marshal() []byte {
	e := enc(nil).cstr(s.ServiceType).u8(s.SrcTON).u8(s.SrcNPI).cstr(s.Src).
		u8(s.DstTON).u8(s.DstNPI).cstr(s.Dst).u8(s.ESMClass).u8(s.ProtocolID).
		u8(s.Priority).cstr(s.Schedule).cstr(s.Validity).u8(s.Registered).
		u8(s.ReplaceIfPresent).u8(s.DataCoding).u8(s.DefaultMsgID).
		u8(byte(len(s.Short)))
	e = append(e, s.Short...)
	for tag, v := range s.TLV {
		e = binary.BigEndian.AppendUint16(e, tag)
		e = binary.BigEndian.AppendUint16(e, uint16(len(v)))
		e = append(e, v...)
	}
	return e
}

func parseSM(body []byte) (sm, error) {
	d := dec{b: body}
	s := sm{
		ServiceType: d.cstr(6), SrcTON: d.u8(), SrcNPI: d.u8(), Src: d.cstr(21),
		DstTON: d.u8(), DstNPI: d.u8(), Dst: d.cstr(21), ESMClass: d.u8(),
		ProtocolID: d.u8(), Priority: d.u8(), Schedule: d.cstr(17), Validity: d.cstr(17),
		Registered: d.u8(), ReplaceIfPresent: d.u8(), DataCoding: d.u8(), DefaultMsgID: d.u8(),
	}
	s.Short = d.bytes(int(d.u8()))
	for d.err == nil && len(d.b) > 0 {
		hdr := d.bytes(4)
		if d.err != nil {
			break
		}
		tag, n := binary.BigEndian.Uint16(hdr), binary.BigEndian.Uint16(hdr[2:])
		v := d.bytes(int(n))
		if d.err == nil {
			if s.TLV == nil {
				s.TLV = map[uint16][]byte{}
			}
			s.TLV[tag] = v
		}
	}
	if d.err != nil {
		return sm{}, fmt.Errorf("parse short message: %w", d.err)
	}
	return s, nil
}

// statusError is a non-zero command_status from the peer.
type statusError struct {
	cmd    uint32
	status uint32
}

func (e *statusError) Error() string {
	return fmt.Sprintf("smpp: %s refused with status 0x%08X (%s)", cmdName(e.cmd), e.status, statusText(e.status))
}

func cmdName(id uint32) string {
	switch id &^ respBit {
	case cmdBindTransceiver:
		return "bind_transceiver"
	case cmdSubmitSM:
		return "submit_sm"
	case cmdDeliverSM:
		return "deliver_sm"
	case cmdUnbind:
		return "unbind"
	case cmdEnquireLink:
		return "enquire_link"
	}
	return fmt.Sprintf("command 0x%08X", id)
}

func statusText(s uint32) string {
	switch s {
	case statusOK:
		return "ok"
	case statusInvalidCmd:
		return "invalid command"
	case statusSysErr:
		return "system error"
	case statusBindFail:
		return "bind failed"
	case statusInvPassword:
		return "invalid password"
	case statusInvSystemID:
		return "invalid system id"
	case statusThrottled:
		return "throttled"
	}
	return "unknown"
}
