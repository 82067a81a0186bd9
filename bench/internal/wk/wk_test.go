package wk

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// vector is the spec's test vector: NewOrder, request id 7.
var vector = mustHex(`574b 0103 0000 0007 0000 001d
	0000 0000 0000 002a 0000 03e9 a0 0000 0002 dfd1 c040 0000 0064 03 6162 63
	e6b5 c777`)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestVectorEncodes(t *testing.T) {
	o := Order{OrderID: 42, Instrument: 1001, Side: 1, TIF: 1, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}
	f := Finish(AppendOrder(Begin(nil, TypeNewOrder, 7), &o), 0)
	if !bytes.Equal(f, vector) {
		t.Fatalf("got  %x\nwant %x", f, vector)
	}
}

func TestVectorAnswered(t *testing.T) {
	n, code := Split(vector)
	if n != len(vector) || code != 0 {
		t.Fatalf("Split = %d, %d; want %d, 0", n, code, len(vector))
	}
	var o Order
	if !DecodeOrder(Payload(vector), &o) || o.OrderID != 42 || o.Instrument != 1001 || o.Side != 1 || o.TIF != 1 ||
		o.Price != 12_345_000_000 || o.Qty != 100 || string(o.Tag) != "abc" {
		t.Fatalf("decoded %+v", o)
	}
	r := Answer(nil, vector, 99)
	if want := mustHex("574b0104 00000007 00000013"); !bytes.Equal(r[:HeaderLen], want) {
		t.Fatalf("answer header %x, want %x", r[:HeaderLen], want)
	}
	if n, code := Split(r); n != len(r) || code != 0 {
		t.Fatalf("answer does not split: %d, %d", n, code)
	}
	var a Ack
	if !DecodeAck(Payload(r), &a) || a != (Ack{OrderID: 42, ServerTime: 99}) {
		t.Fatalf("ack %+v", a)
	}
}

func TestSplitChunks(t *testing.T) {
	for i := range len(vector) {
		if n, code := Split(vector[:i]); n != 0 || code != 0 {
			t.Fatalf("Split of %d bytes = %d, %d; want 0, 0", i, n, code)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	mod := func(i int, b byte) []byte { v := bytes.Clone(vector); v[i] = b; return v }
	for _, tc := range []struct {
		name string
		in   []byte
		code Code
	}{
		{"bad magic, first byte alone", []byte{0x58}, CodeBadMagic},
		{"bad magic", mod(1, 0), CodeBadMagic},
		{"bad version", mod(2, 2), CodeBadVersion},
		{"too large", mustHex("574b0103 00000007 00100001"), CodeFrameTooLarge},
		{"bad checksum", mod(len(vector)-1, 0), CodeBadChecksum},
	} {
		if _, code := Split(tc.in); code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, code, tc.code)
		}
	}
}

func TestAnswerErrors(t *testing.T) {
	resign := func(f []byte) []byte { return Finish(f[:len(f)-TrailerLen], 0) }
	reserved := bytes.Clone(vector)
	reserved[HeaderLen+12] |= 1
	unknown := bytes.Clone(vector)
	unknown[3] = 9
	for _, tc := range []struct {
		name string
		in   []byte
		code Code
	}{
		{"reserved bits", resign(reserved), CodeMalformed},
		{"unknown type", resign(unknown), CodeUnknownType},
	} {
		r := Answer(nil, tc.in, 0)
		if Type(r) != TypeError || ID(r) != 7 || Code(Payload(r)[0])<<8|Code(Payload(r)[1]) != tc.code {
			t.Errorf("%s: answer %x", tc.name, r)
		}
	}
}

func TestChecks(t *testing.T) {
	good := Order{Instrument: 1, Price: 1, Qty: 1}
	for _, tc := range []struct {
		change func(*Order)
		want   Reason
	}{
		{func(*Order) {}, ReasonNone},
		{func(o *Order) { o.Qty = 0; o.Price = 0 }, ReasonBadQty}, // the first check wins
		{func(o *Order) { o.Price = -1 }, ReasonBadPrice},
		{func(o *Order) { o.Instrument = 0 }, ReasonBadInstrument},
		{func(o *Order) { o.TIF = 3 }, ReasonBadTIF},
	} {
		o := good
		tc.change(&o)
		if got := o.Check(); got != tc.want {
			t.Errorf("%+v: Check = %d, want %d", o, got, tc.want)
		}
	}
}

func TestAnswerAllocs(t *testing.T) {
	dst := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { Answer(dst[:0], vector, 1) }); n != 0 {
		t.Fatalf("Answer allocates %v times", n)
	}
}
