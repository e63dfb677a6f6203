package smpp

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"dispatchd/notify/smpp/internal/pdu"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		parts  int
		coding byte
	}{
		{"ascii 160", strings.Repeat("a", 160), 1, pdu.CodingDefault},
		{"ascii 161", strings.Repeat("a", 161), 2, pdu.CodingDefault},
		{"link with an underscore", "answer: https://x.cn/a/Ab_9", 1, pdu.CodingUCS2},
		{"link without", "answer: https://x.cn/a/Ab-9?x=1#y", 1, pdu.CodingDefault},
		{"chinese 70", strings.Repeat("警", 70), 1, pdu.CodingUCS2},
		{"chinese 71", strings.Repeat("警", 71), 2, pdu.CodingUCS2},
		{"chinese 202", strings.Repeat("警", 202), 4, pdu.CodingUCS2},
		{"emoji at the cut", strings.Repeat("警", 66) + strings.Repeat("😀", 3), 2, pdu.CodingUCS2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := split(tt.text, 7)
			if len(ps) != tt.parts {
				t.Fatalf("parts: got %d, want %d", len(ps), tt.parts)
			}
			var whole []byte
			for i, p := range ps {
				if p.coding != tt.coding {
					t.Errorf("coding: got %d, want %d", p.coding, tt.coding)
				}
				data := p.data
				if len(ps) > 1 {
					text, ci, ok := pdu.StripUDH(p.data)
					if !ok || ci.Ref != 7 || int(ci.Total) != len(ps) || int(ci.SeqNo) != i+1 || p.esm != pdu.ESMUDHI {
						t.Fatalf("part %d: bad udh %x", i, p.data[:6])
					}
					data = text
				}
				if len(p.data) > 160 || (p.coding == pdu.CodingUCS2 && len(p.data) > 140) {
					t.Errorf("part %d: %d octets", i, len(p.data))
				}
				if s := pdu.DecodeText(p.coding, data); !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
					t.Errorf("part %d does not decode alone: %q", i, s)
				}
				whole = append(whole, data...)
			}
			if got := pdu.DecodeText(tt.coding, whole); got != tt.text {
				t.Errorf("got %q, want %q", got, tt.text)
			}
		})
	}
}

func TestParseReceipt(t *testing.T) {
	tests := []struct {
		name, text string
		want       Receipt
		final, ok  bool
	}{
		{"appendix b", "id:0123456789 sub:001 dlvrd:001 submit date:2612062300 done date:2612062301 stat:DELIVRD err:000 text:hello",
			Receipt{GatewayID: "0123456789", Status: Delivered, State: "DELIVRD", Err: "000"}, true, true},
		{"upper case keys, failed", "ID:abc SUB:001 DLVRD:000 STAT:UNDELIV ERR:001 TEXT:",
			Receipt{GatewayID: "abc", Status: Failed, State: "UNDELIV", Err: "001"}, true, true},
		{"interim", "id:9 stat:ENROUTE", Receipt{GatewayID: "9", State: "ENROUTE"}, false, true},
		{"the quoted text cannot fool it", "id:1 stat:EXPIRED err:0 text:stat:DELIVRD id:2",
			Receipt{GatewayID: "1", Status: Failed, State: "EXPIRED", Err: "0"}, true, true},
		{"no id", "sub:001 stat:DELIVRD", Receipt{}, false, false},
		{"key inside a word", "xid:1 stat:DELIVRD", Receipt{}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, final, ok := parseReceipt(tt.text)
			if got != tt.want || final != tt.final || ok != tt.ok {
				t.Errorf("got %+v %v %v, want %+v %v %v", got, final, ok, tt.want, tt.final, tt.ok)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	c, err := ParseURL("smpp://sys:pw@gw.example:2776?source=12345&rate=500")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "gw.example:2776" || c.SystemID != "sys" || c.Password != "pw" || c.Source != "12345" || c.Rate != 500 {
		t.Errorf("got %+v", c)
	}
	if strings.Contains(c.String(), "pw") {
		t.Errorf("String shows the password: %s", c)
	}
	for _, bad := range []string{"http://a:b@h", "smpp://h", "smpp://a:b@h?rate=0", "smpp://a:b@h?rate=x",
		"smpp://a:b@h?timeout=-1s", "smpp://a:123456789@h", "smpp://a:se%zzcret@h"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%s: no error", bad)
		} else if strings.Contains(err.Error(), "cret") || strings.Contains(err.Error(), "123456789") {
			t.Errorf("%s: error shows the password: %v", bad, err)
		}
	}
	if c, _ := ParseURL("smpp://a:b@h"); c.Addr != "h:2775" {
		t.Errorf("default port: got %s", c.Addr)
	}
}

// TestBucket counts with a fake clock: at 500/s, of 2,000 sends asked for
// at once, those due within the first second are the burst plus 500, and
// a steady caller gets 500 a second.
func TestBucket(t *testing.T) {
	now := time.Unix(0, 0)
	b := newBucket(500, func() time.Time { return now })
	within := 0
	for range 2000 {
		if b.take() <= time.Second {
			within++
		}
	}
	if want := 500 + 10; within != want {
		t.Errorf("due within 1s: got %d, want %d", within, want)
	}

	b = newBucket(500, func() time.Time { return now })
	sent := 0
	for ms := range 10_000 { // one second, a try every 0.1 ms
		now = time.Unix(0, 0).Add(time.Duration(ms) * 100 * time.Microsecond)
		b.mu.Lock()
		ready := b.tokens+now.Sub(b.last).Seconds()*b.rate >= 1
		b.mu.Unlock()
		if ready && b.take() == 0 {
			sent++
		}
	}
	if sent < 500 || sent > 500+10 {
		t.Errorf("sent in 1s: got %d, want 500 to 510", sent)
	}
}

func FuzzParseReceipt(f *testing.F) {
	f.Add("id:0123456789 sub:001 dlvrd:001 submit date:2612062300 done date:2612062301 stat:DELIVRD err:000 text:hello")
	f.Add("ID:x STAT:undeliv text:id:y")
	f.Fuzz(func(t *testing.T, s string) {
		r, final, ok := parseReceipt(s)
		if ok && (r.GatewayID == "" || strings.Contains(r.GatewayID, " ")) {
			t.Errorf("bad id %q", r.GatewayID)
		}
		if final && r.Status != Delivered && r.Status != Failed {
			t.Errorf("final with status %q", r.Status)
		}
	})
}

func FuzzPDU(f *testing.F) {
	m := pdu.SM{Src: "1", Dst: "2", ESMClass: pdu.ESMUDHI, DataCoding: 8, Short: []byte{5, 0, 3, 1, 2, 1, 0x6d, 0x4b},
		TLV: map[uint16][]byte{pdu.TagMessageState: {2}}}
	f.Add(pdu.PDU{ID: pdu.DeliverSM, Seq: 1, Body: m.Marshal()}.Marshal())
	f.Add(pdu.PDU{ID: pdu.BindTransceiver, Seq: 1, Body: pdu.Bind{SystemID: "a", Password: "b"}.Marshal()}.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := pdu.Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		if _, err := pdu.ParseBind(p.Body); err == nil {
			_ = err
		}
		s, err := pdu.ParseSM(p.Body)
		if err != nil {
			return
		}
		text, _, _ := pdu.StripUDH(s.Short)
		_ = pdu.DecodeText(s.DataCoding, text)
		_, _, _ = receiptOf(s)
		if _, err := pdu.ParseSM(s.Marshal()); err != nil && len(s.TLV) == 0 {
			t.Errorf("re-parse: %v", err)
		}
	})
}
