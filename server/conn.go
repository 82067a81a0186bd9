package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
	"github.com/wirekit/wirekit/trace"
)

// A lingering close is how a connection that has sent its last bytes and
// its FIN waits for the peer's FIN, reading and dropping what the peer still
// sends: closing with unread input would make the kernel send an RST, and an
// RST can destroy answers that sit unread in the peer's receive buffer. A
// pipelining peer goes on sending until it has read the last answer, so the
// wait goes on while input keeps coming: it ends after lingerTimeout of
// silence, or lingerMax in all (nginx's lingering_timeout and
// lingering_time).
const (
	lingerTimeout = 500 * time.Millisecond
	lingerMax     = 10 * time.Second
)

// DefaultMaxInFlight is the [Server.MaxInFlight] a zero value means.
const DefaultMaxInFlight = 1024

// dumpLimit bounds the frame hex dumps logged at debug level.
const dumpLimit = 512

// conn is one connection: the frames it reads, the answers it queues, its
// deferred replies. Everything here is the same whichever engine runs the
// connection; the engine supplies the reading, the waiting and the waking
// (see engine).
type conn struct {
	srv *Server
	nc  net.Conn
	// sc is the framed stream. The poll engine takes one from a free list
	// when input arrives and puts it back when the connection is idle, so
	// that an idle connection does not carry its 400-odd bytes: sc is nil
	// then.
	sc *stream.Conn
	// base is the context ConnContext made (or the listener's): the parent
	// of ctx, and the context of the connection's logs.
	base context.Context
	// ctx is made at the first call of Request.Context or Reply.Context:
	// most handlers never ask, and a cancellable context costs more than
	// 100 bytes per connection. over, set when the connection finishes,
	// makes a context created after that be born cancelled.
	ctx   atomic.Pointer[connCtx]
	over  atomic.Bool
	timed bool // Server.Metrics is set: time each handler call

	req      *Request // the goroutine engine's own; the poll engine's loop's
	w        Writer
	state    ConnState // last state reported; the engine's goroutine only
	rejected bool      // over MaxConns: served by OnReject only

	// The write side of sc and the fields below belong to one goroutine at
	// a time, which queues and flushes ("owns the write side"): on the
	// goroutine engine the one holding g.wmu, on the poll engine the one
	// running the connection's loop, or serving the connection apart from
	// it. The engine owns it while it serves a batch of frames, so a
	// handler's writes take no lock of their own.
	closeAfter bool
	ended      bool      // the connection is finished: write nothing more
	debug      bool      // debug logging was enabled when this batch began
	scratch    *frameBuf // debug logging: each frame is built here first
	inHandler  bool      // the handler runs: a panic now is the handler's
	framesIn   int32     // counts of the current batch, for Metrics
	framesOut  int32
	bytesIn    int
	counted    int // bytes still queued in sc that Metrics.FramesOut has seen

	aq      *replies     // deferred replies, from the first Defer on
	pending atomic.Int32 // Replies not Done, read on every frame

	g *goroutineConn // the goroutine engine's state
	p *pollConn      // the poll engine's state
}

// connCtx is a connection's context with its cancel function.
type connCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// replies is the state of a connection's deferred replies. A connection
// that never defers does not carry it.
type replies struct {
	// The write side's (see conn).
	slots []*Reply // ordered mode: answers not yet queued in sc, in request order
	held  int      // bytes in slots

	// mu guards the handing over of replies: Done from any goroutine.
	mu          sync.Mutex
	ready       []*Reply // unordered mode: replies Done, in completion order
	spare       []*Reply // the other half of ready's double buffer
	outstanding int      // replies made and not yet queued in sc
	closed      bool     // Done must drop its frames

	g goroutineReplies // the goroutine engine's state
}

func newConn(s *Server, eng engine, nc net.Conn, ctx context.Context) *conn {
	c := &conn{srv: s, nc: nc, base: ctx, timed: s.Metrics != nil}
	c.w.c = c
	eng.attach(c)
	return c
}

// The server's logger and metrics, read from it rather than kept in every
// connection: an idle connection of the poll engine is a few hundred bytes,
// and a copy of each would be a tenth of them.

func (c *conn) logger() *slog.Logger { return c.srv.logger() }
func (c *conn) metrics() Metrics     { return c.srv.metrics() }

// lendingReadSize is the size to start with of the buffers of a connection
// that holds them only while it has input: a poll engine connection, or a
// goroutine engine one over a socket. They can be larger than those of a
// connection that keeps them while it waits: more frames per read, and
// fewer frames too large for the first buffer.
const lendingReadSize = 16 << 10

// newStream returns a framed stream over rw with the server's settings,
// and buffers of readSize bytes to start with (0: the stream's default).
func (s *Server) newStream(rw io.ReadWriter, readSize int) *stream.Conn {
	return stream.New(rw, s.Framing, stream.Config{
		ReadSize:   readSize,
		MaxInbound: s.MaxBuffered,
		HighWater:  s.MaxBuffered,
		Poison:     s.Poison,
		Pool:       &s.pool,
	})
}

// context returns the connection's context, making it at the first call.
func (c *conn) context() context.Context {
	if cc := c.ctx.Load(); cc != nil {
		return cc.ctx
	}
	ctx, cancel := context.WithCancel(c.base)
	if !c.ctx.CompareAndSwap(nil, &connCtx{ctx, cancel}) {
		cancel()
		return c.ctx.Load().ctx
	}
	// finish stores over, then loads ctx; this stored ctx, now loads over:
	// one of the two sees the other, and the context is cancelled.
	if c.over.Load() {
		cancel()
	}
	return ctx
}

// cancelContext cancels the connection's context, if made, and any made
// later.
func (c *conn) cancelContext() {
	c.over.Store(true)
	if cc := c.ctx.Load(); cc != nil {
		cc.cancel()
	}
}

func (c *conn) maxInFlight() int32 {
	if n := c.srv.MaxInFlight; n > 0 {
		return int32(min(n, 1<<30))
	}
	return DefaultMaxInFlight
}

func (c *conn) highWater() int {
	if n := c.srv.MaxBuffered; n > 0 {
		return n
	}
	return stream.DefaultHighWater
}

// overLimit reports whether the connection must stop serving frames until
// replies are Done: too many pending, or too many bytes held behind them.
func (c *conn) overLimit() bool {
	return c.pending.Load() >= c.maxInFlight() || (c.aq != nil && c.aq.held > c.highWater())
}

// indirect reports whether the Writer must write apart from the outbound
// buffer: behind a pending Reply, or to log each frame.
func (c *conn) indirect() bool { return c.debug || (c.aq != nil && len(c.aq.slots) > 0) }

// heldBuf returns the buffer a Writer writes to when it is indirect: the
// last slot if answers are held behind a Reply (a new slot if the last is a
// Reply), else the scratch buffer of debug logging.
func (c *conn) heldBuf() *frameBuf {
	if c.aq == nil || len(c.aq.slots) == 0 {
		if c.scratch == nil {
			c.scratch = new(frameBuf)
		}
		return c.scratch
	}
	q := c.aq
	if last := q.slots[len(q.slots)-1]; !last.user {
		return &last.buf
	}
	slot := &Reply{c: c, done: true}
	q.slots = append(q.slots, slot)
	return &slot.buf
}

func (c *conn) finishHeld(buf []byte, m frame.Mark) error {
	if q := c.aq; q != nil && len(q.slots) > 0 {
		fb := &q.slots[len(q.slots)-1].buf
		n, err := fb.finish(c.srv.Framing, buf, m)
		if err == nil && c.debug {
			c.logFrame("frame out (held)", fb.b[len(fb.b)-n:])
		}
		q.held += n
		return err
	}
	n, err := c.scratch.finish(c.srv.Framing, buf, m)
	if err != nil {
		return err
	}
	c.logFrame("frame out", c.scratch.b[len(c.scratch.b)-n:])
	c.sc.QueueRaw(c.scratch.b)
	c.scratch.b = c.scratch.b[:0]
	c.framesOut++
	return nil
}

// logOpened and logClosed log a connection's opening and closing at Debug
// level. The level is checked first: the peer's address would be computed
// for nothing, for every connection.
func (c *conn) logOpened() {
	if c.logger().Enabled(c.base, slog.LevelDebug) {
		c.logger().LogAttrs(c.base, slog.LevelDebug, "server: connection opened", slog.Any("remote", c.nc.RemoteAddr()))
	}
}

func (c *conn) logClosed() {
	if c.logger().Enabled(c.base, slog.LevelDebug) {
		c.logger().LogAttrs(c.base, slog.LevelDebug, "server: connection closed", slog.Any("remote", c.nc.RemoteAddr()))
	}
}

func (c *conn) logFrame(msg string, b []byte) {
	c.logger().LogAttrs(c.base, slog.LevelDebug, msg,
		slog.Any("remote", c.nc.RemoteAddr()), slog.Int("len", len(b)), slog.Any("bytes", trace.HexN(b, dumpLimit)))
}

// beginBatch is called by the write side's owner before frames are served.
func (c *conn) beginBatch() {
	c.debug = c.logger().Enabled(c.base, slog.LevelDebug)
}

// serveRequest hands the frame in c.req to the handler. The caller owns the
// write side.
func (c *conn) serveRequest() {
	raw := c.req.Raw
	c.framesIn++
	c.bytesIn += len(raw)
	if c.debug {
		c.logFrame("frame in", raw)
	}
	if c.state != StateActive {
		c.setState(StateActive)
	}
	if !c.timed {
		c.callHandler()
		return
	}
	start := time.Now()
	c.callHandler()
	c.metrics().HandlerDuration(time.Since(start))
}

// callHandler calls the handler. It does not recover a panic itself: each
// engine defers one recovery around a whole batch of frames, which calls
// handlerPanicked, so that no frame pays for a deferred call of its own.
func (c *conn) callHandler() {
	c.inHandler = true
	c.srv.Handler.ServeFrame(&c.w, c.req)
	c.inHandler = false
}

// handlerPanicked handles p, a panic recovered around a batch of frames: if
// the handler panicked, as recoverPanic does; otherwise the server itself
// failed, and the panic goes on.
//
// The engine closes the connection at once after it; it is not closed
// here, as the goroutine engine may be serving inside RawConn.Read, where
// closing the socket would wait for that call to end (see serveWaiting).
func (c *conn) handlerPanicked(p any) {
	if !c.inHandler {
		panic(p)
	}
	c.inHandler = false
	c.panicked("handler", p)
}

// recoverPanic, deferred around a user callback, turns a panic into a log
// entry and a connection closed at once: whatever the callback left half
// done cannot be trusted.
func (c *conn) recoverPanic(what string) {
	if p := recover(); p != nil {
		c.panicked(what, p)
		if c.sc != nil {
			c.sc.Close()
		}
	}
}

// panicked logs p, a panic in a callback, and marks c to be closed: no more
// is written to it.
func (c *conn) panicked(what string, p any) {
	c.logger().LogAttrs(c.base, slog.LevelError, "server: panic in "+what+"; closing the connection",
		slog.Any("remote", c.nc.RemoteAddr()), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
	c.closeAfter = true
	c.ended = true
}

// protocolError reports a framing error to the hook and says whether the
// connection can go on reading. The caller owns the write side.
func (c *conn) protocolError(fe *frame.Error) bool {
	c.metrics().ProtocolError(fe.Kind)
	level := slog.LevelDebug
	if fe.Fatal {
		level = slog.LevelWarn
	}
	c.logger().LogAttrs(c.base, level, "server: protocol error", slog.Any("remote", c.nc.RemoteAddr()), slog.Any("err", fe))
	if h := c.srv.OnProtocolError; h != nil {
		c.callProtocolHook(h, fe)
	}
	return !fe.Fatal && !c.closeAfter
}

func (c *conn) callProtocolHook(h func(*Writer, error), fe *frame.Error) {
	defer c.recoverPanic("OnProtocolError")
	h(&c.w, fe)
}

// readEnded classifies an error that ended reading: a non-fatal framing
// error lets reading go on; otherwise it says whether the connection can
// still close gracefully (answer what it has, then close) or must close at
// once. The caller owns the write side.
func (c *conn) readEnded(err error) (goOn, graceful bool) {
	var fe *frame.Error
	switch {
	case errors.As(err, &fe):
		return c.protocolError(fe), !c.ended
	case err == io.EOF:
		return false, true
	case errors.Is(err, errStopReading):
		return false, true
	case errors.Is(err, os.ErrDeadlineExceeded):
		if !c.srv.shuttingDown() {
			c.logTimeout(c.sc.InboundBuffered() > 0)
		}
		return false, true
	case errors.Is(err, io.ErrUnexpectedEOF):
		c.logger().LogAttrs(c.base, slog.LevelDebug, "server: peer closed inside a frame", slog.Any("remote", c.nc.RemoteAddr()), slog.Any("err", err))
		return false, true
	}
	if !errors.Is(err, net.ErrClosed) {
		c.logger().LogAttrs(c.base, slog.LevelDebug, "server: read failed", slog.Any("remote", c.nc.RemoteAddr()), slog.Any("err", err))
	}
	return false, false
}

// logTimeout logs the end of a read by the idle timeout, or by the frame
// timeout if a frame had begun.
func (c *conn) logTimeout(inFrame bool) {
	what := "idle timeout"
	if inFrame {
		what = "frame timeout"
	}
	c.logger().LogAttrs(c.base, slog.LevelDebug, "server: "+what, slog.Any("remote", c.nc.RemoteAddr()))
}

// flush queues the replies that are ready, writes everything queued and
// reports the batch to Metrics. The caller owns the write side.
func (c *conn) flush() error {
	// After Close nothing goes out, even before the connection's socket is
	// closed: that can wait for its goroutine (see goroutineEngine.kill).
	if c.ended || c.srv.closed.Load() {
		return net.ErrClosed
	}
	if c.aq != nil {
		c.collect()
	}
	// Frames in are counted before the write: a peer that has its answer
	// must find its request in the metrics, and a failed write must not
	// lose the count.
	if c.framesIn > 0 {
		c.metrics().FramesIn(int(c.framesIn), c.bytesIn)
		c.framesIn, c.bytesIn = 0, 0
	}
	n := c.sc.OutboundBuffered()
	var err error
	if n > 0 {
		if wt := c.srv.WriteTimeout; wt > 0 && c.p == nil {
			c.nc.SetWriteDeadline(time.Now().Add(wt))
		}
		// On the poll engine a write stops where the socket is full, with
		// errWouldBlock: the rest stays queued for the next one.
		if err = c.sc.Flush(); err != nil && err != errWouldBlock {
			c.logger().LogAttrs(c.base, slog.LevelDebug, "server: write failed", slog.Any("remote", c.nc.RemoteAddr()), slog.Any("err", err))
			return err
		}
	}
	if c.framesOut > 0 {
		// The bytes queued since the last report: a write cut short counts
		// its rest once, with the frames that made it.
		c.metrics().FramesOut(int(c.framesOut), n-c.counted)
		c.framesOut = 0
		c.counted = c.sc.OutboundBuffered()
	}
	return err
}

// collect moves the replies that may go out now into the outbound buffer:
// in ordered mode the Done ones at the head of the slots, in unordered mode
// every Done one. The caller owns the write side.
func (c *conn) collect() {
	q := c.aq
	q.mu.Lock()
	var moved []*Reply
	if c.srv.Unordered {
		q.ready, q.spare = q.spare[:0], q.ready
		moved = q.spare
	} else {
		n := 0
		for n < len(q.slots) && q.slots[n].done {
			n++
		}
		moved = q.slots[:n]
	}
	for _, r := range moved {
		if r.user {
			q.outstanding--
		}
	}
	q.mu.Unlock()
	for _, r := range moved {
		if c.debug && r.user {
			c.logFrame("frames out (deferred)", r.buf.b)
		}
		c.sc.QueueRaw(r.buf.b)
		c.framesOut += int32(r.buf.frames)
		if !r.user {
			q.held -= len(r.buf.b)
		}
		r.buf.release(&c.srv.pool)
	}
	clear(moved)
	if !c.srv.Unordered && len(moved) > 0 {
		rest := copy(q.slots, q.slots[len(moved):])
		clear(q.slots[rest:])
		q.slots = q.slots[:rest]
	}
}

// quiet reports, for the write side's owner, whether no reply is outstanding: nothing
// can come to write while the connection waits for input.
func (c *conn) quiet() bool {
	q := c.aq
	if q == nil {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.outstanding == 0
}

// finish tears the connection down once it is closed. The caller owns the
// write side.
func (c *conn) finish() {
	c.ended = true
	if c.sc != nil {
		c.sc.Close()
	}
	if q := c.aq; q != nil {
		q.mu.Lock()
		q.closed = true
		var drop []*Reply
		for _, r := range q.slots {
			if r.done {
				drop = append(drop, r)
			} // a Reply not Done yet releases its buffer in Done
		}
		drop = append(drop, q.ready...)
		q.ready, q.slots = nil, nil
		q.mu.Unlock()
		for _, r := range drop {
			r.buf.release(&c.srv.pool)
		}
	}
	if c.scratch != nil {
		c.scratch.release(&c.srv.pool)
	}
	if c.sc != nil {
		c.sc.Release() // after Close it gives back both buffers
	}
	c.cancelContext()
}

func (c *conn) setState(st ConnState) {
	c.state = st
	if h := c.srv.ConnState; h != nil {
		h(c.nc, st)
	}
}
