//go:build !linux

package server

// canPeek: the readiness wait without a buffer is implemented on Linux
// only; elsewhere a connection reads with its buffer (see goroutineEngine).
const canPeek = false

func peekFunc(*[1]byte, *uint8) func(uintptr) bool { return nil }

func peek(uintptr, *[1]byte) bool { return false }

// rawReader is never used where connections cannot wait without a buffer.
type rawReader conn

func (*rawReader) Read([]byte) (int, error) { return 0, errWouldBlock }

// The states of peekFunc's *calls, unused here.
const (
	peekWait = iota
	peekWoken
	peekCheck
	peekReady
	peekNone
)
