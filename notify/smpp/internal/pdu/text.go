package pdu

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// Data codings (section 5.2.19) this package writes and reads.
const (
	CodingDefault byte = 0x00 // SMSC default alphabet
	CodingLatin1  byte = 0x03
	CodingUCS2    byte = 0x08
)

// UCS2 encodes UTF-16 code units big-endian, as data_coding 8 carries them.
func UCS2(u []uint16) []byte {
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = binary.BigEndian.AppendUint16(b, c)
	}
	return b
}

// ConcatInfo is what a concatenation UDH says of a part.
type ConcatInfo struct {
	Ref          uint16
	Total, SeqNo byte
}

// StripUDH splits a short message whose UDHI bit is set into its text and
// the concatenation element, if there is one (8- or 16-bit reference).
func StripUDH(b []byte) (text []byte, ci ConcatInfo, ok bool) {
	if len(b) == 0 || int(b[0])+1 > len(b) {
		return nil, ConcatInfo{}, false
	}
	udh, text := b[1:1+int(b[0])], b[1+int(b[0]):]
	for len(udh) >= 2 {
		iei, n := udh[0], int(udh[1])
		if 2+n > len(udh) {
			return nil, ConcatInfo{}, false
		}
		v := udh[2 : 2+n]
		switch {
		case iei == 0x00 && n == 3:
			ci = ConcatInfo{Ref: uint16(v[0]), Total: v[1], SeqNo: v[2]}
		case iei == 0x08 && n == 4:
			ci = ConcatInfo{Ref: binary.BigEndian.Uint16(v), Total: v[2], SeqNo: v[3]}
		}
		udh = udh[2+n:]
	}
	return text, ci, true
}

// DecodeText turns short-message octets into text by their data coding:
// UCS2 as UTF-16BE, Latin-1 as Latin-1, anything else byte by byte.
func DecodeText(coding byte, b []byte) string {
	if coding == CodingUCS2 {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(b[2*i:])
		}
		return string(utf16.Decode(u))
	}
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}
