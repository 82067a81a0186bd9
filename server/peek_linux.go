package server

import (
	"syscall"
	"unsafe"
)

// canPeek: connections over sockets wait for input without a buffer.
const canPeek = true

// peekFunc returns the function a connection passes to syscall.RawConn.Read
// to wait for input without a buffer: it reports whether the socket is
// readable (data, end of stream or an error, which the next read returns)
// by peeking at one byte into *one without consuming it. RawConn.Read calls
// it again each time the poller says the socket may be readable, and honours
// the read deadline, so the idle timeout and Shutdown both end the wait.
//
// The peek never blocks (MSG_DONTWAIT), so it is a raw system call: no
// scheduler hand-off.
func peekFunc(one *[1]byte) func(fd uintptr) bool {
	return func(fd uintptr) bool {
		for {
			_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&one[0])), 1,
				syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
			if errno != syscall.EINTR {
				return errno != syscall.EAGAIN
			}
		}
	}
}
