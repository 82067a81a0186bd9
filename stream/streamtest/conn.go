// Package streamtest tests framed connections and codecs without a network,
// the way Netty's EmbeddedChannel does: the test plays the peer of a [Conn],
// decides how its bytes are cut into reads, reads back everything the code
// under test wrote, and moves a fake [Clock] to fire deadlines.
//
//	         input, cut by a Chunking            Read
//	test ──NewConn/Feed──▶ [W][K 01][03 00 …] ──────────▶ code under test
//	test ◀──Written/Writes── captured bytes  ◀──────────  (holds a net.Conn)
//	                                              Write
//	test ──Clock.Advance──▶ deadlines fire, blocked Reads wake
//
// The package has no goroutines of its own and never sleeps: a Read that
// must wait blocks only the goroutine that called it, until input arrives,
// the input or the Conn is closed, or the clock passes the read deadline.
//
// It depends on nothing but the standard library, so every wirekit package
// can use it in its tests.
package streamtest

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Addr is the address of an in-memory endpoint. Its network is "mem".
type Addr string

// Network returns "mem".
func (Addr) Network() string { return "mem" }

// String returns the address's name.
func (a Addr) String() string { return string(a) }

// The addresses every Conn reports.
const (
	LocalAddr  Addr = "local"
	RemoteAddr Addr = "peer"
)

// A Conn is an in-memory [net.Conn] whose peer is the test. Reads deliver the
// peer's input in chunks chosen by a [Chunking], then [io.EOF] once the peer
// has closed its side (see [Conn.CloseInput]). Writes never block: every byte
// is kept for [Conn.Written], and every call is counted by [Conn.Writes].
//
// Deadlines are judged by a fake [Clock] (see [Conn.Clock]): a Read or Write
// at or after its deadline fails with a [*net.OpError] whose Timeout method
// reports true and which matches [os.ErrDeadlineExceeded] with [errors.Is], as
// on a real connection. A Read blocked waiting for input fails the same way
// as soon as the clock is advanced past its deadline. After Close, Read and
// Write fail with an error matching [net.ErrClosed], and blocked Reads wake.
//
// A Conn is safe for concurrent use.
type Conn struct {
	mu       sync.Mutex
	clock    *Clock
	chunking Chunking

	in     []byte // input not yet read
	chunk  int    // bytes left in the chunk being read, 0 to start a new one
	inDone bool   // the peer closed its side: io.EOF once in is empty
	closed bool
	// changed is closed, and cleared, when something a blocked Read waits
	// for happens: input, CloseInput, Close, a new deadline or clock.
	changed chan struct{}

	readDeadline  time.Time
	writeDeadline time.Time

	out    []byte // everything written
	writes int
	reads  int
}

// NewConn returns a Conn whose peer has sent input and closed its side:
// Reads return input cut by chunking, then io.EOF. A nil chunking means
// [All]. The Conn keeps its own copy of input and has its own [Clock].
func NewConn(input []byte, chunking Chunking) *Conn {
	c := NewOpenConn(chunking)
	c.in = append([]byte(nil), input...)
	c.inDone = true
	return c
}

// NewOpenConn returns a Conn whose peer has sent nothing yet and keeps its side
// open: Reads block until the test calls [Conn.Feed] or [Conn.CloseInput],
// the Conn is closed, or the read deadline passes. A nil chunking means [All].
// The Conn has its own [Clock].
func NewOpenConn(chunking Chunking) *Conn {
	if chunking == nil {
		chunking = All
	}
	return &Conn{clock: NewClock(), chunking: chunking}
}

// Feed adds b to the input, as if the peer had sent it, and wakes a blocked
// Read. The Conn keeps its own copy of b. Feeding a closed Conn does nothing;
// otherwise Feed panics after CloseInput or NewConn, which promised that the
// peer would send no more.
func (c *Conn) Feed(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if c.inDone {
		panic("streamtest: Feed after CloseInput")
	}
	if len(b) == 0 {
		return
	}
	c.in = append(c.in, b...)
	c.wake()
}

// CloseInput closes the peer's side: once the input is read, Reads return
// io.EOF. It is what a peer's half-close or FIN looks like. Calling it again
// does nothing.
func (c *Conn) CloseInput() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inDone = true
	c.wake()
}

// Read reads from the current chunk of input, never more than what is left
// of it, whatever len(p); see [Chunking]. It blocks while there is no input,
// the input is open and the Conn is open. A Read with an empty p returns
// 0, nil at once unless the Conn is closed.
func (c *Conn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	for {
		if c.closed {
			return 0, c.opError("read", net.ErrClosed)
		}
		if len(p) == 0 {
			return 0, nil
		}
		var advanced <-chan struct{} // nil, so never ready, without a deadline
		if !c.readDeadline.IsZero() {
			var now time.Time
			now, advanced = c.clock.wait()
			if !now.Before(c.readDeadline) {
				return 0, c.opError("read", os.ErrDeadlineExceeded)
			}
		}
		if len(c.in) > 0 {
			if c.chunk == 0 {
				c.chunk = min(max(c.chunking(len(c.in)), 1), len(c.in))
			}
			n := copy(p[:min(len(p), c.chunk)], c.in)
			c.in = c.in[n:]
			c.chunk -= n
			if len(c.in) == 0 {
				c.in = nil
			}
			return n, nil
		}
		if c.inDone {
			return 0, io.EOF
		}
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-advanced:
		}
		c.mu.Lock()
	}
}

// Write keeps a copy of p for [Conn.Written] and returns len(p), nil, unless
// the Conn is closed or the write deadline has passed. It never blocks.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	if c.closed {
		return 0, c.opError("write", net.ErrClosed)
	}
	if !c.writeDeadline.IsZero() && !c.clock.Now().Before(c.writeDeadline) {
		return 0, c.opError("write", os.ErrDeadlineExceeded)
	}
	c.out = append(c.out, p...)
	return len(p), nil
}

// Close closes the Conn: blocked Reads wake, and Read, Write and the deadline
// setters fail with an error matching [net.ErrClosed] from then on, as does a
// second Close.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opError("close", net.ErrClosed)
	}
	c.closed = true
	c.wake()
	return nil
}

// LocalAddr returns [LocalAddr].
func (c *Conn) LocalAddr() net.Addr { return LocalAddr }

// RemoteAddr returns [RemoteAddr].
func (c *Conn) RemoteAddr() net.Addr { return RemoteAddr }

// SetDeadline sets both the read and the write deadline; see
// [Conn.SetReadDeadline] and [Conn.SetWriteDeadline].
func (c *Conn) SetDeadline(t time.Time) error {
	return c.setDeadlines(t, true, true)
}

// SetReadDeadline sets the time, on the Conn's [Clock], at and after which
// Reads fail with a timeout, including a Read already blocked. The zero time
// means no deadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	return c.setDeadlines(t, true, false)
}

// SetWriteDeadline sets the time, on the Conn's [Clock], at and after which
// Writes fail with a timeout. The zero time means no deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return c.setDeadlines(t, false, true)
}

func (c *Conn) setDeadlines(t time.Time, read, write bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opError("set", net.ErrClosed)
	}
	if read {
		c.readDeadline = t
		c.wake()
	}
	if write {
		c.writeDeadline = t
	}
	return nil
}

// Clock returns the clock that judges the Conn's deadlines.
func (c *Conn) Clock() *Clock {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clock
}

// SetClock makes the Conn judge its deadlines by clk from now on, so that
// several Conns, and the code under test, can share one clock.
func (c *Conn) SetClock(clk *Clock) {
	if clk == nil {
		panic("streamtest: SetClock with a nil Clock")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock = clk
	c.wake()
}

// Written returns a copy of everything written to the Conn so far.
func (c *Conn) Written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.out...)
}

// Writes returns the number of calls to Write so far, failed ones included:
// the number of write system calls a real connection would have made.
func (c *Conn) Writes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

// Reads returns the number of calls to Read so far, failed ones included.
func (c *Conn) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// Unread returns the number of input bytes fed but not yet read.
func (c *Conn) Unread() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.in)
}

// Closed reports whether Close has been called.
func (c *Conn) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// wake wakes every blocked Read so that it looks at the Conn again.
// c.mu must be held.
func (c *Conn) wake() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "mem", Source: LocalAddr, Addr: RemoteAddr, Err: err}
}

var _ net.Conn = (*Conn)(nil)
