package dgram

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/internal/wktest"
	"github.com/wirekit/wirekit/stream"
)

// TestShutdown: Shutdown wakes a Serve loop blocked in a read at once, and
// a Serve call after it returns ErrServerClosed and closes its socket.
func TestShutdown(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			s := &Server{Framing: orders.Framing(), Handler: answer, Batch: e.batch}
			pc := listen(t)
			served := make(chan error, 1)
			go func() { served <- s.Serve(pc) }()
			waitFor(t, "Serve to start", func() bool { return len(s.snapshot()) == 1 })

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			begin := time.Now()
			if err := s.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-served; !errors.Is(err, ErrServerClosed) {
				t.Fatalf("Serve returned %v", err)
			}
			if d := time.Since(begin); d > time.Second {
				t.Errorf("Shutdown took %v", d)
			}
			if _, err := pc.WriteToUDPAddrPort([]byte{0}, pc.LocalAddr().(*net.UDPAddr).AddrPort()); !errors.Is(err, net.ErrClosed) {
				t.Errorf("the socket is not closed after Serve: write gave %v", err)
			}

			late := listen(t)
			if err := s.Serve(late); !errors.Is(err, ErrServerClosed) {
				t.Fatalf("Serve after Shutdown returned %v", err)
			}
			if err := late.Close(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Serve after Shutdown left its socket open")
			}
		})
	}
}

// TestShutdownAnswers: Shutdown lets the datagrams read be handled and
// answered before the socket closes.
func TestShutdownAnswers(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := HandlerFunc(func(w *Writer, req *frame.Frame) {
		close(entered)
		<-release
		answer(w, req)
	})
	s := &Server{Framing: orders.Framing(), Handler: slow}
	pc := listen(t)
	served := make(chan error, 1)
	go func() { served <- s.Serve(pc) }()
	c := dial(t, pc.LocalAddr().(*net.UDPAddr).AddrPort(), 0)
	if _, err := c.NetConn().Write(wktest.Unhex(t, wktest.SpecVector)); err != nil {
		t.Fatal(err)
	}
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	waitFor(t, "Shutdown to begin", s.closing.Load)
	close(release)
	if f, _ := readAck(t, c); f.ID != 7 {
		t.Fatalf("answer id %d, want 7", f.ID)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
}

// TestShutdownTimeout: when ctx ends first, Shutdown closes the sockets and
// returns ctx's error.
func TestShutdownTimeout(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	stuck := HandlerFunc(func(w *Writer, req *frame.Frame) {
		close(entered)
		<-release
	})
	s := &Server{Framing: orders.Framing(), Handler: stuck}
	pc := listen(t)
	served := make(chan error, 1)
	go func() { served <- s.Serve(pc) }()
	c := dial(t, pc.LocalAddr().(*net.UDPAddr).AddrPort(), 0)
	if _, err := c.NetConn().Write(wktest.Unhex(t, wktest.SpecVector)); err != nil {
		t.Fatal(err)
	}
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown returned %v, want DeadlineExceeded", err)
	}
	close(release)
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
}

// TestClose stops Serve at once.
func TestClose(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			s := &Server{Framing: orders.Framing(), Handler: answer, Batch: e.batch}
			served := make(chan error, 1)
			go func() { served <- s.Serve(listen(t)) }()
			waitFor(t, "Serve to start", func() bool { return len(s.snapshot()) == 1 })
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := <-served; !errors.Is(err, ErrServerClosed) {
				t.Fatalf("Serve returned %v", err)
			}
		})
	}
}

func TestListenAndServe(t *testing.T) {
	s := &Server{Framing: orders.Framing(), Handler: answer}
	served := make(chan error, 1)
	go func() { served <- s.ListenAndServe("127.0.0.1:0") }()
	waitFor(t, "ListenAndServe to start", func() bool { return len(s.snapshot()) == 1 })
	c := dial(t, s.snapshot()[0].pc.LocalAddr().(*net.UDPAddr).AddrPort(), 0)
	if _, err := c.NetConn().Write(wktest.Unhex(t, wktest.SpecVector)); err != nil {
		t.Fatal(err)
	}
	if f, _ := readAck(t, c); f.ID != 7 {
		t.Fatalf("answer id %d, want 7", f.ID)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("ListenAndServe returned %v", err)
	}
	if err := (&Server{}).ListenAndServe("127.0.0.1:no-port"); err == nil {
		t.Fatal("ListenAndServe on a bad address: no error")
	}
}

func TestServeNeedsFramingAndHandler(t *testing.T) {
	for _, s := range []*Server{{Handler: answer}, {Framing: orders.Framing()}} {
		pc := listen(t)
		if err := s.Serve(pc); err == nil || errors.Is(err, ErrServerClosed) {
			t.Fatalf("Serve of %+v returned %v, want a configuration error", s, err)
		}
		if err := pc.Close(); !errors.Is(err, net.ErrClosed) {
			t.Error("Serve left the socket open")
		}
	}
}

// TestPanic: a handler's panic is recovered and counted; it drops the rest
// of its datagram, and the server goes on.
func TestPanic(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			touchy := HandlerFunc(func(w *Writer, req *frame.Frame) {
				if req.ID == 13 {
					panic("unlucky")
				}
				answer(w, req)
			})
			s := &Server{Framing: orders.Framing(), Handler: touchy, Batch: e.batch, Logger: quiet}
			c := dial(t, start(t, s), 0)
			for _, id := range []uint64{12, 13, 14} {
				if err := c.WriteFrame(frame.Meta{Type: orders.TypeNewOrder, ID: id}, newOrder(id)); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			if f, _ := readAck(t, c); f.ID != 12 {
				t.Fatalf("answer id %d, want 12", f.ID)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := c.Call(ctx, frame.Meta{Type: orders.TypeNewOrder, ID: 15}, newOrder(15)); err != nil {
				t.Fatalf("after the panic: %v", err)
			}
			if st := s.Stats(); st.Panics != 1 || st.Frames != 3 {
				t.Fatalf("stats %+v, want 1 panic, 3 frames", st)
			}
		})
	}
}

// TestPoison: with Poison, a frame kept past its handler reads as poison by
// the next handler call, in the same datagram or the next.
func TestPoison(t *testing.T) {
	var kept []byte
	poisoned := make(chan bool, 3)
	keeper := HandlerFunc(func(w *Writer, req *frame.Frame) {
		if kept != nil {
			poisoned <- bytes.Equal(kept, bytes.Repeat([]byte{stream.PoisonByte}, len(kept)))
		}
		kept = req.Payload // the bug Poison exposes
		answer(w, req)
	})
	s := &Server{Framing: orders.Framing(), Handler: keeper, Poison: true}
	c := dial(t, start(t, s), 0)
	if _, err := c.NetConn().Write(bytes.Repeat(wktest.Unhex(t, wktest.SpecVector), 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NetConn().Write(wktest.Unhex(t, wktest.SpecVector)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		// The answer is written before the poison.
		if f, ack := readAck(t, c); f.ID != 7 || ack.OrderID != 42 {
			t.Fatalf("answer %d %+v", f.ID, ack)
		}
	}
	for range 2 {
		if !<-poisoned {
			t.Fatal("a kept payload is not poisoned")
		}
	}
}

// TestCallContext: Call returns ctx's error when no answer comes, whether
// ctx times out or is cancelled, and clears the read deadline.
func TestCallContext(t *testing.T) {
	silent := listen(t) // a socket that reads nothing and answers nothing
	defer silent.Close()
	c := dial(t, silent.LocalAddr().(*net.UDPAddr).AddrPort(), 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Call(ctx, frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Call returned %v, want DeadlineExceeded", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := c.Call(ctx, frame.Meta{Type: orders.TypeEchoRequest, ID: 2}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Call returned %v, want Canceled", err)
	}

	// The deadline is cleared: a read now waits for the datagram.
	go func() {
		time.Sleep(20 * time.Millisecond)
		to := c.NetConn().LocalAddr().(*net.UDPAddr).AddrPort()
		silent.WriteToUDPAddrPort(orders.AppendError(nil, 3, orders.CodeUnknownType, ""), to)
	}()
	if f, err := c.ReadFrame(); err != nil || f.ID != 3 {
		t.Fatalf("ReadFrame after Call: id %d, %v", f.ID, err)
	}
}

// TestCallSkipsStale: Call skips answers to other ids and malformed
// datagrams, and returns the answer to its own id.
func TestCallSkipsStale(t *testing.T) {
	srv := listen(t)
	defer srv.Close()
	c := dial(t, srv.LocalAddr().(*net.UDPAddr).AddrPort(), 0)
	go func() {
		buf := make([]byte, 2000)
		_, peer, err := srv.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		srv.WriteToUDPAddrPort(orders.AppendError(nil, 1, orders.CodeUnknownType, "stale"), peer)
		srv.WriteToUDPAddrPort([]byte("garbage"), peer)
		srv.WriteToUDPAddrPort(orders.AppendError(nil, 2, orders.CodeUnknownType, "mine"), peer)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f, err := c.Call(ctx, frame.Meta{Type: orders.TypeEchoRequest, ID: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var e orders.Error
	if err := e.Decode(f.Payload); err != nil || f.ID != 2 || string(e.Message) != "mine" {
		t.Fatalf("Call answer: id %d %q %v", f.ID, e.Message, err)
	}
}

// TestEngineChoice: batching needs a *net.UDPConn and a Batch over one.
func TestEngineChoice(t *testing.T) {
	pc := listen(t)
	defer pc.Close()
	for _, tc := range []struct {
		pc    PacketConn
		batch int
	}{{pc, 1}, {wrapped{pc}, 32}} {
		io, batch, err := newPacketIO(tc.pc, tc.batch)
		if _, single := io.(singleIO); err != nil || !single || batch != 1 {
			t.Errorf("newPacketIO(%T, %d) = %T, %d, %v; want singleIO, 1", tc.pc, tc.batch, io, batch, err)
		}
	}
}

// wrapped hides the *net.UDPConn, as a wrapper around a socket does.
type wrapped struct{ *net.UDPConn }

// TestWrappedConn serves a PacketConn that is not a *net.UDPConn.
func TestWrappedConn(t *testing.T) {
	s := &Server{Framing: orders.Framing(), Handler: answer}
	pc := listen(t)
	served := make(chan error, 1)
	go func() { served <- s.Serve(wrapped{pc}) }()
	c := dial(t, pc.LocalAddr().(*net.UDPAddr).AddrPort(), 0)
	if _, err := c.NetConn().Write(wktest.Unhex(t, wktest.SpecVector)); err != nil {
		t.Fatal(err)
	}
	if f, _ := readAck(t, c); f.ID != 7 {
		t.Fatalf("answer id %d, want 7", f.ID)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
}
