package pdu

import (
	"bytes"
	"testing"
)

func TestPDURoundTrip(t *testing.T) {
	m := SM{Src: "12345", Dst: "13800000000", DstTON: 1, DstNPI: 1, DataCoding: 8, Registered: 1,
		Short: []byte{0x6d, 0x4b}, TLV: map[uint16][]byte{TagReceiptedMessageID: []byte("x\x00")}}
	p := PDU{ID: SubmitSM, Seq: 42, Body: m.Marshal()}
	got, err := Read(bytes.NewReader(p.Marshal()))
	if err != nil || got.ID != SubmitSM || got.Seq != 42 {
		t.Fatalf("got %+v %v", got, err)
	}
	gm, err := ParseSM(got.Body)
	if err != nil || gm.Dst != m.Dst || !bytes.Equal(gm.Short, m.Short) || string(gm.TLV[TagReceiptedMessageID]) != "x\x00" {
		t.Fatalf("got %+v %v", gm, err)
	}
}
