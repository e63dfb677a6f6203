package smpp

import (
	"unicode/utf16"

	"dispatchd/notify/smpp/internal/pdu"
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
			return []part{{coding: pdu.CodingDefault, data: b}}
		}
		var chunks [][]byte
		for len(b) > 0 {
			n := min(153, len(b))
			chunks = append(chunks, b[:n])
			b = b[n:]
		}
		return concat(chunks, pdu.CodingDefault, ref)
	}
	u := utf16.Encode([]rune(text))
	if len(u) <= 70 {
		return []part{{coding: pdu.CodingUCS2, data: pdu.UCS2(u)}}
	}
	var chunks [][]byte
	for len(u) > 0 {
		n := min(67, len(u))
		if n < len(u) && utf16.IsSurrogate(rune(u[n-1])) && u[n-1] < 0xDC00 {
			n-- // keep a high surrogate with its low one
		}
		chunks = append(chunks, pdu.UCS2(u[:n]))
		u = u[n:]
	}
	return concat(chunks, pdu.CodingUCS2, ref)
}

func concat(chunks [][]byte, coding, ref byte) []part {
	parts := make([]part, len(chunks))
	for i, c := range chunks {
		udh := []byte{0x05, 0x00, 0x03, ref, byte(len(chunks)), byte(i + 1)}
		parts[i] = part{coding: coding, esm: pdu.ESMUDHI, data: append(udh, c...)}
	}
	return parts
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
