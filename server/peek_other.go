//go:build !linux

package server

// canPeek: the readiness wait without a buffer is implemented on Linux
// only; elsewhere a connection reads with its buffer (see goroutineEngine),
// and neither peek nor rawReader is used.
const canPeek = false

func peek(uintptr, *[1]byte) bool { return false }

type rawReader conn

func (*rawReader) Read([]byte) (int, error) { return 0, errWouldBlock }
