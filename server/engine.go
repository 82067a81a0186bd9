package server

import (
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/wirekit/wirekit/stream"
)

// An engine runs connections: it decides which goroutine reads, serves and
// writes, how a connection waits for input and how it is woken. What a
// connection does with its frames, replies and limits is in conn, the same
// for every engine: the goroutine engine here, the poll engine (epoll) in
// poll_linux.go. Nothing in the handler API depends on which one runs.
type engine interface {
	// attach sets up the engine's own state in c, and c.sc and c.req if
	// the engine keeps them for the connection's lifetime.
	attach(c *conn)
	// serve starts running c and returns at once.
	serve(c *conn)
	// reject runs c, a connection over Server.MaxConns, through
	// Server.OnReject and closes it. It returns at once.
	reject(c *conn)
	// startAsync prepares c for Replies, at the first Defer, once c.aq is
	// made, on the goroutine serving c.
	startAsync(c *conn)
	// wakeup tells the engine that a Reply of c is Done, from any goroutine.
	wakeup(c *conn)
	// stopReading makes c stop reading from its peer as soon as it can:
	// Shutdown. It is called from any goroutine.
	stopReading(c *conn)
	// kill closes c at once, from any goroutine: Server.Close.
	kill(c *conn)
}

// aLongTimeAgo is a read deadline that has passed: setting it wakes a
// blocked read at once.
var aLongTimeAgo = time.Unix(1, 0)

// goroutineEngine runs each connection on a goroutine of its own, over Go's
// network poller: any net.Listener, TLS included.
//
// Between frames, a connection over a socket (a syscall.Conn: TCP, Unix)
// gives its buffers back to the pool and waits for readability through
// syscall.RawConn, peeking at one byte into a field of the conn; only when
// input has arrived does it take a buffer and read. It then serves batch
// after batch inside that RawConn.Read, waiting there between them, which
// saves the peek at each (see serveWaiting). A connection idle for
// a second moves that wait to a fresh goroutine, on the smallest stack
// (see wait), and drops its stream (see shed). Connections that are no
// syscall.Conn (TLS, net.Pipe, wrappers) read into their buffer directly
// and so keep it while they wait; TLS could not wait otherwise anyway, as
// the TLS layer may hold decrypted input the socket no longer shows.
//
// While Replies are outstanding and the connection's goroutine waits for
// input, a second goroutine, started for that time only, writes the
// replies as they become Done: all those ready at once in one write.
type goroutineEngine struct{}

// goroutineConn is the goroutine engine's state of one connection.
type goroutineConn struct {
	// wmu gives the write side of the connection (see conn) to one
	// goroutine at a time: the connection's, or the one writing replies.
	wmu      sync.Mutex
	tlsState *tls.ConnectionState

	rc       syscall.RawConn    // nil: no readiness wait, read with the buffer
	readable func(uintptr) bool // e.readable for c, built once: passed to rc.Read
	phased   *phasedConn        // timeouts on a connection without rc
	one      [1]byte            // the byte peek reads into
	calls    uint8              // readable's state: peekWait, peekCheck, ...
	quiet    bool               // no reply outstanding when the wait began

	// Inside serveWaiting: fd is the socket, drained whether its last read
	// left nothing behind (see rawReader); next and nextErr are what it
	// hands back to loop.
	fd      uintptr
	drained bool
	next    loopEnd
	nextErr error

	// rehoming: the read deadline is armed for rehoming (see wait), no
	// timeout being set. rehome: the deadline of the wait in progress is a
	// rehoming one (see arm).
	rehoming bool
	rehome   bool
	// slow: the connection's last wait lasted long enough for it to move
	// to a fresh goroutine, so its next one moves there at once (see
	// wait); eagerAt is when such a move began, zero for a move the
	// deadline made.
	slow    bool
	eagerAt time.Time

	// offset is the stream offset of a connection waiting without its
	// stream (see shed).
	offset int64
	// rewait is e.rewait(c), built once: a go statement with arguments
	// allocates their closure, one without does not. idleAt is the idle
	// deadline of the wait in progress, which rewait goes on with.
	rewait func()
	idleAt time.Time

	// lingerMu orders Shutdown's stopReading and a lingering close: a
	// connection can see the shutdown and begin its lingering close before
	// stopReading reaches it, and the deadline in the past that
	// stopReading sets must not cut the linger short (closing with unread
	// input sends an RST, which can destroy the last answers). It also
	// orders kill and shed: kill closes the stream, or the socket when
	// shed has dropped the stream.
	lingerMu  sync.Mutex
	lingering bool
	killed    bool // kill closed the connection while it had no stream
}

// goroutineReplies is the goroutine engine's state of a connection's
// deferred replies.
type goroutineReplies struct {
	wake   chan struct{} // a Reply is Done: to the writer goroutine
	resume chan struct{} // a Reply is Done: to the connection's goroutine
	done   chan struct{} // closed when the connection has finished
	writer bool          // the writer goroutine runs; guarded by replies.mu
}

func (goroutineEngine) attach(c *conn) {
	c.g = new(goroutineConn)
	c.req = &Request{c: c}
	rw := goroutineReader(c)
	readSize := 0 // the stream's default, for a connection that keeps its buffer
	if c.g.rc != nil {
		readSize = lendingReadSize
	}
	c.sc = c.srv.newStream(rw, readSize)
}

// goroutineReader returns what c's stream reads from and writes to.
func goroutineReader(c *conn) io.ReadWriter {
	if sc, ok := c.nc.(syscall.Conn); ok && canPeek {
		if rc, err := sc.SyscallConn(); err == nil {
			c.g.rc = rc
			c.g.readable = func(fd uintptr) bool { return goroutineEngine{}.readable(c, fd) }
			c.g.rewait = func() { goroutineEngine{}.rewait(c) }
			return c.nc
		}
	}
	if c.srv.IdleTimeout > 0 || c.srv.FrameTimeout > 0 {
		c.g.phased = &phasedConn{Conn: c.nc, c: c}
		return c.g.phased
	}
	return c.nc
}

func (e goroutineEngine) serve(c *conn) {
	go func() {
		c.logOpened()
		ok := c.handshake()
		c.g.wmu.Lock()
		if !ok {
			e.end(c, false)
			return
		}
		e.run(c, false, nil)
	}()
}

func (e goroutineEngine) reject(c *conn) {
	go func() {
		c.g.wmu.Lock()
		c.beginBatch()
		c.callRejectHook()
		e.end(c, !c.ended)
	}()
}

// run serves c, with c.g.wmu held, from the result of a read, until c ends or
// a fresh goroutine takes over. The waits for input happen here, at the
// bottom of the stack: the stack in use while a connection waits is then
// small, and so is the stack Go gives new goroutines, which it sizes by
// that use (see wait).
func (e goroutineEngine) run(c *conn, has bool, err error) {
	for {
		end := e.loop(c, has, err)
		if end == endWait {
			end, has, err = e.await(c)
		}
		switch end {
		case endGraceful:
			e.end(c, true)
			return
		case endAbort:
			e.end(c, false)
			return
		case endHanded:
			return
		}
	}
}

// end closes c, gracefully if it may: every reply Done and sent, then a
// lingering close. It is called with c.g.wmu held and releases it.
func (e goroutineEngine) end(c *conn, graceful bool) {
	if graceful && e.drain(c) {
		c.ended = true // the writer goroutine, if any, writes no more
		c.g.wmu.Unlock()
		lingeringClose(c)
		c.g.wmu.Lock()
	}
	c.finish()
	if c.aq != nil {
		close(c.aq.g.done)
	}
	c.g.wmu.Unlock()
	c.srv.forget(c)
}

// How a loop ends.
type loopEnd uint8

const (
	endAbort    loopEnd = iota // close at once
	endGraceful                // answer what was read, then close
	endWait                    // wait for input without a buffer (c.g.wmu released)
	endLoop                    // go on with loop, from the error at hand if any
	endHanded                  // a fresh goroutine took the connection over
)

// loop serves frames until reading ends or the connection must wait for
// input without a buffer, starting with the result of the last read: a
// frame in c.req (has), an error, or neither. Frames are read straight into
// c.req, never copied. It is called with c.g.wmu held and returns with it
// held, except for endWait.
func (e goroutineEngine) loop(c *conn, has bool, err error) (end loopEnd) {
	defer func() {
		if p := recover(); p != nil {
			c.handlerPanicked(p) // with c.g.wmu held, as the handler runs
			end = endAbort
		}
	}()
	c.beginBatch()
	filled := false // a Fill since the last frame served (see below)
	for {
		if err != nil {
			goOn, graceful := c.readEnded(err)
			if !goOn {
				return ends(graceful)
			}
		} else if has {
			filled = false
			c.serveRequest()
			if c.closeAfter {
				return ends(!c.ended)
			}
			if !c.sc.Writable() && c.flush() != nil {
				return endAbort
			}
		}
		has, err = false, nil
		if c.overLimit() {
			// Stop reading until replies are Done: the peer's writes
			// block once the socket buffers are full.
			if c.flush() != nil {
				return endAbort
			}
			if c.overLimit() && !e.waitReplies(c) {
				return endAbort
			}
			continue
		}
		if has, err = c.sc.TryReadFrameTo(&c.req.Frame); has || err != nil {
			continue
		}
		// The rest of a frame begun in the buffer may be in the socket
		// already, when a batch is larger than one read: taken now, the
		// answers so far go out in one write with those after it, not in
		// two. One read only, which cannot block: the answers must not
		// wait for a peer that is slow to finish its frame; and one per
		// frame, so that a peer trickling bytes in reaches read and its
		// frame timeout.
		if !filled && c.sc.InboundBuffered() > 0 && e.inputWaiting(c) {
			filled = true
			err = c.sc.Fill()
			continue
		}
		// Every complete frame read is answered: one write for all.
		if c.flush() != nil {
			return endAbort
		}
		if c.srv.shuttingDown() {
			return endGraceful
		}
		quiet := c.quiet()
		if !quiet {
			e.startWriter(c)
		}
		c.g.quiet = quiet
		if c.sc.InboundBuffered() == 0 && c.g.rc != nil {
			c.sc.Release()
			c.g.wmu.Unlock()
			return endWait
		}
		c.g.wmu.Unlock()
		err = e.read(c, quiet)
		has = err == nil
		c.g.wmu.Lock()
		c.beginBatch()
	}
}

// drain ends a connection gracefully: it waits until every reply is Done,
// sends everything and reports whether all went out. The caller holds c.g.wmu.
func (e goroutineEngine) drain(c *conn) bool {
	for {
		// The flush may queue the last replies: check after it.
		if c.flush() != nil {
			return false
		}
		if c.quiet() {
			return true
		}
		if !e.waitReplies(c) {
			return false
		}
	}
}

// lingeringClose closes a connection whose last bytes were just written:
// FIN first, then the peer's input is read and dropped until the peer closes
// too or is silent for lingerTimeout (lingerMax at most), and only then the
// socket is closed.
func lingeringClose(c *conn) {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		g := c.g
		end := time.Now().Add(lingerMax)
		var buf [4 << 10]byte
		for {
			g.lingerMu.Lock()
			g.lingering = true
			due := time.Now().Add(lingerTimeout)
			if due.After(end) {
				due = end
			}
			c.nc.SetReadDeadline(due)
			g.lingerMu.Unlock()
			if _, err := c.nc.Read(buf[:]); err != nil {
				break
			}
		}
	}
	c.sc.Close()
}

func ends(graceful bool) loopEnd {
	if graceful {
		return endGraceful
	}
	return endAbort
}

// inputWaiting reports whether c's socket has input to read now.
func (goroutineEngine) inputWaiting(c *conn) bool {
	if c.g.rc == nil {
		return false
	}
	c.g.calls = peekCheck
	c.g.rc.Read(c.g.readable) // an error (a deadline passed) leaves peekCheck
	return c.g.calls == peekReady
}

// read reads the next frame on a connection that cannot wait without a
// buffer, or whose next frame has begun: with the frame timeout once its
// first bytes are in, and the idle timeout before.
func (goroutineEngine) read(c *conn, quiet bool) error {
	s := c.srv
	switch {
	case c.sc.InboundBuffered() > 0:
		// The frame began with the last read.
		if s.FrameTimeout > 0 {
			c.setReadDeadline(time.Now().Add(s.FrameTimeout))
		}
	case s.IdleTimeout > 0:
		c.setReadDeadline(time.Now().Add(s.IdleTimeout))
		fallthrough
	default:
		if quiet && c.state != StateNew {
			c.setState(StateIdle)
		}
		if c.g.phased != nil {
			c.g.phased.armed = true
		}
	}
	if s.shuttingDown() {
		return errStopReading
	}
	return c.readFrame()
}

// await waits, without a buffer, for input, with the idle timeout. Then
// either it has served the batches that came in until the connection needs
// loop again (see serveWaiting), or it reads the next frame into c.req
// (has). It returns endLoop, with the error that ended the wait or the read
// if any, or how the connection ends, with c.g.wmu held; or endHanded if a
// fresh goroutine took the connection over (see wait).
func (e goroutineEngine) await(c *conn) (end loopEnd, has bool, err error) {
	s := c.srv
	if c.g.quiet && c.state != StateNew {
		c.setState(StateIdle)
	}
	var idleAt time.Time
	if s.IdleTimeout > 0 {
		idleAt = time.Now().Add(s.IdleTimeout)
	}
	handed, err := e.wait(c, false, idleAt)
	switch {
	case handed:
		return endHanded, false, nil
	case err == nil && c.g.calls == serveWoken:
		return c.g.next, false, c.g.nextErr // c.g.wmu held
	case err == nil:
		c.frameBegan()
		if s.shuttingDown() {
			err = errStopReading
		} else {
			err = c.readFrame()
		}
	}
	c.g.wmu.Lock()
	return endLoop, err == nil, err
}

// rehomeAfter is how long a connection waits for input on the goroutine
// that served its last frames before it moves the wait to a fresh one.
const rehomeAfter = time.Second

// wait waits until input arrives, without a buffer, and no later than
// idleAt if it is set.
//
// On the goroutine that served the last frames (fresh false), it waits
// there until a rehoming deadline (about rehomeAfter) passes; if nothing
// came, it starts a fresh goroutine to wait on, reports handed, and the
// caller ends: a goroutine's stack grows
// while it serves (handler, codec, checksums) and the runtime does not
// shrink a grown stack back to its minimum, while a fresh goroutine waits
// on the smallest stack there is. A busy connection thus pays next to
// nothing for it, and one idle for a second costs a goroutine start.
//
// A connection whose last wait was that long (slow) moves to a fresh
// goroutine at once: one with a request a second would otherwise wait for
// the deadline at every request, and a deadline that passes costs the
// error net.RawConn returns, an allocation. It stays slow until a wait
// takes less than half of rehomeAfter.
//
// On the goroutine that served the last frames, the wait serves the input
// that ends it, inside the same RawConn.Read (see serveWaiting); a fresh
// goroutine only waits, and its caller reads.
func (e goroutineEngine) wait(c *conn, fresh bool, idleAt time.Time) (handed bool, err error) {
	s := c.srv
	c.g.rehome, c.g.idleAt = false, idleAt
	if !fresh {
		e.arm(c)
	}
	if s.shuttingDown() {
		return false, errStopReading
	}
	if c.g.rehome && c.g.slow {
		c.g.eagerAt = time.Now()
		e.rehome(c)
		return true, nil
	}
	c.g.calls = peekWait
	if !fresh && s.ConnState == nil && s.ConnContext == nil {
		c.g.calls = serveWait
	}
	err = c.g.rc.Read(c.g.readable)
	if err != nil && c.g.rehome && errors.Is(err, os.ErrDeadlineExceeded) && !s.shuttingDown() {
		c.g.slow, c.g.eagerAt = true, time.Time{}
		e.rehome(c)
		return true, nil
	}
	return false, err
}

// arm sets the read deadline for a wait on the goroutine that served the
// last frames, until c.g.idleAt if it is set: a rehoming deadline (c.g.rehome)
// if that is further than rehomeAfter, or none is.
func (goroutineEngine) arm(c *conn) {
	s := c.srv
	switch {
	case s.IdleTimeout == 0 && s.FrameTimeout == 0:
		// The read deadline serves rehoming alone. It is armed when none
		// is, not before every wait: a busy connection pays nothing, and
		// moves to a fresh goroutine about once a second, when the
		// deadline passes during a wait; a frame it interrupts is read on
		// (see readFrame).
		c.g.rehome = true
		if !c.g.rehoming {
			c.g.rehoming = true
			c.setReadDeadline(time.Now().Add(rehomeAfter))
		}
	default:
		now := time.Now()
		idleAt := c.g.idleAt
		if c.g.rehome = idleAt.IsZero() || idleAt.Sub(now) > rehomeAfter; c.g.rehome {
			c.setReadDeadline(now.Add(rehomeAfter))
		} else {
			c.setReadDeadline(idleAt)
		}
	}
}

// The states of readable, in c.g.calls.
const (
	peekWait   = iota // a wait begins: peek
	peekWoken         // woken by the poller: input is there
	peekCheck         // a check begins: peek, never park
	peekReady         // the check found input
	peekNone          // the check found none
	serveWait         // a wait begins that serves what comes: peek
	serveWoken        // woken by the poller: serve
)

// readable is the function a connection passes to syscall.RawConn.Read
// (as c.g.readable, built once) to wait for input without a buffer.
// RawConn.Read resets the socket's readiness, calls the function, and, each
// time it returns false, parks until the poller reports the socket readable
// and calls it again; it honours the read deadline, so the idle timeout and
// Shutdown both end the wait.
//
// The first call checks the socket itself, by peeking at one byte into
// c.g.one without consuming it: input that came before the reset is seen
// there. A later call follows a wake-up by the poller, which reports new
// input (or the end of the stream, or an error): it is trusted without a
// second system call. The caller sets c.g.calls before each RawConn.Read:
// peekWait for a wait that ends with input, serveWait for one that serves
// it (see serveWaiting), peekCheck to learn without waiting whether input
// is there (the function peeks, leaves peekReady or peekNone, and returns
// true so that RawConn.Read does not park). One function for all keeps an
// idle connection a closure smaller.
//
// The peek never blocks (MSG_DONTWAIT), so it is a raw system call: no
// scheduler hand-off.
func (e goroutineEngine) readable(c *conn, fd uintptr) bool {
	g := c.g
	switch g.calls {
	case peekWait:
		g.calls = peekWoken
		return peek(fd, &g.one)
	case peekWoken:
		return true
	case peekCheck:
		g.calls = peekNone
		if peek(fd, &g.one) {
			g.calls = peekReady
		}
		return true
	case serveWait:
		g.calls = serveWoken
		if !peek(fd, &g.one) {
			return false
		}
	}
	return e.serveWaiting(c, fd) // serveWoken
}

// serveWaiting serves, for readable, the batches that come in while a
// connection waits on the goroutine that served its last frames, without
// leaving RawConn.Read, as long as each is only complete frames
// answered at once: it reads with its own system call (net.Conn.Read would
// wait for the read lock RawConn.Read holds), serves and writes the
// answers, and, when the read drained the socket, gives its buffers back
// and returns false to wait for the next batch, with the idle deadline
// armed anew.
//
// Staying inside RawConn.Read is what saves a system call per batch.
// RawConn.Read resets the socket's readiness when it begins, so a wait
// that begins anew must check the socket first (the peek), which under
// pipelined load finds it empty, the peer not having answered yet: a
// system call for nothing, as the read that returns EAGAIN is in a net +
// bufio server. Inside, the readiness is never reset: a batch that arrives
// after the read that drained the socket is reported by the poller, and
// until then the wait parks at once. A read that fills the buffer may have
// left input behind, which the poller will not report again, so the socket
// is read again at once instead (epoll(7) on edge-triggered waits: a short
// read on a stream socket means its input is exhausted).
//
// Anything else (a frame begun and not complete, an error, the end of the
// stream, a reply outstanding, the frames-in-flight limit, a connection to
// close, the server shutting down) goes back to loop: serveWaiting then
// returns true with c.g.wmu held and c.g.next and c.g.nextErr set.
//
// Closing a socket waits for the read in progress to end, so code that runs
// inside must not close the connection's net.Conn: the engine's own code
// closes it outside, or on a goroutine of its own (see kill). A server with
// a ConnState or ConnContext hook does not serve inside: the first gets the
// net.Conn as the connection goes idle and active, and the second can hand
// it to handlers, which could close it there.
func (e goroutineEngine) serveWaiting(c *conn, fd uintptr) (done bool) {
	g := c.g
	g.fd = fd
	g.wmu.Lock()
	defer func() {
		if p := recover(); p != nil {
			c.handlerPanicked(p) // with c.g.wmu held, as the handler runs
			g.next, g.nextErr = endAbort, nil
			done = true
		}
	}()
	for {
		err := c.sc.FillFrom((*rawReader)(c))
		if err == errWouldBlock { // a wake-up for input already read
			c.sc.Release()
			g.wmu.Unlock()
			return false
		}
		g.next, g.nextErr = endLoop, err
		if err != nil {
			return true
		}
		c.beginBatch()
		for !c.overLimit() {
			has, err := c.sc.TryReadFrameTo(&c.req.Frame)
			if !has {
				g.nextErr = err
				break
			}
			c.serveRequest()
			if c.closeAfter {
				g.next = ends(!c.ended)
				return true
			}
			if !c.sc.Writable() && c.flush() != nil {
				g.next = endAbort
				return true
			}
		}
		if g.nextErr != nil {
			return true
		}
		if c.sc.InboundBuffered() > 0 {
			c.frameBegan() // loop reads the rest with the frame timeout
			return true
		}
		if c.overLimit() {
			return true
		}
		if c.flush() != nil {
			g.next = endAbort
			return true
		}
		if c.srv.shuttingDown() || !c.quiet() {
			return true
		}
		if !g.drained {
			continue
		}
		c.sc.Release()
		if c.state != StateNew {
			c.setState(StateIdle)
		}
		if c.srv.IdleTimeout > 0 {
			g.idleAt = time.Now().Add(c.srv.IdleTimeout)
		}
		e.arm(c)
		g.wmu.Unlock()
		return false
	}
}

// rehome moves c's wait, until c.g.idleAt, to a fresh goroutine (see
// wait).
func (goroutineEngine) rehome(c *conn) {
	c.g.rehoming = false
	shed(c)
	go c.g.rewait()
}

// rewait goes on waiting for a connection on a fresh goroutine, then serves
// it.
func (e goroutineEngine) rewait(c *conn) {
	idleAt := c.g.idleAt
	c.setReadDeadline(idleAt)
	_, err := e.wait(c, true, idleAt)
	if at := c.g.eagerAt; err == nil && !at.IsZero() && time.Since(at) < rehomeAfter/2 {
		c.g.slow = false // busier now: wait where it serves again
	}
	unshed(c)
	if err == nil {
		c.frameBegan()
		err = c.readFrame()
	}
	c.g.wmu.Lock()
	e.run(c, err == nil, err)
}

// shed drops the stream and the Request of a connection that moves its
// wait to a fresh goroutine, if the stream holds nothing and no reply is
// outstanding: without buffers they still take some 550 bytes, an eighth of
// what an idle connection costs, and a connection idle for a second can
// afford new ones when it wakes. The writer goroutine, which may still be
// ending, writes nothing while the stream is dropped (see writeLoop); kill
// closes the socket itself.
func shed(c *conn) {
	c.g.wmu.Lock()
	defer c.g.wmu.Unlock()
	if !c.g.quiet || !c.sc.Idle() {
		return
	}
	c.g.lingerMu.Lock()
	c.g.offset = c.sc.Offset()
	c.srv.idleStreams.Put(c.sc)
	c.sc = nil
	c.g.lingerMu.Unlock()
	*c.req = Request{}
	c.srv.idleRequests.Put(c.req)
	c.req = nil
}

// unshed gives a connection back the stream and the Request that shed
// dropped: a stream counting on from the offset, closed if kill came in the
// meantime.
func unshed(c *conn) {
	if c.sc != nil {
		return
	}
	sc, _ := c.srv.idleStreams.Get().(*stream.Conn)
	if sc == nil {
		sc = c.srv.newStream(c.nc, lendingReadSize)
	}
	sc.Reset(c.nc, c.g.offset)
	c.req, _ = c.srv.idleRequests.Get().(*Request)
	if c.req == nil {
		c.req = new(Request)
	}
	c.req.c = c
	c.g.wmu.Lock()
	c.g.lingerMu.Lock()
	c.sc = sc
	if c.g.killed {
		sc.Close()
	}
	c.g.lingerMu.Unlock()
	c.g.wmu.Unlock()
}

// readFrame reads a frame into c.req, reading on if the rehoming deadline,
// armed lazily, interrupts it: that is no timeout.
func (c *conn) readFrame() error {
	for {
		err := c.sc.ReadFrameTo(&c.req.Frame)
		if err == nil || !c.g.rehoming || !errors.Is(err, os.ErrDeadlineExceeded) || c.srv.shuttingDown() {
			return err
		}
		c.g.rehoming = false
		c.setReadDeadline(time.Time{})
	}
}

// frameBegan switches the read deadline from the idle timeout to the frame
// timeout: the first byte of a frame has arrived.
func (c *conn) frameBegan() {
	switch s := c.srv; {
	case s.FrameTimeout > 0:
		c.setReadDeadline(time.Now().Add(s.FrameTimeout))
	case s.IdleTimeout > 0:
		c.setReadDeadline(time.Time{})
	}
}

// setReadDeadline sets the read deadline unless the server is shutting
// down: Shutdown sets a deadline in the past to stop every read, and a
// deadline set after it must not undo that. (Shutdown sets its flag before
// its deadline; this sets the deadline before checking the flag: one of the
// two sees the other.)
func (c *conn) setReadDeadline(t time.Time) {
	c.nc.SetReadDeadline(t)
	if c.srv.shuttingDown() {
		c.nc.SetReadDeadline(aLongTimeAgo)
	}
}

// phasedConn tells its conn when the first bytes after an idle wait arrive,
// so that a connection without a readiness wait (TLS) still has distinct
// idle and frame timeouts.
type phasedConn struct {
	net.Conn
	c     *conn
	armed bool // waiting between frames: the next bytes begin a frame
}

func (p *phasedConn) Read(b []byte) (int, error) {
	n, err := p.Conn.Read(b)
	if n > 0 && p.armed {
		p.armed = false
		p.c.frameBegan()
	}
	return n, err
}

// handshake completes a TLS handshake within the frame timeout, so that
// the handler sees the connection state and a silent peer is cut.
func (c *conn) handshake() bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return true
	}
	if ft := c.srv.FrameTimeout; ft > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(ft))
		c.setReadDeadline(time.Now().Add(ft))
	}
	if err := tc.HandshakeContext(c.base); err != nil {
		c.logger().LogAttrs(c.base, slog.LevelDebug, "server: TLS handshake failed", slog.Any("remote", c.nc.RemoteAddr()), slog.Any("err", err))
		return false
	}
	if c.srv.FrameTimeout > 0 {
		c.nc.SetWriteDeadline(time.Time{})
		c.setReadDeadline(time.Time{})
	}
	st := tc.ConnectionState()
	c.g.tlsState = &st
	return true
}

func (c *conn) callRejectHook() {
	defer c.recoverPanic("OnReject")
	c.srv.OnReject(&c.w)
}

func (goroutineEngine) startAsync(c *conn) {
	g := &c.aq.g
	g.wake = make(chan struct{}, 1)
	g.resume = make(chan struct{}, 1)
	g.done = make(chan struct{})
}

func (goroutineEngine) wakeup(c *conn) {
	g := &c.aq.g
	select {
	case g.wake <- struct{}{}:
	default:
	}
	select {
	case g.resume <- struct{}{}:
	default:
	}
}

// waitReplies waits until a Reply of c may have become Done, with c.g.wmu held
// on entry and return but not during the wait. It returns false if the
// connection is being killed (Server.Close).
func (goroutineEngine) waitReplies(c *conn) bool {
	c.g.wmu.Unlock()
	defer c.g.wmu.Lock()
	select {
	case <-c.aq.g.resume:
		return true
	case <-c.srv.killed:
		return false
	}
}

func (goroutineEngine) stopReading(c *conn) {
	g := c.g
	g.lingerMu.Lock()
	defer g.lingerMu.Unlock()
	if !g.lingering {
		c.nc.SetReadDeadline(aLongTimeAgo)
	}
}

func (goroutineEngine) kill(c *conn) {
	g := c.g
	g.lingerMu.Lock()
	defer g.lingerMu.Unlock()
	if c.sc == nil { // waiting without it (see shed)
		g.killed = true
		c.nc.Close()
		return
	}
	// On a goroutine of its own: closing a socket waits for the read in
	// progress to end, and the connection may be serving inside one, its
	// handler running (see serveWaiting).
	go c.sc.Close()
}

// startWriter starts the writer goroutine unless it runs. The caller holds
// c.g.wmu, has seen replies outstanding, and is about to wait for input.
func (e goroutineEngine) startWriter(c *conn) {
	q := c.aq
	q.mu.Lock()
	start := !q.g.writer
	q.g.writer = true
	q.mu.Unlock()
	if start {
		go e.writeLoop(c)
	}
}

// writeLoop writes replies as they become Done, all those ready at a time in
// one write, until none is outstanding.
func (goroutineEngine) writeLoop(c *conn) {
	q := c.aq
	for {
		select {
		case <-q.g.wake:
		case <-q.g.done:
			return
		}
		c.g.wmu.Lock()
		if c.ended {
			c.g.wmu.Unlock()
			return
		}
		var err error
		if c.sc != nil { // else nothing is outstanding (see shed)
			err = c.flush()
		}
		c.g.wmu.Unlock()
		if err != nil {
			c.sc.Close() // the connection's goroutine sees its read fail
			return
		}
		q.mu.Lock()
		if q.outstanding == 0 {
			q.g.writer = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
	}
}
