package cap

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"dispatchd"
)

// FuzzDecode checks that Decode never panics, refuses only with an
// application error, and that what it accepts re-encodes to a document
// in the schema's order that decodes to the same alert.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"rainstorm.xml", "update.xml", "cancel.xml", "flood.xml", "golden.xml"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(base))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Decode(bytes.NewReader(data))
		if err != nil {
			if code := dispatchd.ErrorCode(err); code != dispatchd.EINVALID && code != dispatchd.ETOOLARGE {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, a); err != nil {
			t.Fatal(err)
		}
		checkOrder(t, buf.Bytes())
		b, err := Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("re-decode: %v %v\n%s", err, dispatchd.ErrorFields(err), buf.Bytes())
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the alert:\n got %+v\nwant %+v", b, a)
		}
	})
}
