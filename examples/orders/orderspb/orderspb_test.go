package orderspb

import (
	"github.com/wirekit/wirekit/internal/wktest"

	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/wire"
)

var specOrder = NewOrder{OrderID: 42, Instrument: 1001, Side: SideSell, Tif: TifIoc, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}

func TestSpecVector(t *testing.T) {
	want := wktest.Unhex(t, wktest.SpecVector)
	got, err := AppendFrame(nil, frame.Meta{ID: 7}, &specOrder)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("encode:\n got %x (%v)\nwant %x", got, err, want)
	}
	var fr frame.Frame
	n, err := Framing().Split(want, &fr)
	if err != nil || n != len(want) || fr.Type != TypeNewOrder || fr.ID != 7 || fr.Version != 1 {
		t.Fatalf("split: %+v %d %v", fr.Meta, n, err)
	}
	var ms Messages
	msg, err := ms.Decode(&fr)
	if err != nil {
		t.Fatal(err)
	}
	o, ok := msg.(*NewOrder)
	if !ok || o.OrderID != 42 || o.Instrument != 1001 || o.Side != SideSell || o.Tif != TifIoc ||
		o.Price != 12_345_000_000 || o.Qty != 100 || string(o.Tag) != "abc" {
		t.Fatalf("decoded %T %+v", msg, msg)
	}
	if o.Size() != len(fr.Payload) {
		t.Errorf("Size %d, payload %d", o.Size(), len(fr.Payload))
	}
	if err := o.Validate(); err != nil {
		t.Error(err)
	}
}

func TestNewOrderMalformed(t *testing.T) {
	good := specOrder.Append(nil)
	mod := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	tests := []struct {
		name  string
		in    []byte
		kind  error
		field string
		off   int
	}{
		{"empty", nil, wire.ErrShort, "order_id", 0},
		{"truncated fixed part", good[:20], wire.ErrShort, "order_id", 0},
		{"truncated tag", good[:len(good)-1], wire.ErrShort, "tag", 26},
		{"trailing byte", append(bytes.Clone(good), 0), ErrTrailing, "", 29},
		{"reserved bit", mod(func(b []byte) { b[12] |= 1 }), ErrConstant, "_", 12},
		{"tag not UTF-8", mod(func(b []byte) { b[26] = 0xff }), ErrUTF8, "tag", 26},
	}
	for _, tt := range tests {
		var o NewOrder
		err := o.Decode(tt.in)
		var fe *FieldError
		if !errors.As(err, &fe) || !errors.Is(err, tt.kind) || fe.Message != "NewOrder" || fe.Field != tt.field || fe.Offset != tt.off {
			t.Errorf("%s: %v, want %v in field %q at %d", tt.name, err, tt.kind, tt.field, tt.off)
		}
	}
}

func TestUnknownTypeIsRaw(t *testing.T) {
	b, err := AppendFrame(nil, frame.Meta{ID: 9}, &Raw{Type: 99, Payload: []byte("??")})
	if err != nil {
		t.Fatal(err)
	}
	fr, _, err := frame.Next(Framing(), b)
	if err != nil {
		t.Fatal(err)
	}
	var ms Messages
	msg, err := ms.Decode(&fr)
	if raw, ok := msg.(*Raw); err != nil || !ok || raw.Type != 99 || string(raw.Payload) != "??" {
		t.Fatalf("%T %+v %v", msg, msg, err)
	}
}

func TestTagCutOnCharacterBoundary(t *testing.T) {
	// 127 two-byte characters and one more: 256 bytes, one over the u8
	// prefix. Append must drop the whole last character, not half of it.
	o := NewOrder{Tag: []byte(strings.Repeat("é", 128))}
	if err := o.Validate(); !errors.Is(err, ErrTooLong) {
		t.Errorf("Validate: %v, want ErrTooLong", err)
	}
	b := o.Append(nil)
	if len(b) != o.Size() {
		t.Errorf("Size %d, wrote %d", o.Size(), len(b))
	}
	var d NewOrder
	if err := d.Decode(b); err != nil || string(d.Tag) != strings.Repeat("é", 127) {
		t.Errorf("decoded %d bytes of tag, %v", len(d.Tag), err)
	}
}

func TestDecodeZeroAllocs(t *testing.T) {
	b := specOrder.Append(nil)
	var o NewOrder
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() {
		buf = specOrder.Append(buf[:0])
		_ = o.Decode(b)
	}); n != 0 {
		t.Errorf("%v allocs per Append and Decode", n)
	}
}
