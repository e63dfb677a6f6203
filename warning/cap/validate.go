package cap

import "bytes"

// Validate checks an alert built otherwise than by Decode (from JSON, say)
// by the very rules Decode applies, and reports the same field errors with
// the same paths. It returns the alert as Decode reads it back: values
// trimmed, a colour severity read as CAP's, characters XML cannot carry
// replaced by U+FFFD. It returns a dispatchd.ETOOLARGE error when the
// alert's document would exceed MaxSize.
func Validate(a *Alert) (*Alert, error) {
	var buf bytes.Buffer
	if err := Encode(&buf, a); err != nil {
		return nil, err
	}
	return Decode(&buf)
}
