package server

import (
	"context"
	"crypto/tls"
	"net"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// A Handler answers the frames of a connection.
//
// ServeFrame is called once for each frame, in the order the frames arrived,
// never concurrently for one connection (different connections are served
// concurrently). It answers by writing frames with w: synchronously, before
// it returns, or later with [Writer.Defer]. It must not retain w or req after
// it returns: both belong to the connection and are reused for the next
// frame, and req's bytes belong to the read buffer (see [Request]).
//
// ServeFrame should not block: which goroutine runs it is the engine's
// business. On the goroutine engine a blocking handler stalls its own
// connection only; on the poll engine it would stall every connection of
// its event loop, until the loop moves on without it (see
// [Server.HandlerBudget]). A handler that must wait (a database, another
// service) calls w.Defer and answers from a goroutine of its own, or says
// which frames it may block on (see [BlockingHandler]).
//
// A panic in ServeFrame is recovered and logged with its stack, and the
// connection is closed at once; the server goes on serving the others.
type Handler interface {
	ServeFrame(w *Writer, req *Request)
}

// A BlockingHandler is a Handler that knows which frames it may block on:
// a database query, a call to another service, a lock held long. The poll
// engine asks before each frame; for one that may block it hands its event
// loop to a fresh goroutine, so that the loop's other connections go on,
// and serves that connection's frames on the goroutine it is on, in order,
// until it has answered what it has read; then the connection goes back to
// the loop. The answers leave in request order as always. The goroutine
// engine never asks: every connection has its own goroutine there.
//
// A handler that blocks without saying so is caught too, later: see
// [Server.HandlerBudget].
type BlockingHandler interface {
	Handler
	// Blocks reports whether ServeFrame may block on req. It is called just
	// before ServeFrame, with the same req, and must itself be quick.
	Blocks(req *Request) bool
}

// Blocking returns a BlockingHandler that serves with h and may block on
// every frame: on the poll engine, each read's frames are served off the
// event loop, at the price of a goroutine hand-off per read.
func Blocking(h Handler) BlockingHandler { return blocking{h} }

type blocking struct{ Handler }

func (blocking) Blocks(*Request) bool { return true }

// HandlerFunc adapts a function to a [Handler].
type HandlerFunc func(w *Writer, req *Request)

// ServeFrame calls f(w, req).
func (f HandlerFunc) ServeFrame(w *Writer, req *Request) { f(w, req) }

// A Request is a frame received on a connection, with what the handler may
// want to know about the connection.
//
// The frame borrows the connection's read buffer: its slices are valid only
// until ServeFrame returns, after which the buffer holds the next frames.
// A handler that answers later (with [Writer.Defer]) keeps what it needs:
// a decoded value, or [frame.Frame.Clone]. [Server.Poison] makes breaking
// this rule show up in tests.
type Request struct {
	frame.Frame
	c *conn
}

// Context returns the connection's context: the one [Server.BaseContext] and
// [Server.ConnContext] built, cancelled when the connection closes.
func (r *Request) Context() context.Context { return r.c.context() }

// RemoteAddr returns the peer's address.
func (r *Request) RemoteAddr() net.Addr { return r.c.nc.RemoteAddr() }

// LocalAddr returns the address the connection was accepted on.
func (r *Request) LocalAddr() net.Addr { return r.c.nc.LocalAddr() }

// TLS returns the connection's TLS state, or nil if it is not a TLS
// connection. The handshake is complete before the first frame is served.
func (r *Request) TLS() *tls.ConnectionState {
	if g := r.c.g; g != nil {
		return g.tlsState
	}
	return nil
}

// A Writer is the outbound side of a connection while a callback of the
// server runs: [Handler.ServeFrame], [Server.OnProtocolError] or
// [Server.OnReject]. It must not be used after the callback returns.
//
// Frames written with Begin and Finish are built in place in the
// connection's outbound buffer (no copy) and sent when the server flushes:
// once it has answered every complete request that one read brought in, or
// when more than the high-water mark is queued. Pipelined requests are thus
// answered with one write per batch, not one per response.
type Writer struct {
	c *conn
}

// Begin starts a frame with header h. It returns the buffer to append the
// body to and a mark for [Writer.Finish]:
//
//	buf, m := w.Begin(frame.Meta{Type: typeAck, ID: req.ID})
//	buf = ack.Append(buf)
//	err := w.Finish(buf, m)
//
// Until Finish, the caller must call no other method of w.
func (w *Writer) Begin(h frame.Meta) ([]byte, frame.Mark) {
	c := w.c
	if !c.indirect() {
		return c.sc.Begin(h)
	}
	return c.heldBuf().begin(c.srv.Framing, &c.srv.pool, h)
}

// Finish completes the frame begun with [Writer.Begin] and queues it after
// the frames written before it. It returns the framing's error if the frame
// breaks the framing's limits (a body over its maximum); the frame is then
// dropped, and the connection goes on.
func (w *Writer) Finish(buf []byte, m frame.Mark) error {
	c := w.c
	if !c.indirect() {
		if err := c.sc.Finish(buf, m); err != nil {
			return err
		}
		c.framesOut++
		return nil
	}
	return c.finishHeld(buf, m)
}

// FinishRef is [Writer.Finish] for a frame whose body ends with payload,
// attached by reference instead of copied: the connection writes it from
// where it lies, with the frames queued before and after it, in one
// vectored write (writev). The handler cannot tell when that write
// happens, so payload must never change afterwards: a constant, an entry
// of an immutable cache. Where the frame cannot go straight to the
// outbound buffer (queued behind a pending Reply, or logged at Debug
// level) payload is copied.
func (w *Writer) FinishRef(buf []byte, m frame.Mark, payload []byte) error {
	c := w.c
	if !c.indirect() {
		if err := c.sc.FinishRef(buf, m, payload); err != nil {
			return err
		}
		c.framesOut++
		return nil
	}
	return c.finishHeld(append(buf, payload...), m)
}

// WriteFrame queues a frame with header h and the given body, copied.
func (w *Writer) WriteFrame(h frame.Meta, body []byte) error {
	buf, m := w.Begin(h)
	return w.Finish(append(buf, body...), m)
}

// CloseAfter closes the connection once the frames written so far, and the
// pending deferred replies, are sent. No further frame is read or served.
func (w *Writer) CloseAfter() { w.c.closeAfter = true }

// Defer returns a Reply with which the answer to the current request can be
// written later, from any goroutine. The Reply counts toward
// [Server.MaxInFlight] until its [Reply.Done].
//
// In the default ordered mode the Reply takes the current request's place in
// the connection's response order: the answers to later requests, and the
// frames written with w after Defer, wait until it is Done. With
// [Server.Unordered] its frames go out when it is Done, whatever else is
// pending; protocols that carry a request id match them up.
func (w *Writer) Defer() *Reply {
	c := w.c
	r := &Reply{c: c, user: true}
	if c.aq == nil {
		c.aq = new(replies)
		c.engine().startAsync(c)
	}
	q := c.aq
	q.mu.Lock()
	c.pending.Add(1)
	q.outstanding++
	q.mu.Unlock()
	if !c.srv.Unordered {
		q.slots = append(q.slots, r)
	}
	return r
}

// A Reply is an answer written after ServeFrame returned, from any goroutine:
// its frames go into a buffer of its own, and [Reply.Done] hands them to the
// connection, which sends them with its next write.
//
// Every Reply must be Done exactly once, even with no frame written (a
// request that needs no answer). A Reply never Done is a bug: in ordered
// mode it holds back every later answer, it counts toward MaxInFlight, and it
// keeps its connection from finishing a graceful close (Shutdown then waits
// for its context to end). Done on a connection that has closed meanwhile
// is safe: the frames are dropped.
//
// The methods of one Reply must not be called concurrently.
type Reply struct {
	c    *conn
	buf  frameBuf
	user bool // made by Defer, not a slot of answers held behind one
	done bool // guarded by c.aq.mu for user replies
}

// Begin starts a frame in the Reply's buffer; see [Writer.Begin].
func (r *Reply) Begin(h frame.Meta) ([]byte, frame.Mark) {
	return r.buf.begin(r.c.srv.Framing, &r.c.srv.pool, h)
}

// Finish completes the frame begun with [Reply.Begin]; see [Writer.Finish].
func (r *Reply) Finish(buf []byte, m frame.Mark) error {
	_, err := r.buf.finish(r.c.srv.Framing, buf, m)
	return err
}

// WriteFrame adds a frame with header h and the given body, copied.
func (r *Reply) WriteFrame(h frame.Meta, body []byte) error {
	buf, m := r.Begin(h)
	return r.Finish(append(buf, body...), m)
}

// Context returns the connection's context, cancelled when the connection
// closes: work for a Reply can stop then.
func (r *Reply) Context() context.Context { return r.c.context() }

// Done hands the Reply's frames to the connection. The Reply must not be used
// afterwards. Done panics if called twice.
func (r *Reply) Done() {
	c := r.c
	q := c.aq
	q.mu.Lock()
	if r.done {
		q.mu.Unlock()
		panic("server: Reply.Done called twice")
	}
	r.done = true
	c.pending.Add(-1)
	if q.closed {
		q.mu.Unlock()
		r.buf.release(&c.srv.pool)
		return
	}
	if c.srv.Unordered {
		q.ready = append(q.ready, r)
	}
	q.mu.Unlock()
	c.engine().wakeup(c)
}

// frameBuf holds whole frames written apart from the connection's outbound
// buffer: a Reply's, or the answers held behind a pending Reply.
type frameBuf struct {
	box    *[]byte // from the server's pool; nil until the first frame
	b      []byte
	frames int
}

func (f *frameBuf) begin(fr frame.Framing, pool *stream.Pool, h frame.Meta) ([]byte, frame.Mark) {
	if f.box == nil {
		f.box = pool.Get(stream.DefaultReadSize)
		f.b = *f.box
	}
	return fr.Begin(f.b, h)
}

// finish completes a frame and returns how many bytes the buffer grew by.
func (f *frameBuf) finish(fr frame.Framing, buf []byte, m frame.Mark) (int, error) {
	n := len(f.b)
	b, err := fr.Finish(buf, m, nil)
	f.b = b
	if err != nil {
		return 0, err
	}
	f.frames++
	return len(f.b) - n, nil
}

func (f *frameBuf) release(pool *stream.Pool) {
	if f.box != nil {
		*f.box = f.b // b may have outgrown the pooled array
		pool.Put(f.box)
	}
	*f = frameBuf{}
}
