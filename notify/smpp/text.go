package smpp

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// Data codings (section 5.2.19) this package writes and reads.
const (
	codingDefault byte = 0x00 // SMSC default alphabet; sent only for ASCII text
	codingLatin1  byte = 0x03
	codingUCS2    byte = 0x08
)

// part is one short message of a possibly concatenated text.
type part struct {
	coding byte
	esm    byte
	data   []byte // UDH (if any) followed by the text
}

// split encodes text and cuts it into short messages of at most 140
// octets of UCS2, or 160 characters of the default alphabet, each part after the first
// of several carrying an 8-bit-reference concatenation UDH (3GPP TS
// 23.040 9.2.3.24.1): 67 UCS2 units or 153 ASCII characters a part. A
// surrogate pair is never cut.
func split(text string, ref byte) []part {
	if gsmSafe(text) {
		b := []byte(text)
		if len(b) <= 160 {
			return []part{{coding: codingDefault, data: b}}
		}
		var chunks [][]byte
		for len(b) > 0 {
			n := min(153, len(b))
			chunks = append(chunks, b[:n])
			b = b[n:]
		}
		return concat(chunks, codingDefault, ref)
	}
	u := utf16.Encode([]rune(text))
	if len(u) <= 70 {
		return []part{{coding: codingUCS2, data: ucs2(u)}}
	}
	var chunks [][]byte
	for len(u) > 0 {
		n := min(67, len(u))
		if n < len(u) && utf16.IsSurrogate(rune(u[n-1])) && u[n-1] < 0xDC00 {
			n-- // keep a high surrogate with its low one
		}
		chunks = append(chunks, ucs2(u[:n]))
		u = u[n:]
	}
	return concat(chunks, codingUCS2, ref)
}

func concat(chunks [][]byte, coding, ref byte) []part {
	parts := make([]part, len(chunks))
	for i, c := range chunks {
		udh := []byte{0x05, 0x00, 0x03, ref, byte(len(chunks)), byte(i + 1)}
		parts[i] = part{coding: coding, esm: esmUDHI, data: append(udh, c...)}
	}
	return parts
}

func ucs2(u []uint16) []byte {
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = binary.BigEndian.AppendUint16(b, c)
	}
	return b
}

// gsmSafe says whether every byte of s is a character that ASCII and the
// GSM 03.38 default alphabet code alike, so that data_coding 0 reads the
// same whichever of the two the gateway takes it for. '@', '$', '_', '`',
// brackets, braces, backslash, '^', '~' and '|' differ (an '_' would
// reach the phone as '§' and break a link): a text with any of them, or
// with anything outside ASCII, goes as UCS2.
func gsmSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n', c == '\r':
		case c < 0x20, c >= 0x7B, c == '@', c == '$', c == '`', c >= 0x5B && c <= 0x5F:
			return false
		}
	}
	return true
}

// concatInfo is what a concatenation UDH says of a part.
type concatInfo struct {
	ref          uint16
	total, seqNo byte
}

// stripUDH splits a short message whose UDHI bit is set into its text and
// the concatenation element, if there is one (8- or 16-bit reference).
func stripUDH(b []byte) (text []byte, ci concatInfo, ok bool) {
	if len(b) == 0 || int(b[0])+1 > len(b) {
		return nil, concatInfo{}, false
	}
	udh, text := b[1:1+int(b[0])], b[1+int(b[0]):]
	for len(udh) >= 2 {
		iei, n := udh[0], int(udh[1])
		if 2+n > len(udh) {
			return nil, concatInfo{}, false
		}
		v := udh[2 : 2+n]
		switch {
		case iei == 0x00 && n == 3:
			ci = concatInfo{ref: uint16(v[0]), total: v[1], seqNo: v[2]}
		case iei == 0x08 && n == 4:
			ci = concatInfo{ref: binary.BigEndian.Uint16(v), total: v[2], seqNo: v[3]}
		}
		udh = udh[2+n:]
	}
	return text, ci, true
}

// decodeText turns short-message octets into text by their data coding:
// UCS2 as UTF-16BE, Latin-1 as Latin-1, anything else byte by byte.
func decodeText(coding byte, b []byte) string {
	if coding == codingUCS2 {
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
