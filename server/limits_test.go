package server

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

func TestMaxConnsRejectsOneOver(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		var m counts
		s := &Server{
			Engine:   e,
			MaxConns: 2,
			Metrics:  &m,
			OnReject: func(w *Writer) {
				w.WriteFrame(frame.Meta{Type: orders.TypeError}, []byte("\x00\x00\x04busy"))
			},
		}
		addr := serveTCP(t, s)
		a, b := dial(t, "tcp", addr), dial(t, "tcp", addr)
		a.roundTrip(1, "a")
		b.roundTrip(1, "b")

		over := dial(t, "tcp", addr)
		over.expect(orders.TypeError, 0, "\x00\x00\x04busy")
		over.expectClosed()
		if m.rejected.Load() != 1 || m.accepted.Load() != 2 {
			t.Errorf("accepted %d rejected %d, want 2 and 1", m.accepted.Load(), m.rejected.Load())
		}

		// The others keep working; a closed one frees its place.
		a.roundTrip(2, "a")
		b.nc.Close()
		eventually(t, "the server to see the close", func() bool { return m.closed.Load() == 1 })
		c := dial(t, "tcp", addr)
		c.roundTrip(1, "c")
		a.roundTrip(3, "a")
	})
}

func TestMaxConnsWithoutHookClosesAtOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		var m counts
		addr := serveTCP(t, &Server{Engine: e, MaxConns: 1, Metrics: &m})
		dial(t, "tcp", addr).roundTrip(1, "x")
		over := dial(t, "tcp", addr)
		over.echo(1, "y")
		over.expectClosed()
		if m.rejected.Load() != 1 {
			t.Errorf("rejected %d", m.rejected.Load())
		}
	})
}

// TestMaxInFlightStopsReading: a peer whose requests are all deferred is
// no longer read from once MaxInFlight answers are pending, so its writes
// block; another peer is served meanwhile; once the replies are Done the
// first peer is read again.
func TestMaxInFlightStopsReading(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		const max = 4
		var h held
		var calls atomic.Int64
		s := &Server{
			Engine:      e,
			MaxInFlight: max,
			Handler: HandlerFunc(func(w *Writer, req *Request) {
				if string(req.Payload) != "defer" {
					answer(w, req)
					return
				}
				calls.Add(1)
				h.add(w.Defer(), req.ID)
			}),
		}
		addr := serveTCP(t, s)
		slow := dial(t, "tcp", addr)

		// Write deferred requests until the writes block: the server stopped
		// reading, the socket buffers filled up.
		chunk := make([]byte, 0, 64<<10)
		id := uint64(0)
		for len(chunk)+64 < cap(chunk) {
			id++
			chunk, _ = frame.Append(orders.Framing(), chunk, frame.Meta{Type: orders.TypeEchoRequest, ID: id}, []byte("defer"))
		}
		perChunk := id
		sent := 0
		for {
			slow.nc.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
			n, err := slow.nc.Write(chunk)
			sent += n
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if sent > 256<<20 {
				t.Fatalf("wrote %d bytes and the writes never blocked", sent)
			}
		}
		t.Logf("the peer's writes blocked after %d bytes (%d frames); the handler was called %d times", sent, sent/len(chunk)*int(perChunk), calls.Load())
		if got := calls.Load(); got != max {
			t.Fatalf("handler called %d times, want MaxInFlight = %d", got, max)
		}

		// Another connection is not affected.
		other := dial(t, "tcp", addr)
		other.roundTrip(1, "hello")

		// Done the held replies: they go out in order, and reading resumes.
		replies, ids := h.take()
		for i, r := range replies {
			doneEcho(r, ids[i], "late")
		}
		for i := range max {
			slow.expect(orders.TypeEchoResponse, uint64(i+1), "late")
		}
		eventually(t, "reading to resume", func() bool { return calls.Load() == 2*max })
	})
}

// TestFrameTimeoutCutsSlowDrip: a peer dripping a frame one byte per 50 ms
// is cut by a 200 ms FrameTimeout, while a peer idle for longer than that,
// under a longer IdleTimeout, is not.
func TestFrameTimeoutCutsSlowDrip(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		for _, network := range []string{"tcp", "tls"} {
			t.Run(network, func(t *testing.T) {
				s := &Server{Engine: e, FrameTimeout: 200 * time.Millisecond, IdleTimeout: 3 * time.Second}
				dialer := func() *client { return dial(t, "tcp", serveTCP(t, s)) }
				if network == "tls" {
					addr, cfg := serveTLS(t, s)
					dialer = func() *client { return dialTLS(t, addr, cfg) }
				}
				idle, drip := dialer(), dialer()
				idle.roundTrip(1, "first")
				wire, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, []byte("drip drip drip"))
				start := time.Now()
				dripDone := make(chan error, 1)
				go func() {
					for _, b := range wire {
						if _, err := drip.nc.Write([]byte{b}); err != nil {
							dripDone <- err
							return
						}
						time.Sleep(50 * time.Millisecond)
					}
					dripDone <- nil
				}()
				drip.expectClosed()
				cut := time.Since(start)
				if cut < 150*time.Millisecond || cut > 1500*time.Millisecond {
					t.Errorf("slow drip cut after %v, want about 200ms", cut)
				}
				<-dripDone // the writes fail once the server has closed

				time.Sleep(600*time.Millisecond - time.Since(start)) // idle 600 ms in all
				idle.roundTrip(2, "still here")
			})
		}
	})
}

func TestIdleTimeoutClosesIdlePeers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		addr := serveTCP(t, &Server{Engine: e, IdleTimeout: 100 * time.Millisecond})
		fresh := dial(t, "tcp", addr)
		used := dial(t, "tcp", addr)
		used.roundTrip(1, "x")
		for name, c := range map[string]*client{"fresh": fresh, "used": used} {
			if d := c.expectClosed(); d > 2*time.Second {
				t.Errorf("%s: closed after %v, want about 100ms", name, d)
			}
		}
	})
}

// TestMaxBufferedRefusesHugeFrame: a framing that allows 1 GiB frames, a
// MaxBuffered of 64 KiB, and a peer announcing 100 MB: the frame is refused
// as too large once it would not fit, and the inbound buffer never passes
// the cap.
func TestMaxBufferedRefusesHugeFrame(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		const limit = 64 << 10
		lf, err := frame.NewLengthField(frame.LengthFieldConfig{Width: 4, MaxFrame: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		var m counts
		var peak atomic.Int64
		refused := make(chan *frame.Error, 1)
		s := &Server{
			Engine:      e,
			Framing:     lf,
			MaxBuffered: limit,
			Metrics:     &m,
			Handler:     HandlerFunc(func(w *Writer, req *Request) { w.WriteFrame(frame.Meta{}, req.Payload) }),
			OnProtocolError: func(w *Writer, err error) {
				var fe *frame.Error
				errors.As(err, &fe)
				peak.Store(int64(w.c.sc.BufferCap()))
				refused <- fe
				w.WriteFrame(frame.Meta{}, []byte("too large"))
			},
		}
		addr := serveTCP(t, s)
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		hdr := binary.BigEndian.AppendUint32(nil, 100<<20)
		go func() {
			nc.Write(hdr)
			body := make([]byte, 32<<10)
			for range 64 { // 2 MiB, far over the cap
				if _, err := nc.Write(body); err != nil {
					return
				}
			}
		}()
		fe := <-refused
		if fe.Kind != frame.TooLarge || !fe.Fatal {
			t.Errorf("error %v, want a fatal TooLarge", fe)
		}
		// The inbound buffer is at most the cap; the outbound one, untouched so
		// far, is a small pooled buffer.
		if p := peak.Load(); p > limit+4<<10 {
			t.Errorf("buffers hold %d bytes at the refusal, cap %d", p, limit)
		}
		c := newClient(t, nc)
		c.sc = newLFConn(nc, lf)
		f, err := c.sc.ReadFrame()
		if err != nil || string(f.Payload) != "too large" {
			t.Fatalf("answer %q %v", f.Payload, err)
		}
		eventually(t, "the protocol error to be counted", func() bool { return m.protocol[frame.TooLarge].Load() == 1 })
	})
}
