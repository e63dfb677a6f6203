package smpp

import "strings"

// Status is what a delivery receipt says became of a message.
type Status string

// Final states a Receipt reports; interim ones (ENROUTE, ACCEPTD) are not
// passed on.
const (
	Delivered Status = "delivered"
	Failed    Status = "failed"
)

// Receipt is a delivery receipt: the gateway id that Send returned and
// what became of the message.
type Receipt struct {
	GatewayID string
	Status    Status
	// State is the gateway's word (DELIVRD, UNDELIV, EXPIRED, ...) and
	// Err its error code, for the record.
	State string
	Err   string
}

// MO is a mobile-originated message: a reply from a phone.
type MO struct {
	From, To, Text string
}

// parseReceipt reads the text of a delivery receipt in the format of SMPP
// 3.4 Appendix B ("id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm
// done date:YYMMDDhhmm stat:DDDDDDD err:E text: ..."). Gateways vary the
// order and the case of the keys and leave some out; id and stat are
// needed. final is false for an interim state.
func parseReceipt(s string) (r Receipt, final, ok bool) {
	r.GatewayID = field(s, "id:")
	r.State = strings.ToUpper(field(s, "stat:"))
	r.Err = field(s, "err:")
	if r.GatewayID == "" || r.State == "" {
		return Receipt{}, false, false
	}
	r.Status, final = stateStatus(r.State)
	return r, final, true
}

// stateStatus maps a receipt's stat word, or the name of a message_state
// value, to a final status.
func stateStatus(state string) (Status, bool) {
	switch state {
	case "DELIVRD", "DELIVERED":
		return Delivered, true
	case "UNDELIV", "UNDELIVERABLE", "EXPIRED", "DELETED", "REJECTD", "REJECTED", "UNKNOWN":
		return Failed, true
	}
	return "", false
}

// messageStates names the values of the message_state parameter (section
// 5.3.2.35).
var messageStates = map[byte]string{
	1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED",
	5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD",
}

// field returns the value after key, up to the next space; the key must
// start the text or follow a space. "text:" ends the search, since the
// original text it quotes may hold anything.
func field(s, key string) string {
	lower := asciiLower(s) // same length as s, unlike strings.ToLower
	if i := strings.Index(lower, " text:"); i >= 0 {
		lower, s = lower[:i], s[:i]
	}
	for from := 0; from < len(lower); {
		i := strings.Index(lower[from:], key)
		if i < 0 {
			return ""
		}
		i += from
		if i == 0 || lower[i-1] == ' ' {
			v := s[i+len(key):]
			if j := strings.IndexByte(v, ' '); j >= 0 {
				v = v[:j]
			}
			return v
		}
		from = i + len(key)
	}
	return ""
}

// asciiLower lowers A-Z only, so that indexes into it are indexes into s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
