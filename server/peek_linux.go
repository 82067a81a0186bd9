package server

import (
	"syscall"
	"unsafe"
)

// canPeek: connections over sockets wait for input without a buffer.
const canPeek = true

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
// second system call, and *calls counts so. The caller resets *calls
// before each wait.
//
// The peek never blocks (MSG_DONTWAIT), so it is a raw system call: no
// scheduler hand-off.
func peekFunc(one *[1]byte, calls *uint8) func(fd uintptr) bool {
	return func(fd uintptr) bool {
		if *calls > 0 {
			return true
		}
		*calls++
		return peek(fd, one)
	}
}

// readyFunc returns the function a connection passes to
// syscall.RawConn.Read to learn whether input is waiting, without waiting:
// it sets *ready and returns true, so the call never parks.
func readyFunc(one *[1]byte, ready *bool) func(fd uintptr) bool {
	return func(fd uintptr) bool {
		*ready = peek(fd, one)
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
