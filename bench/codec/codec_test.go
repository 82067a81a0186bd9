package codec

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/wirekit/wirekit/bench/benchpb"
	"github.com/wirekit/wirekit/bench/codec/smallpb"
	"github.com/wirekit/wirekit/bench/peers/httppeer"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/examples/orders/orderspb"
)

// A codec encodes one fixed value and decodes into one reused value.
// encode returns the encoding, appended to dst where the API allows it.
type codec struct {
	name   string
	encode func(dst []byte) []byte
	decode func(b []byte) error
	// check reports whether the last decode gave back the value.
	check func() bool
}

// The spec's test vector order.
func newOrderCodecs() []codec {
	gen := orderspb.NewOrder{OrderID: 42, Instrument: 1001, Side: orderspb.SideSell, Tif: orderspb.TifIoc, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}
	var genOut orderspb.NewOrder
	hand := orders.NewOrder{OrderID: 42, Instrument: 1001, Side: orders.Sell, TIF: orders.IOC, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}
	var handOut orders.NewOrder
	pb := &benchpb.NewOrder{OrderId: 42, Instrument: 1001, Side: benchpb.Side_SIDE_SELL, Tif: benchpb.Tif_TIF_IOC, Price: 12_345_000_000, Qty: 100, Tag: "abc"}
	var pbOut benchpb.NewOrder
	fixed := NewOrderFixed{OrderID: 42, Instrument: 1001, Flags: 1<<7 | 1<<5, Price: 12_345_000_000, Qty: 100, TagLen: 3, Tag: [8]byte{'a', 'b', 'c'}}
	var fixedOut NewOrderFixed
	var wbuf bytes.Buffer
	var rd bytes.Reader
	js := httppeer.Order{OrderID: 42, Instrument: 1001, Side: "sell", TIF: "ioc", Price: 12_345_000_000, Qty: 100, Tag: "abc"}
	var jsOut httppeer.Order
	return []codec{
		{"wirekit", func(dst []byte) []byte { return gen.Append(dst) }, genOut.Decode,
			func() bool {
				return genOut.OrderID == 42 && string(genOut.Tag) == "abc" && genOut.Tif == orderspb.TifIoc
			}},
		{"hand", func(dst []byte) []byte { return hand.Append(dst) }, handOut.Decode,
			func() bool { return handOut.OrderID == 42 && string(handOut.Tag) == "abc" && handOut.TIF == orders.IOC }},
		{"protobuf", func(dst []byte) []byte { b, _ := proto.MarshalOptions{}.MarshalAppend(dst, pb); return b },
			func(b []byte) error { return proto.Unmarshal(b, &pbOut) },
			func() bool { return proto.Equal(pb, &pbOut) }},
		{"binary", func([]byte) []byte { wbuf.Reset(); binary.Write(&wbuf, binary.BigEndian, &fixed); return wbuf.Bytes() },
			func(b []byte) error { rd.Reset(b); return binary.Read(&rd, binary.BigEndian, &fixedOut) },
			func() bool { return fixedOut == fixed }},
		{"json", func([]byte) []byte { b, _ := json.Marshal(&js); return b },
			func(b []byte) error { return json.Unmarshal(b, &jsOut) },
			func() bool { return jsOut == js }},
	}
}

func smallCodecs() []codec {
	const name, phone = "Alice Liddell", "5550123456"
	gen := smallpb.Small{Name: []byte(name), BirthDay: 946_684_800_000_000_000, Phone: []byte(phone), Siblings: 2, Spouse: true, Money: 1234.56}
	var genOut smallpb.Small
	hand := SmallHand{Name: []byte(name), BirthDay: 946_684_800_000_000_000, Phone: []byte(phone), Siblings: 2, Spouse: true, Money: 1234.56}
	var handOut SmallHand
	pb := &benchpb.Small{Name: name, BirthDay: 946_684_800_000_000_000, Phone: phone, Siblings: 2, Spouse: true, Money: 1234.56}
	var pbOut benchpb.Small
	fixed := SmallFixed{NameLen: uint8(len(name)), BirthDay: 946_684_800_000_000_000, PhoneLen: uint8(len(phone)), Siblings: 2, Spouse: true, Money: 1234.56}
	copy(fixed.Name[:], name)
	copy(fixed.Phone[:], phone)
	var fixedOut SmallFixed
	var wbuf bytes.Buffer
	var rd bytes.Reader
	js := SmallJSON{Name: name, BirthDay: 946_684_800_000_000_000, Phone: phone, Siblings: 2, Spouse: true, Money: 1234.56}
	var jsOut SmallJSON
	return []codec{
		{"wirekit", func(dst []byte) []byte { return gen.Append(dst) }, genOut.Decode,
			func() bool {
				return string(genOut.Name) == name && string(genOut.Phone) == phone && genOut.Money == 1234.56 && genOut.Spouse
			}},
		{"hand", func(dst []byte) []byte { return hand.Append(dst) }, handOut.Decode,
			func() bool {
				return string(handOut.Name) == name && string(handOut.Phone) == phone && handOut.Money == 1234.56 && handOut.Spouse
			}},
		{"protobuf", func(dst []byte) []byte { b, _ := proto.MarshalOptions{}.MarshalAppend(dst, pb); return b },
			func(b []byte) error { return proto.Unmarshal(b, &pbOut) },
			func() bool { return proto.Equal(pb, &pbOut) }},
		{"binary", func([]byte) []byte { wbuf.Reset(); binary.Write(&wbuf, binary.BigEndian, &fixed); return wbuf.Bytes() },
			func(b []byte) error { rd.Reset(b); return binary.Read(&rd, binary.BigEndian, &fixedOut) },
			func() bool { return fixedOut == fixed }},
		{"json", func([]byte) []byte { b, _ := json.Marshal(&js); return b },
			func(b []byte) error { return json.Unmarshal(b, &jsOut) },
			func() bool { return jsOut == js }},
	}
}

func TestRoundTrips(t *testing.T) {
	for _, set := range []struct {
		name   string
		codecs []codec
	}{{"NewOrder", newOrderCodecs()}, {"Small", smallCodecs()}} {
		for _, c := range set.codecs {
			b := bytes.Clone(c.encode(nil))
			if err := c.decode(b); err != nil || !c.check() {
				t.Errorf("%s/%s: %x decodes to a different value (%v)", set.name, c.name, b, err)
			}
		}
	}
}

// TestSameBytes checks that the generated and hand-written codecs write the
// same bytes, so that they are benchmarked doing the same work; NewOrder's
// are the spec's test vector payload.
func TestSameBytes(t *testing.T) {
	vector := []byte{0, 0, 0, 0, 0, 0, 0, 0x2a, 0, 0, 0x03, 0xe9, 0xa0, 0, 0, 0, 0x02, 0xdf, 0xd1, 0xc0, 0x40, 0, 0, 0, 0x64, 3, 'a', 'b', 'c'}
	for _, set := range [][]codec{newOrderCodecs(), smallCodecs()} {
		gen, hand := set[0].encode(nil), set[1].encode(nil)
		if !bytes.Equal(gen, hand) {
			t.Errorf("generated %x, hand-written %x", gen, hand)
		}
	}
	if got := newOrderCodecs()[0].encode(nil); !bytes.Equal(got, vector) {
		t.Errorf("NewOrder %x, want the vector's payload %x", got, vector)
	}
}

// The benchmarks are named codec=NAME/op=encode|decode, so that benchstat
// can lay the codecs out as columns: see the README.

func BenchmarkNewOrder(b *testing.B) { benchCodecs(b, newOrderCodecs()) }

func BenchmarkSmall(b *testing.B) { benchCodecs(b, smallCodecs()) }

func benchCodecs(b *testing.B, codecs []codec) {
	for _, c := range codecs {
		enc := bytes.Clone(c.encode(nil))
		b.Run("codec="+c.name+"/op=encode", func(b *testing.B) {
			b.ReportAllocs()
			dst := make([]byte, 0, 256)
			for b.Loop() {
				c.encode(dst[:0])
			}
			b.ReportMetric(float64(len(enc)), "bytes")
		})
		b.Run("codec="+c.name+"/op=decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.decode(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
