package dissect_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/internal/protocoltest"
	"github.com/wirekit/wirekit/internal/wktest"
	"github.com/wirekit/wirekit/schema"
	"github.com/wirekit/wirekit/schema/dissect"
	"github.com/wirekit/wirekit/wire"
)

func protocol(t testing.TB, name string) *dissect.Protocol {
	t.Helper()
	f, err := schema.ParseFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := dissect.New(f, dissect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	ordersWire    = "../../examples/orders/orders.wire"
	telemetryWire = "../../gen/golang/testdata/telemetry.wire"
	featuresWire  = "../../gen/golang/testdata/features.wire"
	mixedWire     = "../../gen/golang/testdata/mixed.wire"
)

// lines flattens a tree as package protocoltest writes what a frame holds.
func lines(n *dissect.Node) []string {
	var out []string
	if n.Field != nil {
		out = append(out, n.Field.Name+"="+n.Show())
	}
	for _, c := range n.Children {
		out = append(out, lines(c)...)
	}
	for _, p := range n.Problems {
		out = append(out, "!"+p.Expert.Name+"="+p.Text)
	}
	return out
}

func check(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestOrders(t *testing.T) {
	specVector := wktest.Unhex(t, wktest.SpecVector)
	p := protocol(t, ordersWire)
	stream := slices.Clone(specVector)
	for _, fr := range [][]byte{
		protocoltest.OrdersFrame(1, 1, []byte("ping")),
		protocoltest.OrdersFrame(2, 2, nil),
		// an order: the widest values, tif 3, reserved bits set, a tag of 3 bytes
		protocoltest.OrdersFrame(3, 3, []byte("\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x7f\x80\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\x03\xe2\x82\xac")),
		protocoltest.OrdersFrame(4, 4, []byte("\x00\x00\x00\x00\x00\x00\x00\x2a\x01\x00\x04\x0d\xe0\xb6\xb3\xa7\x64\x00\x00")),
		protocoltest.OrdersFrame(127, 5, []byte("\x00\x06\x0dtag not UTF-8")),
		protocoltest.OrdersFrame(9, 6, []byte{1, 2, 3}),
	} {
		stream = append(stream, fr...)
	}
	stream = append(stream, specVector...)
	stream[len(stream)-1] ^= 0xff // a bad checksum
	for i, raw := range protocoltest.SplitOrders(stream) {
		n, err := p.FrameLen(stream)
		if err != nil || n != len(raw) {
			t.Fatalf("frame %d: FrameLen %d, %v; want %d", i, n, err, len(raw))
		}
		fr := p.Frame(stream)
		if fr.Len != len(raw) || fr.Fatal {
			t.Errorf("frame %d: Len %d, Fatal %t; want %d, false", i, fr.Len, fr.Fatal, len(raw))
		}
		check(t, fr.Summary, lines(fr.Root), protocoltest.OrdersLines(raw))
		stream = stream[len(raw):]
	}
}

func TestSummary(t *testing.T) {
	specVector := wktest.Unhex(t, wktest.SpecVector)
	p := protocol(t, ordersWire)
	for _, tt := range []struct {
		frame []byte
		want  string
	}{
		{specVector, `NewOrder id=7 order_id=42 instrument=1001 sell ioc price=12345000000 qty=100 tag="abc"`},
		{append(slices.Clone(specVector[:len(specVector)-1]), 0), `NewOrder id=7 order_id=42 instrument=1001 sell ioc price=12345000000 qty=100 tag="abc" [bad checksum]`},
		{protocoltest.OrdersFrame(9, 1, []byte{1, 2}), "type=9 id=1 [unknown type]"},
		{protocoltest.OrdersFrame(1, 2, nil), "EchoRequest id=2 payload=0 bytes"},
		{protocoltest.OrdersFrame(4, 3, []byte{0, 0, 0, 0, 0, 0, 0, 1, 9, 0, 7}), "OrderAck id=3 order_id=1 status=9 reason=7 [malformed]"},
		{[]byte("GET / HTTP/1.1\r\n"), "[bad magic, bad version, bad length]"},
		{specVector[:20], `NewOrder id=7 order_id=42 [malformed]`},
		{specVector[:11], `[malformed]`},
	} {
		if got := p.Frame(tt.frame).Summary; got != tt.want {
			t.Errorf("%x:\n got %s\nwant %s", tt.frame, got, tt.want)
		}
	}
}

func TestTelemetry(t *testing.T) {
	p := protocol(t, telemetryWire)
	for _, dgs := range []protocoltest.Datagrams{protocoltest.TelemetryRequests(), protocoltest.TelemetryResponse()} {
		for _, dg := range dgs {
			for _, tf := range dg {
				raw := tf.Bytes()
				fr := p.Frame(raw)
				if fr.Len != len(raw) {
					t.Errorf("Len %d, want %d", fr.Len, len(raw))
				}
				check(t, fr.Summary, lines(fr.Root), tf.Lines())
			}
		}
	}
}

func TestFrameLen(t *testing.T) {
	specVector := wktest.Unhex(t, wktest.SpecVector)
	orders, telemetry := protocol(t, ordersWire), protocol(t, telemetryWire)
	big := slices.Clone(specVector)
	binary.BigEndian.PutUint32(big[8:], 1<<20+1)
	short := protocoltest.Telemetry{}.Bytes()
	binary.LittleEndian.PutUint16(short[6:], 11)
	for _, tt := range []struct {
		p      *dissect.Protocol
		b      []byte
		n      int
		expert *dissect.Expert
		err    error
	}{
		{orders, specVector, 45, nil, nil},
		{orders, specVector[:12], 45, nil, nil},
		{orders, specVector[:11], 0, nil, dissect.ErrIncomplete},
		{orders, append([]byte{0x57, 0x4c}, specVector[2:]...), 0, orders.Experts.BadMagic, nil},
		{orders, big, 0, orders.Experts.BadLength, nil},
		{telemetry, short, 0, telemetry.Experts.BadLength, nil},
		{telemetry, protocoltest.Telemetry{}.Bytes(), 12, nil, nil},
	} {
		n, err := tt.p.FrameLen(tt.b)
		var se *dissect.StreamError
		switch {
		case tt.expert != nil:
			if !errors.As(err, &se) || se.Expert != tt.expert {
				t.Errorf("%x: error %v, want a StreamError of %s", tt.b, err, tt.expert.Name)
			}
			if fr := tt.p.Frame(tt.b); !fr.Fatal || fr.Len != len(tt.b) {
				t.Errorf("%x: Frame is Fatal %t, Len %d; want true, %d", tt.b, fr.Fatal, fr.Len, len(tt.b))
			}
		case n != tt.n || err != tt.err:
			t.Errorf("%x: FrameLen %d, %v; want %d, %v", tt.b, n, err, tt.n, tt.err)
		}
	}
}

func TestProblems(t *testing.T) {
	specVector := wktest.Unhex(t, wktest.SpecVector)
	p := protocol(t, telemetryWire)
	bad := protocoltest.Telemetry{Msg: &protocoltest.Batch{Battery: 101, Readings: []protocoltest.Reading{{Level: 7, Sensor: 1}}}}.Bytes()
	got := strings.Join(lines(p.Frame(bad).Root), "\n")
	for _, want := range []string{
		"telemetry.batch.battery=101\n!telemetry.invalid=battery is 101, not in 0..100",
		"telemetry.reading.level=7\n!telemetry.invalid=level is 7, not a value of Level",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}

	orders := protocol(t, ordersWire)
	for _, tt := range []struct {
		frame []byte
		want  string
	}{
		{protocoltest.OrdersFrame(3, 1, make([]byte, 20)), "!orders.malformed=truncated: price needs 8 bytes, 7 left"},
		{protocoltest.OrdersFrame(1, 1, []byte("abcd"))[:17], "!orders.malformed=truncated: the frame takes 20 bytes, 17 captured"},
		{protocoltest.OrdersFrame(4, 1, make([]byte, 20)), "!orders.malformed=1 bytes left after OrderAck"},
		{protocoltest.OrdersFrame(127, 1, []byte{0, 1, 2, 0xff, 0xfe}), "orders.error.message=\xff\xfe\n!orders.invalid=message is not UTF-8"},
		{append([]byte{0x57, 0x4b, 2}, specVector[3:]...), "orders.version=2\n!orders.version.bad=version is 2, want 1"},
	} {
		got := strings.Join(lines(orders.Frame(tt.frame).Root), "\n")
		if !strings.Contains(got, tt.want) {
			t.Errorf("%x: no %q in\n%s", tt.frame, tt.want, got)
		}
	}
}

// TestWide reads groups of bit fields wider than 64 bits, written by
// package wire's BitWriter.
func TestWide(t *testing.T) {
	p := protocol(t, featuresWire)
	w := wire.NewBitWriter(nil, wire.MSBFirst)
	for _, f := range []struct {
		v    uint64
		bits int
	}{{0xA, 4}, {0xFEDCBA9876543210, 64}, {0x9, 4}, {0x11, 5}, {5, 3}, {0xFFFFFFFFFF, 40}, {0x800000, 24}, {0xFF, 8}, {2, 16}, {1, 1}, {0x55, 7}} {
		w.WriteBits(f.v, f.bits)
	}
	n := p.Message(p.Schema.Message("Wide"), w.Bytes())
	check(t, "Wide", lines(n), []string{
		"features.wide=",
		"features.wide.a=10", "features.wide.b=18364758544493064720", "features.wide.c=-7",
		"features.wide.d=-15", "features.wide.e=5",
		"features.wide.f=1099511627775", "features.wide.g=-8388608", "features.wide.color=-1", "features.wide.kind=2",
		"features.wide.flag=1", "features.wide.reserved=85",
	})
}

func TestNames(t *testing.T) {
	p := protocol(t, featuresWire)
	var names []string
	for _, f := range p.Fields {
		if strings.HasPrefix(f.Name, "features.everything.") {
			names = append(names, strings.TrimPrefix(f.Name, "features.everything."))
		}
	}
	want := "magic version origin corners n data m items grid names.length names fixed reserved blob.length blob nested.count nested.count2 nested mode extra opt wide tail"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names:\n got %s\nwant %s", got, want)
	}
}

func TestNewErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"package p\nmessage M { reserved u8\n _ u8 }\n", ""}, // the _ is reserved_1
		{"package p\nmessage M { x u8 }\nmessage M_x {}\n", ""},
		{"package p\nframe F {\n type u8\n length u8 = len(body)\n malformed u8\n body message(type)\n}\n", "p.malformed names both field malformed"},
	} {
		f, err := schema.Parse("p.wire", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		_, err = dissect.New(f, dissect.Options{})
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%q: %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestWriteText(t *testing.T) {
	specVector := wktest.Unhex(t, wktest.SpecVector)
	p := protocol(t, ordersWire)
	var b bytes.Buffer
	if err := p.Frame(specVector).Root.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"24        orders.new_order.side        1 (sell)\n", `38        orders.new_order.tag         "abc"` + "\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, &b)
		}
	}
}
