package server

import (
	"net"
	"testing"
	"time"
)

// TestIdleConnectionHoldsNoBuffers: after a request and its answer, an idle
// connection over a socket has given both its buffers back to the pool
// before it waits for more input.
func TestIdleConnectionHoldsNoBuffers(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			held := make(chan int, 10)
			s := &Server{}
			s.ConnState = func(_ net.Conn, st ConnState) {
				if st == StateIdle {
					// On the connection's goroutine, just before it waits.
					held <- onlyConn(t, s).sc.BufferCap()
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
