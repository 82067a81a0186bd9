// Package netpeer is the hand-tuned net + bufio peer of the benchmark: what a
// skilled Go developer writes for WK orders v1 with the standard library
// alone. One goroutine per connection on Go's netpoller, a 64 KiB
// bufio.Reader and bufio.Writer per connection, frames parsed in place in the
// reader's buffer (Peek, then Discard), responses appended in place to the
// writer's buffer (AvailableBuffer), and one flush when no byte is left
// buffered: pipelined requests cost one read and one write system call per
// batch, and nothing is allocated per request.
package netpeer

import (
	"bufio"
	"io"
	"net"
	"sync"
	"time"

	"github.com/wirekit/wirekit/bench/internal/wk"
)

const bufSize = 64 << 10

// Server is a running server.
type Server struct {
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// Start listens on the TCP address addr and serves in the background.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, conns: make(map[net.Conn]struct{})}
	go s.accept()
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops accepting and closes every connection.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	return err
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go func() {
			serve(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

func serve(c net.Conn) {
	r := bufio.NewReaderSize(c, bufSize)
	w := bufio.NewWriterSize(c, bufSize)
	for {
		// Peek blocks for the header only when nothing is buffered, and we
		// flushed before that: a client waiting for answers always gets them.
		hdr, err := r.Peek(wk.HeaderLen)
		if n, code := wk.Split(hdr); code != 0 {
			w.Write(wk.AppendFatal(w.AvailableBuffer(), hdr, code))
			w.Flush()
			return
		} else if err != nil || n == 0 && len(hdr) < wk.HeaderLen {
			return // the peer closed or broke the connection
		}
		n := wk.FrameLen(hdr)
		var f []byte
		if n <= r.Size() {
			f, err = r.Peek(n)
		} else {
			// Larger than the buffer (the protocol allows 1 MiB): the rare
			// case pays for its own buffer.
			f = make([]byte, n)
			_, err = io.ReadFull(r, f)
		}
		if err != nil {
			return
		}
		if _, code := wk.Split(f); code != 0 {
			w.Write(wk.AppendFatal(w.AvailableBuffer(), f, code))
			w.Flush()
			return
		}
		if w.Available() < wk.ResponseLen(f) {
			// Make room, so that the answer is built in place rather than
			// in a buffer that append would allocate.
			if err := w.Flush(); err != nil {
				return
			}
		}
		w.Write(wk.Answer(w.AvailableBuffer(), f, uint64(time.Now().UnixNano())))
		if n <= r.Size() {
			r.Discard(n)
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}
