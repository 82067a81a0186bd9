package dgram

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// serverTime is the server time the test handler puts in every OrderAck.
const serverTime = 1_700_000_000_000_000_000

// answer is the orders service as a handler: one response per request, as
// the spec says.
var answer = HandlerFunc(func(w *Writer, req *frame.Frame) {
	r := orders.Answer(*req, serverTime)
	buf, m := w.Begin(r.Meta)
	if err := w.Finish(r.AppendBody(buf), m); err != nil {
		panic(err) // the orders responses always fit in the tests' datagrams
	}
})

// engines are the two I/O paths, forced through Server.Batch.
var engines = []struct {
	name  string
	batch int
}{
	{"single", 1},
	{"batch", 32},
}

// quiet is a logger for servers whose tests provoke the logs.
var quiet = slog.New(slog.DiscardHandler)

// listen opens a UDP socket on 127.0.0.1 with room for bursts.
func listen(t testing.TB) *net.UDPConn {
	t.Helper()
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	pc.SetReadBuffer(4 << 20)
	pc.SetWriteBuffer(4 << 20)
	return pc
}

// start serves s on a fresh socket and returns its address. The test's
// cleanup shuts the server down and checks that Serve returned
// ErrServerClosed.
func start(t testing.TB, s *Server) netip.AddrPort {
	t.Helper()
	return startOn(t, s, listen(t))
}

func startOn(t testing.TB, s *Server, pc *net.UDPConn) netip.AddrPort {
	t.Helper()
	served := make(chan error, 1)
	go func() { served <- s.Serve(pc) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// dial returns a client Conn to addr whose reads time out after 5 s, so
// that a lost datagram fails a test instead of hanging it.
func dial(t testing.TB, addr netip.AddrPort, maxDatagram int) *Conn {
	t.Helper()
	uc, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	uc.SetReadBuffer(4 << 20)
	uc.SetReadDeadline(time.Now().Add(5 * time.Second))
	c := NewConn(uc, orders.Framing(), maxDatagram)
	t.Cleanup(func() { c.Close() })
	return c
}

// newOrder returns a valid NewOrder payload with the given order id.
func newOrder(id uint64) []byte {
	o := orders.NewOrder{OrderID: id, Instrument: 1001, Side: orders.Sell, TIF: orders.IOC, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}
	return o.Append(nil)
}

// readAck reads the next frame from c and decodes it as an OrderAck.
func readAck(t testing.TB, c *Conn) (frame.Frame, orders.OrderAck) {
	t.Helper()
	f, err := c.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != orders.TypeOrderAck {
		t.Fatalf("frame type %d, want OrderAck", f.Type)
	}
	var a orders.OrderAck
	if err := a.Decode(f.Payload); err != nil {
		t.Fatal(err)
	}
	return f, a
}

// frames splits a whole datagram into frames of the orders framing.
func frames(t testing.TB, b []byte) []frame.Frame {
	t.Helper()
	var fs []frame.Frame
	d := datagram{b: b, max: MaxUDPPayload}
	for {
		var f frame.Frame
		ok, de := d.next(orders.Framing(), &f)
		if de != nil {
			t.Fatalf("response datagram: %v", de)
		}
		if !ok {
			return fs
		}
		fs = append(fs, f)
	}
}

// waitFor polls cond until it holds, for at most 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitSent waits until s counts n datagrams sent: it counts them when the
// send returns, which may be after the peer has them.
func waitSent(t testing.TB, s *Server, n uint64) {
	t.Helper()
	waitFor(t, "the answers counted", func() bool { return s.Stats().Sent >= n })
}
