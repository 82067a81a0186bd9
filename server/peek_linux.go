package server

import (
	"io"
	"syscall"
	"unsafe"

	"github.com/wirekit/wirekit/internal/epoll"
)

// canPeek: connections over sockets wait for input without a buffer.
const canPeek = true

// peek reports whether the socket fd has input, or its end, or an error,
// to read, peeking at one byte into *one.
func peek(fd uintptr, one *[1]byte) bool {
	for {
		_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&one[0])), 1,
			syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
		if errno != syscall.EINTR {
			return errno != syscall.EAGAIN
		}
	}
}

// rawReader is what serveWaiting reads a connection through: read(2) on
// the socket, which never waits (Go's sockets are non-blocking); nothing
// to read is errWouldBlock. It records in c.g.drained whether the read left
// the socket empty: a read shorter than its buffer did.
type rawReader conn

func (r *rawReader) Read(b []byte) (int, error) {
	c := (*conn)(r)
	n, err := epoll.Read(int(c.g.fd), b)
	switch err {
	case nil:
		c.g.drained = n < len(b)
		return n, nil
	case io.EOF:
		return 0, io.EOF
	case epoll.ErrWouldBlock:
		return 0, errWouldBlock
	}
	return 0, opError("read", c.nc, err)
}
