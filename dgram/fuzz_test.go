package dgram

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/internal/wktest"
)

// recorder is a PacketConn that keeps what is written to it.
type recorder struct{ sent [][]byte }

func (r *recorder) ReadFromUDPAddrPort([]byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, errors.New("recorder: nothing to read")
}

func (r *recorder) WriteToUDPAddrPort(b []byte, _ netip.AddrPort) (int, error) {
	r.sent = append(r.sent, bytes.Clone(b))
	return len(b), nil
}

func (r *recorder) SetReadDeadline(time.Time) error { return nil }
func (r *recorder) LocalAddr() net.Addr             { return &net.UDPAddr{} }
func (r *recorder) Close() error                    { return nil }

// FuzzDatagram runs arbitrary bytes through the server's handling of one
// datagram with the orders framing and its service. It must not panic, and
// its counts must agree: the frames handled are the datagram's bytes up to
// the first bad one, with exactly one drop counted when that is not the end
// (every orders framing error ends the datagram); every frame handled is
// answered once, in order, in datagrams within the limit.
func FuzzDatagram(f *testing.F) {
	order := func(id uint64) []byte {
		b, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeNewOrder, ID: id}, newOrder(id))
		return b
	}
	f.Add(wktest.Unhex(f, wktest.SpecVector))
	f.Add(append(order(1), order(2)...))
	f.Add(append(order(1), order(2)[:30]...))
	f.Add(append(order(1), wktest.Unhex(f, "574b 0103 0000 0006 0011 0000")...))
	f.Add(orders.AppendError(nil, 5, orders.CodeMalformed, "x"))
	f.Add(bytes.Repeat(order(3), 12))
	f.Add([]byte{})
	const limit = 512
	f.Fuzz(func(t *testing.T, b []byte) {
		var handled []frame.Frame
		rec := &recorder{}
		s := &Server{
			Framing: orders.Framing(),
			Handler: HandlerFunc(func(w *Writer, req *frame.Frame) {
				handled = append(handled, *req)
				answer(w, req)
			}),
			MaxDatagram: limit,
			Logger:      quiet,
		}
		ep, err := s.newEndpoint(rec)
		if err != nil {
			t.Fatal(err)
		}
		ep.serve([]message{{buf: b, n: len(b), peer: netip.MustParseAddrPort("127.0.0.1:9")}})

		var prefix []byte
		for _, f := range handled {
			prefix = append(prefix, f.Raw...)
		}
		if !bytes.HasPrefix(b, prefix) {
			t.Fatal("the frames handled are not the datagram's first bytes")
		}
		st := s.Stats()
		drops := st.Oversized + st.Incomplete
		for _, n := range st.Malformed {
			drops += n
		}
		wantDrops := uint64(0)
		if len(prefix) < len(b) {
			wantDrops = 1
		}
		if st.Datagrams != 1 || st.Frames != uint64(len(handled)) || drops != wantDrops {
			t.Fatalf("stats %+v for %d frames handled, %d of %d bytes", st, len(handled), len(prefix), len(b))
		}
		if len(b) > limit && (st.Oversized != 1 || len(handled) != 0) {
			t.Fatalf("a %d-byte datagram over the %d limit: stats %+v", len(b), limit, st)
		}

		var answers []frame.Frame
		for _, d := range rec.sent {
			if len(d) > limit {
				t.Fatalf("a %d-byte answer datagram", len(d))
			}
			answers = append(answers, frames(t, d)...)
		}
		if st.Sent != uint64(len(rec.sent)) || len(answers) != len(handled) {
			t.Fatalf("%d answers in %d datagrams (stats %+v) to %d frames", len(answers), len(rec.sent), st, len(handled))
		}
		for i := range answers {
			if answers[i].ID != handled[i].ID {
				t.Fatalf("answer %d has id %d, its request %d", i, answers[i].ID, handled[i].ID)
			}
		}
	})
}
