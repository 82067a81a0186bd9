package dgram

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/internal/wktest"
)

var (
	peerA = netip.MustParseAddrPort("127.0.0.1:1")
	peerB = netip.MustParseAddrPort("127.0.0.1:2")
)

// TestPacker packs 40-byte frames into datagrams of at most 100 bytes: two
// per datagram, a new datagram per peer, and the open datagram kept across
// a reset.
func TestPacker(t *testing.T) {
	p := packer{framing: orders.Framing(), max: 100}
	write := func(id uint64) {
		t.Helper()
		if err := p.WriteFrame(frame.Meta{Type: orders.TypeEchoRequest, ID: id}, make([]byte, 24)); err != nil {
			t.Fatal(err)
		}
	}
	p.to(peerA)
	write(1)
	write(2)
	write(3) // overflows the first datagram: opens the second
	p.to(peerB)
	write(4)
	want := []span{{0, 80, peerA}, {80, 120, peerA}}
	if !slices.Equal(p.closed, want) || p.open != 120 || len(p.buf) != 160 {
		t.Fatalf("closed %v, open at %d of %d; want %v, open at 120 of 160", p.closed, p.open, len(p.buf), want)
	}
	fourth := bytes.Clone(p.buf[120:])
	p.reset()
	if len(p.closed) != 0 || p.open != 0 || !bytes.Equal(p.buf, fourth) || p.peer != peerB {
		t.Fatalf("after reset: closed %v, open at %d, %d bytes, peer %v", p.closed, p.open, len(p.buf), p.peer)
	}
	write(5)
	write(6)
	p.closeOpen()
	p.closeOpen() // nothing more to close
	if want := []span{{0, 80, peerB}, {80, 120, peerB}}; !slices.Equal(p.closed, want) {
		t.Fatalf("closed %v, want %v", p.closed, want)
	}
}

// TestPackerRefused: a frame the framing refuses, or too large for a
// datagram, leaves no trace; the frames before it stay.
func TestPackerRefused(t *testing.T) {
	p := packer{framing: frame.Lines(), max: 10}
	if err := p.WriteFrame(frame.Meta{}, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteFrame(frame.Meta{}, []byte("a\nb")); !errors.Is(err, frame.BadBody) {
		t.Fatalf("a line with a newline: %v, want BadBody", err)
	}
	var tl *FrameTooLargeError
	if err := p.WriteFrame(frame.Meta{}, []byte("0123456789")); !errors.As(err, &tl) || tl.Size != 11 {
		t.Fatalf("an 11-byte line: %v, want a *FrameTooLargeError", err)
	}
	if string(p.buf) != "ok\n" || len(p.closed) != 0 {
		t.Fatalf("buffer %q, closed %v; want only the first line, open", p.buf, p.closed)
	}
}

// batchRecorder is a packetIO that keeps the size of each write.
type batchRecorder struct{ writes []int }

func (r *batchRecorder) read([]message) (int, error) { return 0, errors.New("nothing to read") }
func (r *batchRecorder) write(_ []byte, dgs []span) (int, error) {
	r.writes = append(r.writes, len(dgs))
	return 0, nil
}

// TestServeFlushesFullBatch: answers to a read's datagrams go out together,
// but never more than a batch of them wait.
func TestServeFlushesFullBatch(t *testing.T) {
	s := &Server{Framing: orders.Framing(), Handler: answer}
	ep, err := s.newEndpoint(&recorder{})
	if err != nil {
		t.Fatal(err)
	}
	rec := &batchRecorder{}
	ep.io, ep.msgs = rec, make([]message, 4)
	vector := wktest.Unhex(t, wktest.SpecVector)
	ms := make([]message, 10)
	for i := range ms {
		ms[i] = message{buf: vector, n: len(vector), peer: netip.AddrPortFrom(peerA.Addr(), uint16(i+1))}
	}
	ep.serve(ms)
	if want := []int{4, 4, 2}; !slices.Equal(rec.writes, want) {
		t.Fatalf("writes of %v datagrams, want %v", rec.writes, want)
	}
	if st := s.Stats(); st.Datagrams != 10 || st.Frames != 10 || st.Sent != 10 {
		t.Fatalf("stats %+v", st)
	}
}
