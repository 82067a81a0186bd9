package orders

import (
	"github.com/wirekit/wirekit/internal/wktest"

	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/frame"
)

var specOrder = NewOrder{OrderID: 42, Instrument: 1001, Side: Sell, TIF: IOC, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}

func TestSpecVector(t *testing.T) {
	wire := wktest.Unhex(t, wktest.SpecVector)
	dst, m := Framing().Begin(nil, frame.Meta{Type: TypeNewOrder, ID: 7})
	dst = specOrder.Append(dst)
	dst, err := Framing().Finish(dst, m, nil)
	if err != nil || !bytes.Equal(dst, wire) {
		t.Fatalf("encode:\n got %x (%v)\nwant %x", dst, err, wire)
	}
	f, n, err := frame.Next(Framing(), wire)
	if err != nil || n != len(wire) || f.Type != TypeNewOrder || f.ID != 7 {
		t.Fatalf("split: %+v %d %v", f.Meta, n, err)
	}
	var o NewOrder
	if err := o.Decode(f.Payload); err != nil {
		t.Fatal(err)
	}
	if o.OrderID != 42 || o.Instrument != 1001 || o.Side != Sell || o.TIF != IOC || o.Price != 12_345_000_000 || o.Qty != 100 || string(o.Tag) != "abc" {
		t.Errorf("decoded %+v", o)
	}
	if o.Size() != len(f.Payload) {
		t.Errorf("Size %d, payload %d", o.Size(), len(f.Payload))
	}
}

func TestNewOrderMalformed(t *testing.T) {
	good := specOrder.Append(nil)
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"truncated fixed part", good[:20], "truncated"},
		{"truncated tag", good[:len(good)-1], "tag length 3 but 2 bytes follow"},
		{"trailing byte", append(bytes.Clone(good), 0), "tag length 3 but 4 bytes follow"},
		{"reserved bit", mod(func(b []byte) []byte { b[12] |= 1; return b }), "reserved bits"},
		{"tag not utf8", mod(func(b []byte) []byte { b[26] = 0xff; return b }), "not UTF-8"},
	}
	for _, tt := range tests {
		var o NewOrder
		err := o.Decode(tt.in)
		var m *Malformed
		if !errors.As(err, &m) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want Malformed containing %q", tt.name, err, tt.want)
		}
	}
}

func TestCheckOrder(t *testing.T) {
	base := specOrder
	tests := []struct {
		mod  func(*NewOrder)
		want Reason
	}{
		{func(*NewOrder) {}, ReasonNone},
		{func(o *NewOrder) { o.Qty = 0; o.Price = 0; o.Instrument = 0; o.TIF = 3 }, ReasonBadQty},
		{func(o *NewOrder) { o.Price = -1; o.Instrument = 0; o.TIF = 3 }, ReasonBadPrice},
		{func(o *NewOrder) { o.Price = 0 }, ReasonBadPrice},
		{func(o *NewOrder) { o.Instrument = 0; o.TIF = 3 }, ReasonBadInstrument},
		{func(o *NewOrder) { o.TIF = 3 }, ReasonBadTIF},
	}
	for i, tt := range tests {
		o := base
		tt.mod(&o)
		if got := o.Check(); got != tt.want {
			t.Errorf("case %d: %v, want %v", i, got, tt.want)
		}
	}
}

func TestAppendResponse(t *testing.T) {
	split := func(b []byte) frame.Frame {
		t.Helper()
		f, n, err := frame.Next(Framing(), b)
		if err != nil || n != len(b) {
			t.Fatalf("response does not split as one frame: n %d/%d err %v", n, len(b), err)
		}
		return f
	}
	req := split(wktest.Unhex(t, wktest.SpecVector))
	ackFrame := split(AppendResponse(nil, req, 99))
	var ack OrderAck
	if err := ack.Decode(ackFrame.Payload); err != nil || ackFrame.Type != TypeOrderAck || ackFrame.ID != 7 {
		t.Fatalf("ack %+v %v", ackFrame.Meta, err)
	}
	if ack != (OrderAck{OrderID: 42, Status: Accepted, ServerTime: 99}) {
		t.Errorf("ack %+v", ack)
	}

	bad := specOrder
	bad.Qty = 0
	dst, _ := frame.Append(Framing(), nil, frame.Meta{Type: TypeNewOrder, ID: 8}, bad.Append(nil))
	ackFrame = split(AppendResponse(nil, split(dst), 1))
	_ = ack.Decode(ackFrame.Payload)
	if ack.Status != Rejected || ack.Reason != ReasonBadQty {
		t.Errorf("rejected ack %+v", ack)
	}

	echo, _ := frame.Append(Framing(), nil, frame.Meta{Type: TypeEchoRequest, ID: 9}, []byte("ping"))
	resp := split(AppendResponse(nil, split(echo), 0))
	if resp.Type != TypeEchoResponse || resp.ID != 9 || string(resp.Payload) != "ping" {
		t.Errorf("echo response %+v %q", resp.Meta, resp.Payload)
	}

	for _, tc := range []struct {
		typ  uint32
		body []byte
		code ErrorCode
	}{{TypeOrderAck, nil, CodeUnknownType}, {200, nil, CodeUnknownType}, {TypeNewOrder, []byte{1, 2}, CodeMalformed}} {
		in, _ := frame.Append(Framing(), nil, frame.Meta{Type: tc.typ, ID: 5}, tc.body)
		ef := split(AppendResponse(nil, split(in), 0))
		var e Error
		if err := e.Decode(ef.Payload); err != nil || ef.Type != TypeError || ef.ID != 5 || e.Code != tc.code || tc.code.Closes() {
			t.Errorf("type %d: error frame %+v %+v %v", tc.typ, ef.Meta, e, err)
		}
	}
}

func TestErrorMessageCutOnRuneBoundary(t *testing.T) {
	msg := strings.Repeat("é", 200) // 400 bytes
	f, _, err := frame.Next(Framing(), AppendError(nil, 1, CodeMalformed, msg))
	if err != nil {
		t.Fatal(err)
	}
	var e Error
	if err := e.Decode(f.Payload); err != nil {
		t.Fatalf("cut message does not decode: %v", err)
	}
	if len(e.Message) != 254 {
		t.Errorf("message of %d bytes, want 254 (127 runes)", len(e.Message))
	}
}

func TestCodeFor(t *testing.T) {
	for kind, code := range map[frame.Kind]ErrorCode{
		frame.BadMagic: CodeBadMagic, frame.BadVersion: CodeBadVersion,
		frame.BadChecksum: CodeBadChecksum, frame.TooLarge: CodeFrameTooLarge,
	} {
		got, ok := CodeFor(&frame.Error{Kind: kind})
		if !ok || got != code || !got.Closes() {
			t.Errorf("%v: %v %v", kind, got, ok)
		}
	}
	if _, ok := CodeFor(errors.New("x")); ok {
		t.Error("plain error mapped")
	}
}

func TestResponseZeroAllocs(t *testing.T) {
	req, _, _ := frame.Next(Framing(), wktest.Unhex(t, wktest.SpecVector))
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = AppendResponse(buf[:0], req, 1) }); n != 0 {
		t.Errorf("%v allocs per response", n)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(uint8(TypeNewOrder), specOrder.Append(nil))
	f.Add(uint8(TypeOrderAck), (&OrderAck{OrderID: 1}).Append(nil))
	f.Add(uint8(TypeError), (&Error{Code: 1, Message: []byte("x")}).Append(nil))
	f.Fuzz(func(t *testing.T, typ uint8, b []byte) {
		switch typ % 3 {
		case 0:
			var o NewOrder
			if o.Decode(b) == nil && !bytes.Equal(o.Append(nil), b) {
				t.Fatalf("NewOrder round trip: %x -> %+v -> %x", b, o, o.Append(nil))
			}
		case 1:
			var a OrderAck
			if a.Decode(b) == nil && !bytes.Equal(a.Append(nil), b) {
				t.Fatalf("OrderAck round trip %x", b)
			}
		case 2:
			var e Error
			if e.Decode(b) == nil && !bytes.Equal(e.Append(nil), b) {
				t.Fatalf("Error round trip %x", b)
			}
		}
	})
}
