package server

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// TestIdleConnectionHoldsNoBuffers: after a request and its answer, an idle
// connection over a socket has given both its buffers back to the pool
// before it waits for more input.
func TestIdleConnectionHoldsNoBuffers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		for _, network := range []string{"tcp", "unix"} {
			t.Run(network, func(t *testing.T) {
				held := make(chan int, 10)
				s := &Server{Engine: e}
				s.ConnState = func(_ net.Conn, st ConnState) {
					if st == StateIdle {
						// On the connection's goroutine, just before it waits.
						held <- onlyConn(t, s).bufferCap()
					}
				}
				addr := start(t, s, listen(t, network))
				cl := dial(t, network, addr)
				for i := range 3 {
					cl.roundTrip(uint64(i), "some bytes to buffer")
					select {
					case n := <-held:
						if n != 0 {
							t.Fatalf("idle connection holds %d bytes of buffers", n)
						}
					case <-time.After(10 * time.Second):
						t.Fatal("the connection never went idle")
					}
				}
			})
		}
	})
}

// bufferCap returns the bytes of buffers c holds, also when it holds no
// stream (the poll engine's idle connections).
func (c *conn) bufferCap() int {
	if c.sc == nil {
		return 0
	}
	return c.sc.BufferCap()
}

func onlyConn(t *testing.T, s *Server) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) != 1 {
		t.Errorf("%d connections", len(s.conns))
	}
	for c := range s.conns {
		return c
	}
	return nil
}

// TestRehomedConnectionsServeOn (the goroutine engine's rehoming):
// connections idle longer than rehomeAfter
// wait on a fresh goroutine; they serve on as before, the idle timeout
// still counts from the last frame, and the rehoming deadline (armed lazily
// when no timeout is set) does not cut a frame that is slow to arrive.
func TestRehomedConnectionsServeOn(t *testing.T) {
	t.Parallel()
	t.Run("no timeouts", func(t *testing.T) {
		t.Parallel()
		c := dial(t, "tcp", serveTCP(t, &Server{Engine: EngineGoroutine}))
		c.roundTrip(1, "before")
		time.Sleep(rehomeAfter + 300*time.Millisecond)
		c.roundTrip(2, "after a rehoming")
		// Two frames, the second split across the next rehoming deadline.
		wire, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoRequest, ID: 3}, []byte("one"))
		wire, _ = frame.Append(orders.Framing(), wire, frame.Meta{Type: orders.TypeEchoRequest, ID: 4}, []byte("split"))
		half := len(wire) - 5
		c.nc.Write(wire[:half])
		c.expect(orders.TypeEchoResponse, 3, "one")
		time.Sleep(rehomeAfter + 300*time.Millisecond)
		c.nc.Write(wire[half:])
		c.expect(orders.TypeEchoResponse, 4, "split")
	})
	t.Run("idle timeout", func(t *testing.T) {
		t.Parallel()
		const idle = rehomeAfter + 600*time.Millisecond
		c := dial(t, "tcp", serveTCP(t, &Server{Engine: EngineGoroutine, IdleTimeout: idle}))
		c.roundTrip(1, "before")
		time.Sleep(rehomeAfter + 300*time.Millisecond) // rehomed, not timed out
		c.roundTrip(2, "after a rehoming")
		start := time.Now()
		c.expectClosed()
		if d := time.Since(start); d < idle-200*time.Millisecond || d > idle+time.Second {
			t.Errorf("closed %v after the last frame, IdleTimeout %v", d, idle)
		}
	})
}

// TestRehomedConnectionsEnd (the goroutine engine's rehoming): a
// connection waiting on a fresh goroutine, without its stream, is still
// closed by Server.Close and by Shutdown, fresh or used.
func TestRehomedConnectionsEnd(t *testing.T) {
	t.Parallel()
	for _, end := range []string{"Close", "Shutdown"} {
		for _, used := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/used=%t", end, used), func(t *testing.T) {
				t.Parallel()
				s := &Server{Engine: EngineGoroutine}
				c := dial(t, "tcp", serveTCP(t, s))
				if used {
					c.roundTrip(1, "before")
				}
				time.Sleep(rehomeAfter + 300*time.Millisecond)
				done := make(chan error, 1)
				if end == "Close" {
					done <- s.Close()
				} else {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					go func() { done <- s.Shutdown(ctx) }()
				}
				if d := c.expectClosed(); d > 5*time.Second {
					t.Errorf("closed after %v", d)
				}
				if err := <-done; err != nil {
					t.Errorf("%s: %v", end, err)
				}
			})
		}
	}
}

// TestWaitingInsideHoldsNoBuffers: a connection that waits for its next
// batch inside the RawConn.Read that served the last (no ConnState hook,
// so TestIdleConnectionHoldsNoBuffers does not see it) holds no buffer
// either. Its stream is read under c.g.wmu, which the connection holds
// whenever it uses it.
func TestWaitingInsideHoldsNoBuffers(t *testing.T) {
	if !canPeek {
		t.Skip("connections wait without a buffer on Linux only")
	}
	s := &Server{Engine: EngineGoroutine}
	cl := dial(t, "tcp", serveTCP(t, s))
	for i := range 3 {
		cl.roundTrip(uint64(i), "some bytes to buffer")
		c := onlyConn(t, s)
		eventually(t, "the buffers given back", func() bool {
			c.g.wmu.Lock()
			defer c.g.wmu.Unlock()
			return c.g.calls == serveWoken && c.bufferCap() == 0
		})
	}
}
