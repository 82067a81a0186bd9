package server

import (
	"net"
	"syscall"
	"testing"

	"github.com/wirekit/wirekit/internal/epoll"
)

// BenchmarkEmptySocket measures the system call a wait that begins anew
// makes on a loopback TCP socket with nothing to read: the goroutine
// engine's peek, and the read that returns EAGAIN in a net + bufio server.
// Serving inside RawConn.Read saves one of them per batch (see
// serveWaiting).
//
//	go test ./server -run '^$' -bench EmptySocket -count 6 -cpu 1
func BenchmarkEmptySocket(b *testing.B) {
	ln := listen(b, "tcp")
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rc, err := s.(syscall.Conn).SyscallConn()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("peek", func(b *testing.B) {
		var one [1]byte
		rc.Control(func(fd uintptr) {
			for b.Loop() {
				if peek(fd, &one) {
					b.Fatal("input on an empty socket")
				}
			}
		})
	})
	b.Run("read", func(b *testing.B) {
		buf := make([]byte, 64<<10)
		rc.Control(func(fd uintptr) {
			for b.Loop() {
				if _, err := epoll.Read(int(fd), buf); err != epoll.ErrWouldBlock {
					b.Fatalf("read on an empty socket: %v", err)
				}
			}
		})
	})
}
