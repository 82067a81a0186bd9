package dgram

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/internal/wktest"
)

// TestOrdersRoundTrip sends the spec's NewOrder test vector, byte for byte,
// and checks the OrderAck; then an echo through Call.
func TestOrdersRoundTrip(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			s := &Server{Framing: orders.Framing(), Handler: answer, Batch: e.batch}
			c := dial(t, start(t, s), 0)

			if _, err := c.NetConn().Write(wktest.Unhex(t, wktest.SpecVector)); err != nil {
				t.Fatal(err)
			}
			f, ack := readAck(t, c)
			want := orders.OrderAck{OrderID: 42, Status: orders.Accepted, Reason: orders.ReasonNone, ServerTime: serverTime}
			if f.ID != 7 || ack != want {
				t.Fatalf("got id %d %+v, want id 7 %+v", f.ID, ack, want)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			f, err := c.Call(ctx, frame.Meta{Type: orders.TypeEchoRequest, ID: 8}, []byte("ping"))
			if err != nil {
				t.Fatal(err)
			}
			if f.Type != orders.TypeEchoResponse || f.ID != 8 || string(f.Payload) != "ping" {
				t.Fatalf("echo answer: type %d id %d payload %q", f.Type, f.ID, f.Payload)
			}
			waitSent(t, s, 2)
			if st := s.Stats(); st.Datagrams != 2 || st.Frames != 2 || st.Sent != 2 {
				t.Errorf("stats %+v, want 2 datagrams, 2 frames, 2 sent", st)
			}
		})
	}
}

// TestPacking sends several frames in one datagram and gets their answers
// packed in one datagram, in request order; answers that do not fit one
// datagram go in as few as hold them.
func TestPacking(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			// Each echo request is answered twice, so the answers need more
			// room than the requests.
			twice := HandlerFunc(func(w *Writer, req *frame.Frame) {
				answer(w, req)
				answer(w, req)
			})
			s := &Server{Framing: orders.Framing(), Handler: twice, Batch: e.batch, MaxDatagram: 1000}
			c := dial(t, start(t, s), 1000)
			raw := c.NetConn()

			// 10 NewOrders (45-byte frames) in one datagram: 20 acks of 35
			// bytes, 700 bytes, one datagram.
			for id := range uint64(10) {
				if err := c.WriteFrame(frame.Meta{Type: orders.TypeNewOrder, ID: id}, newOrder(id)); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 2000)
			n, err := raw.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			fs := frames(t, buf[:n])
			if len(fs) != 20 {
				t.Fatalf("%d frames in the answer datagram, want 20", len(fs))
			}
			for i, f := range fs {
				if f.ID != uint64(i/2) || f.Type != orders.TypeOrderAck {
					t.Fatalf("frame %d: type %d id %d, want OrderAck id %d", i, f.Type, f.ID, i/2)
				}
			}

			// 3 echoes of 300 bytes (316-byte frames) in one 948-byte
			// datagram: 6 answers, 1896 bytes, two datagrams of 3 frames.
			for id := range uint64(3) {
				if err := c.WriteFrame(frame.Meta{Type: orders.TypeEchoRequest, ID: 100 + id}, bytes.Repeat([]byte{byte(id)}, 300)); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			var ids []uint64
			for range 2 {
				n, err := raw.Read(buf)
				if err != nil {
					t.Fatal(err)
				}
				if n > 1000 {
					t.Fatalf("a %d-byte datagram, over the limit", n)
				}
				fs := frames(t, buf[:n])
				if len(fs) != 3 {
					t.Fatalf("%d frames in an answer datagram, want 3", len(fs))
				}
				for _, f := range fs {
					ids = append(ids, f.ID)
				}
			}
			if want := []uint64{100, 100, 101, 101, 102, 102}; !slices.Equal(ids, want) {
				t.Fatalf("answer ids %v, want %v", ids, want)
			}
			waitSent(t, s, 3)
			if st := s.Stats(); st.Datagrams != 2 || st.Frames != 13 || st.Sent != 3 {
				t.Errorf("stats %+v, want 2 datagrams, 13 frames, 3 sent", st)
			}
		})
	}
}

// TestFrameTooLarge: a frame that cannot fit in one datagram is refused when
// written, on the client and in a handler, and the frames written before it
// still go.
func TestFrameTooLarge(t *testing.T) {
	handlerErr := make(chan error, 1)
	big := HandlerFunc(func(w *Writer, req *frame.Frame) {
		answer(w, req)
		handlerErr <- w.WriteFrame(frame.Meta{Type: orders.TypeEchoResponse, ID: req.ID}, make([]byte, 600))
	})
	s := &Server{Framing: orders.Framing(), Handler: big, MaxDatagram: 512}
	c := dial(t, start(t, s), 512)

	if err := c.WriteFrame(frame.Meta{Type: orders.TypeNewOrder, ID: 1}, newOrder(1)); err != nil {
		t.Fatal(err)
	}
	err := c.WriteFrame(frame.Meta{Type: orders.TypeEchoRequest, ID: 2}, make([]byte, 512-16+1))
	var tl *FrameTooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, frame.TooLarge) || tl.Size != 513 || tl.MaxDatagram != 512 {
		t.Fatalf("WriteFrame of a 513-byte frame: %v, want a *FrameTooLargeError of 513 > 512", err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	f, _ := readAck(t, c)
	if f.ID != 1 {
		t.Fatalf("answer id %d, want 1", f.ID)
	}
	if err := <-handlerErr; !errors.As(err, &tl) || tl.Size != 616 {
		t.Fatalf("handler's WriteFrame of a 616-byte frame: %v, want a *FrameTooLargeError", err)
	}
	// A frame of exactly the limit fits.
	if err := c.WriteFrame(frame.Meta{Type: orders.TypeEchoRequest, ID: 3}, make([]byte, 512-16)); err != nil {
		t.Fatal(err)
	}
}

// TestMalformedDropped sends malformed datagrams from one peer, with another
// peer's calls in between: each is dropped and counted by reason, the good
// frames before the bad bytes are answered, and the other peer is served
// throughout.
func TestMalformedDropped(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			s := &Server{Framing: orders.Framing(), Handler: answer, Batch: e.batch, MaxDatagram: 512, Logger: quiet}
			addr := start(t, s)
			bad, good := dial(t, addr, 512), dial(t, addr, 512)

			order := func(id uint64) []byte {
				b, err := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeNewOrder, ID: id}, newOrder(id))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			corrupt := func(b []byte, i int) []byte {
				b = bytes.Clone(b)
				b[i] ^= 0xff
				return b
			}
			cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
			o := order(1)
			cases := []struct {
				name     string
				datagram []byte
				answered []uint64 // ids of the frames answered before the bad bytes
			}{
				{"incomplete", cat(order(1), o[:20]), []uint64{1}},
				{"bad checksum", cat(order(2), order(3), corrupt(order(4), len(o)-1)), []uint64{2, 3}},
				{"bad magic", corrupt(o, 0), nil},
				{"bad version", corrupt(o, 2), nil},
				{"too large", cat(order(5), wktest.Unhex(t, "574b 0103 0000 0006 0011 0000")), []uint64{5}},
				{"oversized", bytes.Repeat(order(6), 12), nil}, // 540 bytes
			}
			for i, tc := range cases {
				if _, err := bad.NetConn().Write(tc.datagram); err != nil {
					t.Fatal(err)
				}
				for _, id := range tc.answered {
					if f, _ := readAck(t, bad); f.ID != id {
						t.Fatalf("%s: answer id %d, want %d", tc.name, f.ID, id)
					}
				}
				// The other peer is served in between.
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				f, err := good.Call(ctx, frame.Meta{Type: orders.TypeNewOrder, ID: uint64(100 + i)}, newOrder(7))
				cancel()
				if err != nil || f.ID != uint64(100+i) {
					t.Fatalf("after %s: the other peer's call: id %d, %v", tc.name, f.ID, err)
				}
			}
			// The bad datagrams were read before the good peer's last call
			// was answered, so they are counted.
			st := s.Stats()
			want := map[frame.Kind]uint64{frame.BadChecksum: 1, frame.BadMagic: 1, frame.BadVersion: 1, frame.TooLarge: 1}
			if st.Incomplete != 1 || st.Oversized != 1 || len(st.Malformed) != len(want) {
				t.Fatalf("stats %+v: want 1 incomplete, 1 oversized, malformed %v", st, want)
			}
			for k, n := range want {
				if st.Malformed[k] != n {
					t.Errorf("Malformed[%v] = %d, want %d", k, st.Malformed[k], n)
				}
			}
			if st.Datagrams != 12 || st.Frames != 4+6 {
				t.Errorf("stats %+v: want 12 datagrams, 10 frames", st)
			}
		})
	}
}

// TestClientDrops: the client reports a malformed datagram from its server
// with a *DropError after the good frames before the bad bytes, and goes on
// with the next datagram.
func TestClientDrops(t *testing.T) {
	srv := listen(t)
	defer srv.Close()
	c := dial(t, srv.LocalAddr().(*net.UDPAddr).AddrPort(), 512)
	if err := c.WriteFrame(frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1000)
	_, peer, err := srv.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	ack := orders.AppendResponse(nil, frame.Frame{Meta: frame.Meta{Type: orders.TypeNewOrder, ID: 9}, Payload: newOrder(9)}, 1)
	for _, d := range [][]byte{append(bytes.Clone(ack), ack[:5]...), make([]byte, 513), ack} {
		if _, err := srv.WriteToUDPAddrPort(d, peer); err != nil {
			t.Fatal(err)
		}
	}
	if f, _ := readAck(t, c); f.ID != 9 {
		t.Fatalf("first frame id %d, want 9", f.ID)
	}
	_, err = c.ReadFrame()
	var de *DropError
	if !errors.As(err, &de) || de.Reason != Incomplete || de.Offset != len(ack) || de.Len != len(ack)+5 {
		t.Fatalf("got %v, want an Incomplete *DropError at offset %d", err, len(ack))
	}
	if _, err = c.ReadFrame(); !errors.Is(err, Oversized) {
		t.Fatalf("got %v, want Oversized", err)
	}
	if f, _ := readAck(t, c); f.ID != 9 {
		t.Fatalf("after the drops: frame id %d, want 9", f.ID)
	}
}

// TestBurst has several peers send 500 datagrams, 2 frames each, to the
// server, each keeping up to 32 in flight, and checks that every request is
// answered once.
func TestBurst(t *testing.T) {
	const (
		peers    = 4
		perPeer  = 125
		window   = 32
		perDgram = 2
	)
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			s := &Server{Framing: orders.Framing(), Handler: answer, Batch: e.batch}
			addr := start(t, s)
			errs := make(chan error, peers)
			got := make(chan int, peers)
			for p := range peers {
				c := dial(t, addr, 0)
				go func() {
					n, err := burst(c, uint64(p)*1_000_000, perPeer, window, perDgram) // ids are u32
					got <- n
					errs <- err
				}()
			}
			total := 0
			for range peers {
				total += <-got
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
			// Loopback does not lose datagrams below its buffers' size, but
			// UDP promises nothing: allow 1%.
			want := peers * perPeer * perDgram
			if total < want*99/100 {
				t.Fatalf("%d answers of %d", total, want)
			}
			if total != want {
				t.Logf("%d answers of %d: datagrams lost", total, want)
			}
			waitSent(t, s, uint64(total/perDgram))
			st := s.Stats()
			if st.Frames != st.Datagrams*perDgram || st.Sent != st.Datagrams {
				t.Errorf("stats %+v: want %d frames and 1 answer per datagram", st, perDgram)
			}
		})
	}
}

// burst sends n datagrams of k NewOrders each with ids from base up, keeping
// at most window datagrams unanswered, and returns how many answers came
// back. Each answer must be to an id sent and not yet answered. A read that
// times out ends the burst: its datagrams were lost.
func burst(c *Conn, base uint64, n, window, k int) (int, error) {
	answered := make(map[uint64]bool)
	sent, got := 0, 0
	for got < n*k {
		for sent < n && sent-got/k < window {
			for j := range k {
				id := base + uint64(sent*k+j)
				if err := c.WriteFrame(frame.Meta{Type: orders.TypeNewOrder, ID: id}, newOrder(id)); err != nil {
					return got, err
				}
			}
			if err := c.Flush(); err != nil {
				return got, err
			}
			sent++
		}
		c.NetConn().SetReadDeadline(time.Now().Add(2 * time.Second))
		f, err := c.ReadFrame()
		if errors.Is(err, net.ErrClosed) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		if f.ID < base || f.ID >= base+uint64(sent*k) || answered[f.ID] {
			return got, errors.New("an answer to an id not asked, or asked once and answered twice")
		}
		answered[f.ID] = true
		got++
	}
	return got, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
