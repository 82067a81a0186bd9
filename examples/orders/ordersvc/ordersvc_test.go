package ordersvc

import (
	"github.com/wirekit/wirekit/internal/wktest"

	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/server"
	"github.com/wirekit/wirekit/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type peer struct {
	t  *testing.T
	nc net.Conn
	sc *stream.Conn
}

func serve(t *testing.T) *peer {
	t.Helper()
	srv := NewServer()
	srv.Logger = slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, server.ErrServerClosed) {
			t.Error(err)
		}
	})
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &peer{t, nc, stream.New(nc, orders.Framing(), stream.Config{})}
}

func (p *peer) write(b []byte) {
	p.t.Helper()
	if _, err := p.nc.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

func (p *peer) read() frame.Frame {
	p.t.Helper()
	f, err := p.sc.ReadFrame()
	if err != nil {
		p.t.Fatal(err)
	}
	return f
}

func (p *peer) ack(id uint64) orders.OrderAck {
	p.t.Helper()
	f := p.read()
	var a orders.OrderAck
	if f.Type != orders.TypeOrderAck || f.ID != id || a.Decode(f.Payload) != nil {
		p.t.Fatalf("got type %d id %d %x, want an OrderAck for %d", f.Type, f.ID, f.Payload, id)
	}
	return a
}

func (p *peer) errorFrame(id uint64, code orders.ErrorCode) {
	p.t.Helper()
	f := p.read()
	var e orders.Error
	if f.Type != orders.TypeError || f.ID != id || e.Decode(f.Payload) != nil || e.Code != code {
		p.t.Fatalf("got type %d id %d %+v, want Error %d for id %d", f.Type, f.ID, e, code, id)
	}
}

func (p *peer) closed() {
	p.t.Helper()
	if f, err := p.sc.ReadFrame(); !errors.Is(err, io.EOF) {
		p.t.Fatalf("got %+v %v, want the connection closed", f.Meta, err)
	}
}

func frameOf(typ uint32, id uint64, payload []byte) []byte {
	b, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: typ, ID: id}, payload)
	return b
}

var good = orders.NewOrder{OrderID: 42, Instrument: 1001, Side: orders.Sell, TIF: orders.IOC, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}

func TestSpecVector(t *testing.T) {
	p := serve(t)
	before := uint64(time.Now().UnixNano())
	p.write(wktest.Unhex(t, wktest.SpecVector))
	a := p.ack(7)
	if a.OrderID != 42 || a.Status != orders.Accepted || a.Reason != orders.ReasonNone || a.ServerTime < before {
		t.Errorf("ack %+v", a)
	}
}

func TestRejectReasons(t *testing.T) {
	p := serve(t)
	for i, tc := range []struct {
		mod  func(*orders.NewOrder)
		want orders.Reason
	}{
		{func(o *orders.NewOrder) { o.Qty = 0; o.Price = 0 }, orders.ReasonBadQty},
		{func(o *orders.NewOrder) { o.Price = -5 }, orders.ReasonBadPrice},
		{func(o *orders.NewOrder) { o.Instrument = 0; o.TIF = 3 }, orders.ReasonBadInstrument},
		{func(o *orders.NewOrder) { o.TIF = 3 }, orders.ReasonBadTIF},
	} {
		o := good
		tc.mod(&o)
		id := uint64(i + 1)
		p.write(frameOf(orders.TypeNewOrder, id, o.Append(nil)))
		if a := p.ack(id); a.Status != orders.Rejected || a.Reason != tc.want || a.OrderID != 42 {
			t.Errorf("case %d: ack %+v, want rejected with reason %d", i, a, tc.want)
		}
	}
}

// TestMessageErrorsKeepTheConnection: a malformed payload gets Error 6 and
// an unknown type Error 5, with the request's id; the connection stays open.
func TestMessageErrorsKeepTheConnection(t *testing.T) {
	p := serve(t)
	malformed := good.Append(nil)
	malformed[12] |= 1 // a reserved bit
	p.write(frameOf(orders.TypeNewOrder, 1, malformed))
	p.errorFrame(1, orders.CodeMalformed)
	p.write(frameOf(orders.TypeNewOrder, 2, good.Append(nil)[:10]))
	p.errorFrame(2, orders.CodeMalformed)
	p.write(frameOf(99, 3, nil))
	p.errorFrame(3, orders.CodeUnknownType)
	p.write(frameOf(orders.TypeEchoRequest, 4, []byte("still open")))
	if f := p.read(); f.Type != orders.TypeEchoResponse || f.ID != 4 || string(f.Payload) != "still open" {
		t.Errorf("echo %+v %q", f.Meta, f.Payload)
	}
}

// TestFramingErrorsClose: the requests before a bad frame are answered in
// order, then the Error frame with the spec's code and the bad frame's id
// where it could be read, then the connection closes.
func TestFramingErrorsClose(t *testing.T) {
	badChecksum := frameOf(orders.TypeEchoRequest, 9, []byte("x"))
	badChecksum[len(badChecksum)-1] ^= 0xff
	badVersion := frameOf(orders.TypeEchoRequest, 10, nil)
	badVersion[2] = 2
	tooLarge := frameOf(orders.TypeEchoRequest, 11, nil)[:12]
	tooLarge[8] = 0x7f // L far over 1 MiB
	for _, tc := range []struct {
		name string
		bad  []byte
		id   uint64
		code orders.ErrorCode
	}{
		{"bad magic", []byte("GET / HTTP/1.1\r\n\r\n"), 0, orders.CodeBadMagic},
		{"bad version", badVersion, 0, orders.CodeBadVersion},
		{"bad checksum", badChecksum, 9, orders.CodeBadChecksum},
		{"too large", tooLarge, 11, orders.CodeFrameTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := serve(t)
			var wire []byte
			for i := range 5 {
				wire = append(wire, frameOf(orders.TypeNewOrder, uint64(i+1), good.Append(nil))...)
			}
			p.write(append(wire, tc.bad...))
			for i := range 5 {
				p.ack(uint64(i + 1))
			}
			p.errorFrame(tc.id, tc.code)
			p.closed()
		})
	}
}
