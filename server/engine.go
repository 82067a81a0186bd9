package server

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"syscall"
	"time"

	"github.com/wirekit/wirekit/frame"
)

// An engine runs connections: it decides which goroutine reads, serves and
// writes, how a connection waits for input and how it is woken. What a
// connection does with its frames, replies and limits is in conn, the same
// for every engine. The goroutine engine is the only one so far; an
// event-loop engine over epoll is planned, and nothing in the handler API
// depends on which one runs.
type engine interface {
	// readerFor returns what c's stream.Conn reads from and writes to, and
	// sets up the engine's own state in c.
	readerFor(c *conn) io.ReadWriter
	// serve starts running c and returns at once.
	serve(c *conn)
	// reject runs c, a connection over Server.MaxConns, through
	// Server.OnReject and closes it. It returns at once.
	reject(c *conn)
	// startAsync prepares c for Replies, at the first Defer, with c.mu
	// and c.wmu held.
	startAsync(c *conn)
	// wakeup tells the engine that a Reply of c is Done.
	wakeup(c *conn)
	// waitReplies waits until a Reply of c may have become Done, with c.wmu
	// held on entry and return but not during the wait. It returns false if
	// the connection is being killed (Server.Close).
	waitReplies(c *conn) bool
	// stopReading makes c stop reading from its peer as soon as it can:
	// Shutdown.
	stopReading(c *conn)
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
// input has arrived does it take a buffer and read. Connections that are no
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
	rc     syscall.RawConn    // nil: no readiness wait, read with the buffer
	peek   func(uintptr) bool // built once: a func value passed to rc.Read
	phased *phasedConn        // timeouts on a connection without rc
	one    [1]byte            // the byte peek reads into

	wake   chan struct{} // a Reply is Done: to the writer goroutine
	resume chan struct{} // a Reply is Done: to the connection's goroutine
	done   chan struct{} // closed when the connection has finished
	writer bool          // the writer goroutine runs; guarded by conn.mu
}

func (goroutineEngine) readerFor(c *conn) io.ReadWriter {
	if sc, ok := c.nc.(syscall.Conn); ok && canPeek {
		if rc, err := sc.SyscallConn(); err == nil {
			c.g.rc = rc
			c.g.peek = peekFunc(&c.g.one)
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
		c.log.LogAttrs(c.ctx, slog.LevelDebug, "server: connection opened", slog.Any("remote", c.nc.RemoteAddr()))
		graceful := c.handshake()
		c.wmu.Lock()
		if graceful {
			graceful = e.loop(c)
		}
		e.end(c, graceful)
	}()
}

func (e goroutineEngine) reject(c *conn) {
	go func() {
		c.wmu.Lock()
		c.beginBatch()
		c.callRejectHook()
		e.end(c, !c.ended)
	}()
}

// end closes c, gracefully if it may: every reply Done and sent, then a
// lingering close. It is called with c.wmu held and releases it.
func (goroutineEngine) end(c *conn, graceful bool) {
	if graceful && c.drain() {
		c.ended = true // the writer goroutine, if any, writes no more
		c.wmu.Unlock()
		c.lingeringClose()
		c.wmu.Lock()
	}
	c.finish()
	if c.g.done != nil {
		close(c.g.done)
	}
	c.wmu.Unlock()
	c.srv.forget(c)
}

// loop reads and serves frames until reading ends. It is called and returns
// with c.wmu held, and reports whether c may close gracefully.
func (e goroutineEngine) loop(c *conn) bool {
	c.beginBatch()
	for {
		if c.overLimit() {
			// Stop reading until replies are Done: the peer's writes
			// block once the socket buffers are full.
			if c.flush() != nil {
				return false
			}
			if c.overLimit() && !e.waitReplies(c) {
				return false
			}
			continue
		}
		f, ok, err := c.sc.TryReadFrame()
		if !ok && err == nil {
			// Every complete frame read is answered: one write for all.
			if c.flush() != nil {
				return false
			}
			if c.srv.shuttingDown() {
				return true
			}
			quiet := c.quiet()
			if c.sc.InboundBuffered() == 0 {
				c.sc.Release()
			}
			if !quiet {
				e.startWriter(c)
			}
			c.wmu.Unlock()
			f, err = e.read(c, quiet)
			c.wmu.Lock()
			c.beginBatch()
		}
		if err != nil {
			goOn, graceful := c.readEnded(err)
			if !goOn {
				return graceful
			}
			continue
		}
		c.serve(f)
		if c.closeAfter {
			return !c.ended
		}
		if !c.sc.Writable() && c.flush() != nil {
			return false
		}
	}
}

// read waits for and reads the next frame, with the idle timeout between
// frames and the frame timeout once a frame's first byte is in.
func (goroutineEngine) read(c *conn, quiet bool) (frame.Frame, error) {
	s := c.srv
	if c.sc.InboundBuffered() > 0 {
		// The frame began with the last read.
		if s.FrameTimeout > 0 {
			c.setReadDeadline(time.Now().Add(s.FrameTimeout))
		}
	} else {
		if quiet && c.state != StateNew {
			c.setState(StateIdle)
		}
		if s.IdleTimeout > 0 {
			c.setReadDeadline(time.Now().Add(s.IdleTimeout))
		}
		switch {
		case c.g.rc != nil:
			if s.shuttingDown() {
				return frame.Frame{}, errStopReading
			}
			// Wait without a buffer; the buffer is taken only once the
			// bytes are there.
			if err := c.g.rc.Read(c.g.peek); err != nil {
				return frame.Frame{}, err
			}
			c.frameBegan()
		case c.g.phased != nil:
			c.g.phased.armed = true
		}
	}
	if s.shuttingDown() {
		return frame.Frame{}, errStopReading
	}
	return c.sc.ReadFrame()
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
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.log.LogAttrs(c.ctx, slog.LevelDebug, "server: TLS handshake failed", slog.Any("remote", c.nc.RemoteAddr()), slog.Any("err", err))
		return false
	}
	if c.srv.FrameTimeout > 0 {
		c.nc.SetWriteDeadline(time.Time{})
		c.setReadDeadline(time.Time{})
	}
	st := tc.ConnectionState()
	c.tlsState = &st
	return true
}

func (c *conn) callRejectHook() {
	defer c.recoverPanic("OnReject")
	c.srv.OnReject(&c.w)
}

func (goroutineEngine) startAsync(c *conn) {
	c.g.wake = make(chan struct{}, 1)
	c.g.resume = make(chan struct{}, 1)
	c.g.done = make(chan struct{})
}

func (goroutineEngine) wakeup(c *conn) {
	select {
	case c.g.wake <- struct{}{}:
	default:
	}
	select {
	case c.g.resume <- struct{}{}:
	default:
	}
}

func (goroutineEngine) waitReplies(c *conn) bool {
	c.wmu.Unlock()
	defer c.wmu.Lock()
	select {
	case <-c.g.resume:
		return true
	case <-c.srv.killed:
		return false
	}
}

func (goroutineEngine) stopReading(c *conn) { c.nc.SetReadDeadline(aLongTimeAgo) }

// startWriter starts the writer goroutine unless it runs. The caller holds
// c.wmu, has seen replies outstanding, and is about to wait for input.
func (e goroutineEngine) startWriter(c *conn) {
	c.mu.Lock()
	start := !c.g.writer
	c.g.writer = true
	c.mu.Unlock()
	if start {
		go e.writeLoop(c)
	}
}

// writeLoop writes replies as they become Done, all those ready at a time in
// one write, until none is outstanding.
func (goroutineEngine) writeLoop(c *conn) {
	for {
		select {
		case <-c.g.wake:
		case <-c.g.done:
			return
		}
		c.wmu.Lock()
		if c.ended {
			c.wmu.Unlock()
			return
		}
		err := c.flush()
		c.wmu.Unlock()
		if err != nil {
			c.sc.Close() // the connection's goroutine sees its read fail
			return
		}
		c.mu.Lock()
		if c.outstanding == 0 {
			c.g.writer = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}
