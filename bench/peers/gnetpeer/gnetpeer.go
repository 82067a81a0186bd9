// Package gnetpeer is the gnet v2 peer of the benchmark: WK orders v1 on
// gnet's epoll event loops, set up the way gnet's documentation and its own
// benchmarks (gnet-io/gnet-benchmarks) do:
//
//   - gnet.WithMulticore(true): one event loop per usable CPU;
//   - gnet.WithReusePort(true): with several loops, one SO_REUSEPORT listener
//     per loop, so that the kernel spreads the connections;
//   - gnet.WithLockOSThread(true), as gnet's echo benchmark server runs;
//   - TCP_NODELAY and the 64 KiB read and write buffers are gnet's defaults.
//
// OnTraffic follows gnet's guide for a framed protocol: it takes everything
// the loop has read (Peek(-1), no copy unless the bytes wrap around gnet's
// ring buffer), answers every complete frame into one scratch buffer,
// Discards what it consumed and sends the answers with one Write, which gnet
// turns into one write system call (or queues, if the socket is full).
// A partial frame stays in gnet's inbound buffer until the next OnTraffic.
package gnetpeer

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/wirekit/wirekit/bench/internal/wk"
)

// Server is a running gnet server.
type Server struct {
	gnet.BuiltinEventEngine
	addr   *net.TCPAddr
	booted chan gnet.Engine
	done   chan error
	eng    gnet.Engine
}

// Start serves on the TCP address addr in the background. With port 0 it
// picks a free port first: with SO_REUSEPORT each event loop binds its own
// listener, and binding port 0 would give each a different port.
func Start(addr string) (*Server, error) {
	a, err := freeAddr(addr)
	if err != nil {
		return nil, err
	}
	s := &Server{addr: a, booted: make(chan gnet.Engine, 1), done: make(chan error, 1)}
	go func() {
		s.done <- gnet.Run(s, "tcp://"+a.String(),
			gnet.WithMulticore(true),
			gnet.WithReusePort(true),
			gnet.WithLockOSThread(true))
	}()
	select {
	case s.eng = <-s.booted:
		return s, nil
	case err := <-s.done:
		return nil, err
	}
}

func freeAddr(addr string) (*net.TCPAddr, error) {
	a, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil || a.Port != 0 {
		return a, err
	}
	ln, err := net.ListenTCP("tcp", a)
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr), nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// Close stops the engine and closes its connections.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.eng.Stop(ctx)
	<-s.done
	return err
}

// OnBoot implements gnet.EventHandler.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.booted <- eng
	return gnet.None
}

// scratch holds the answers of one OnTraffic. Write copies them out (to the
// socket, or to gnet's outbound buffer) before it returns, so a buffer is
// needed only during the call: a pool gives each event loop one without any
// per-connection memory.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// OnTraffic implements gnet.EventHandler.
func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	in, _ := c.Peek(-1)
	bp := scratch.Get().(*[]byte)
	out := (*bp)[:0]
	action := gnet.None
	off := 0
	for {
		n, code := wk.Split(in[off:])
		if code != 0 {
			out = wk.AppendFatal(out, in[off:], code)
			action = gnet.Close
			break
		}
		if n == 0 {
			break
		}
		out = wk.Answer(out, in[off:off+n], uint64(time.Now().UnixNano()))
		off += n
	}
	if off > 0 {
		c.Discard(off) // Discard(0) would discard everything
	}
	if len(out) > 0 {
		c.Write(out)
	}
	*bp = out
	scratch.Put(bp)
	return action
}
