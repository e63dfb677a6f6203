// Package pdu encodes and decodes the SMPP 3.4 protocol data units that a
// transceiver and a small gateway exchange.
package pdu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// SMPP 3.4 command ids (section 5.1.2.1).
const (
	GenericNack     uint32 = 0x80000000
	BindTransceiver uint32 = 0x00000009
	SubmitSM        uint32 = 0x00000004
	DeliverSM       uint32 = 0x00000005
	Unbind          uint32 = 0x00000006
	EnquireLink     uint32 = 0x00000015
	Resp            uint32 = 0x80000000
)

// SMPP 3.4 command_status values (section 5.1.3) that this package names.
const (
	StatusOK          uint32 = 0x00000000
	StatusInvalidCmd  uint32 = 0x00000003
	StatusBindFail    uint32 = 0x0000000D
	StatusInvPassword uint32 = 0x0000000E
	StatusInvSystemID uint32 = 0x0000000F
	StatusSysErr      uint32 = 0x00000008
	StatusThrottled   uint32 = 0x00000058
)

// Optional parameter tags read from a deliver_sm (section 5.3.2).
const (
	TagReceiptedMessageID uint16 = 0x001E
	TagMessageState       uint16 = 0x0427
	TagMessagePayload     uint16 = 0x0424
)

const (
	headerLen = 16
	// maxPDULen bounds what a peer can make us allocate; a submit_sm or
	// deliver_sm with every field at its maximum and a message_payload is
	// far below it.
	maxPDULen = 64 << 10
)

// PDU is one SMPP protocol data unit: the header's fields and the raw body.
type PDU struct {
	ID     uint32
	Status uint32
	Seq    uint32
	Body   []byte
}

// Marshal encodes the PDU with its header.
func (p PDU) Marshal() []byte {
	b := make([]byte, headerLen, headerLen+len(p.Body))
	binary.BigEndian.PutUint32(b[0:], uint32(headerLen+len(p.Body)))
	binary.BigEndian.PutUint32(b[4:], p.ID)
	binary.BigEndian.PutUint32(b[8:], p.Status)
	binary.BigEndian.PutUint32(b[12:], p.Seq)
	return append(b, p.Body...)
}

var errPDULength = errors.New("smpp: pdu length out of range")

// Read reads one PDU from r.
func Read(r io.Reader) (PDU, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return PDU{}, err
	}
	n := binary.BigEndian.Uint32(h[0:])
	if n < headerLen || n > maxPDULen {
		return PDU{}, fmt.Errorf("%w: %d", errPDULength, n)
	}
	p := PDU{
		ID:     binary.BigEndian.Uint32(h[4:]),
		Status: binary.BigEndian.Uint32(h[8:]),
		Seq:    binary.BigEndian.Uint32(h[12:]),
		Body:   make([]byte, n-headerLen),
	}
	if _, err := io.ReadFull(r, p.Body); err != nil {
		return PDU{}, err
	}
	return p, nil
}

// CString is a body that holds one C-octet string, as a bind or
// submit_sm response carries its id.
func CString(s string) []byte { return enc(nil).cstr(s) }

// ReadCString reads the C-octet string a response body starts with.
func ReadCString(body []byte) (string, error) {
	d := dec{b: body}
	s := d.cstr(65)
	return s, d.err
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

// Bind is the body of bind_transceiver (section 4.1.5).
type Bind struct {
	SystemID, Password, SystemType string
	Version, TON, NPI              byte
	AddressRange                   string
}

// Marshal encodes the body.
func (b Bind) Marshal() []byte {
	return enc(nil).cstr(b.SystemID).cstr(b.Password).cstr(b.SystemType).
		u8(b.Version).u8(b.TON).u8(b.NPI).cstr(b.AddressRange)
}

// ParseBind reads a bind_transceiver body.
func ParseBind(body []byte) (Bind, error) {
	d := dec{b: body}
	b := Bind{
		SystemID: d.cstr(16), Password: d.cstr(9), SystemType: d.cstr(13),
		Version: d.u8(), TON: d.u8(), NPI: d.u8(), AddressRange: d.cstr(41),
	}
	if d.err != nil {
		return Bind{}, fmt.Errorf("parse bind: %w", d.err)
	}
	return b, nil
}

// SM is the body shared by submit_sm and deliver_sm (sections 4.4.1 and
// 4.6.1), with the optional parameters that follow it.
type SM struct {
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
	ESMUDHI            byte = 0x40
	ESMTypeMask        byte = 0x3C
	ESMDeliveryReceipt byte = 0x04
)

// Marshal encodes the body, optional parameters last.
func (s SM) Marshal() []byte {
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

// ParseSM reads a submit_sm or deliver_sm body and its optional
// parameters.
func ParseSM(body []byte) (SM, error) {
	d := dec{b: body}
	s := SM{
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
		return SM{}, fmt.Errorf("parse short message: %w", d.err)
	}
	return s, nil
}

// StatusError is a non-zero command_status from the peer.
type StatusError struct {
	Cmd    uint32
	Status uint32
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("smpp: %s refused with status 0x%08X (%s)", CmdName(e.Cmd), e.Status, StatusText(e.Status))
}

// CmdName names a command id for errors and logs.
func CmdName(id uint32) string {
	switch id &^ Resp {
	case BindTransceiver:
		return "bind_transceiver"
	case SubmitSM:
		return "submit_sm"
	case DeliverSM:
		return "deliver_sm"
	case Unbind:
		return "unbind"
	case EnquireLink:
		return "enquire_link"
	}
	return fmt.Sprintf("command 0x%08X", id)
}

// StatusText names a command_status.
func StatusText(s uint32) string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusInvalidCmd:
		return "invalid command"
	case StatusSysErr:
		return "system error"
	case StatusBindFail:
		return "bind failed"
	case StatusInvPassword:
		return "invalid password"
	case StatusInvSystemID:
		return "invalid system id"
	case StatusThrottled:
		return "throttled"
	}
	return "unknown"
}
