package server

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"

	"github.com/wirekit/wirekit/internal/epoll"
)

// canPeek: connections over sockets wait for input without a buffer.
const canPeek = true

// The states of peekFunc's *calls.
const (
	peekWait  = iota // a wait begins: peek
	peekWoken        // woken by the poller: input is there
	peekCheck        // a check begins: peek, never park
	peekReady        // the check found input
	peekNone         // the check found none
)

// peekFunc returns the function a connection passes to syscall.RawConn.Read
// to wait for input without a buffer. RawConn.Read resets the socket's
// readiness, calls the function, and, each time it returns false, parks
// until the poller reports the socket readable and calls it again; it
// honours the read deadline, so the idle timeout and Shutdown both end the
// wait.
//
// The first call checks the socket itself, by peeking at one byte into
// *one without consuming it: input that came before the reset is seen
// there. A later call follows a wake-up by the poller, which reports new
// input (or the end of the stream, or an error): it is trusted without a
// second system call, and *calls counts so. The caller sets *calls to
// peekWait before each wait.
//
// The same function answers, without waiting, whether input is waiting:
// called with *calls at peekCheck, it peeks, leaves peekReady or peekNone
// in *calls, and returns true so that RawConn.Read does not park. One
// function for both keeps an idle connection a closure smaller.
//
// The peek never blocks (MSG_DONTWAIT), so it is a raw system call: no
// scheduler hand-off.
func peekFunc(one *[1]byte, calls *uint8) func(fd uintptr) bool {
	return func(fd uintptr) bool {
		switch *calls {
		case peekWait:
			*calls = peekWoken
			return peek(fd, one)
		case peekCheck:
			*calls = peekNone
			if peek(fd, one) {
				*calls = peekReady
			}
		}
		return true
	}
}

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
	return 0, &net.OpError{Op: "read", Net: c.nc.LocalAddr().Network(), Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(), Err: os.NewSyscallError("read", err)}
}
