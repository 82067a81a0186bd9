package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/wirekit/wirekit/frame"
)

// Request is one request frame to send.
type Request struct {
	// Meta is the frame's header. Type and Version go on the wire as given;
	// ID is ignored, as the client assigns the request id itself.
	Meta frame.Meta
	// Body is the frame's payload. It is copied into the connection's
	// outbound buffer before Call waits, but Call may copy it again to send
	// an idempotent request once more: leave it alone until Call returns.
	Body []byte
	// Idempotent marks a request that the server may safely receive twice.
	// When the connection of such a call dies before its response arrives,
	// the call is sent again on another connection, or on the same one once
	// it is back, up to [Config.MaxRetries] times and as long as its context
	// lives. Any other call fails with a [*ConnError] instead: the request
	// may have been carried out.
	Idempotent bool
}

// Response is the answer to a call.
type Response struct {
	// Meta is the response frame's header: Version, Type and the request id
	// the client chose.
	Meta frame.Meta
	// Payload is the response frame's payload appended to the dst given to
	// Call: it belongs to the caller.
	Payload []byte
}

// Stats counts what a [Client] did since [Dial]. See [Client.Stats].
type Stats struct {
	Dials      uint64 // connections opened, by Dial and by redials
	DialErrors uint64 // attempts to open a connection that failed
	ConnsLost  uint64 // connections that died, not counting those Close closed
	Retries    uint64 // idempotent calls sent again after their connection died
	Late       uint64 // responses to calls that had given up: discarded
	Unmatched  uint64 // responses whose id matched no call: dropped
	Writes     uint64 // write system calls that sent requests, each carrying a batch
}

// Client sends requests to one server over a pool of connections and
// matches each response to its call by request id. It is safe for concurrent
// use: many goroutines calling at once share the connections, and their
// requests go out in shared writes. Build it with [Dial].
type Client struct {
	s     *settings
	slots []*slot
	rr    atomic.Uint32 // round-robin start of the next pick
	calls sync.Pool     // of *call

	mu     sync.Mutex
	closed bool
	up     chan struct{} // closed, and replaced, whenever a connection comes up

	done   chan struct{}   // closed by Close
	ctx    context.Context // ended by Close: bounds redials
	cancel context.CancelFunc
	// wg counts every goroutine the client started, and every connection
	// on an event loop that the loop has not finished with.
	wg       sync.WaitGroup
	fellBack sync.Once // logs once that connections run on goroutines despite Config.Loops

	stats struct {
		dials, dialErrors, connsLost, retries, late, unmatched, writes atomic.Uint64
	}
}

// call is one Call waiting for its response. The reader, or the teardown of
// the connection, fills resp or err and sends on done exactly once, and only
// for a call still registered: a call that gave up was unregistered, so it
// gets no send, and its struct, channel included, can serve the next Call.
//
// A call of Go has fn instead of a waiter: whoever unregisters it (the
// reader, the teardown, its context's end) completes it (see finish).
type call struct {
	dst  []byte
	resp Response
	err  error
	done chan struct{} // capacity 1: senders never block

	freed <-chan struct{} // closed when an id frees, after errNoID

	fn    func(Response, error)
	sl    *slot       // the slot whose place it holds
	stop  func() bool // stops the context.AfterFunc watching its context
	ended bool        // unregistered; guarded by the session's mu
	next  *call       // the teardown's list of calls to complete
}

// errNotQueued tells Call that the connection it chose died before the
// request was queued: nothing was sent, so any call may try another.
var errNotQueued = errors.New("client: connection gone before the request was queued")

// errNoID tells a call that no request id is free on the connection it
// chose, and that a call in flight there will free one (see session.send).
var errNoID = errors.New("client: no request id free")

// Dial opens a client to the server at addr (network as in [net.Dial]):
// it opens cfg.Conns connections at once, TLS handshakes included, and
// returns once all are up. It fails if any fails, or if ctx ends first.
//
// Later, when a connection dies, the client opens it again in the
// background, spacing the attempts by cfg.Backoff, until [Client.Close].
func Dial(ctx context.Context, network, addr string, cfg Config) (*Client, error) {
	s, err := newSettings(network, addr, cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{
		s:    s,
		up:   make(chan struct{}),
		done: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.calls.New = func() any { return &call{done: make(chan struct{}, 1)} }
	c.slots = make([]*slot, s.Conns)
	sessions := make([]*session, s.Conns)
	errs := make([]error, s.Conns)
	var wg sync.WaitGroup
	for i := range c.slots {
		c.slots[i] = newSlot(c, i)
		wg.Go(func() { sessions[i], errs[i] = c.slots[i].dial(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			for _, sess := range sessions {
				if sess != nil {
					sess.discard()
				}
			}
			c.cancel()
			return nil, err
		}
	}
	for i, sl := range c.slots {
		if !c.attach(sl, sessions[i], true) {
			for _, sess := range sessions[i+1:] {
				sess.discard()
			}
			c.Close()
			return nil, fmt.Errorf("client: dial %s %s: %w", network, addr, ErrLoopsClosed)
		}
	}
	return c, nil
}

// Call sends req and waits for its response, whose payload it appends to
// dst. With a dst of enough capacity, reused from call to call, Call
// allocates nothing.
//
// Call returns when the response arrives, or with an error when:
//   - ctx ends: ctx.Err(). The call's place on its connection is free at
//     once; its request id stays reserved until the late response arrives
//     and is discarded, or the connection dies.
//   - the connection dies with the call in flight: a [*ConnError]
//     (errors.Is(err, [ErrConnLost])), unless req is idempotent and can be
//     sent again (see [Request.Idempotent]).
//   - the framing refuses the request (a body over its maximum): the
//     framing's *frame.Error. Nothing was sent.
//   - the client is closed: [ErrClosed].
//
// While no connection is up (the server is away and the client is
// redialing), Call waits for one, for as long as ctx allows, rather than
// failing at once: a short outage costs callers latency, not errors, and the
// caller's context remains the one bound on a call. Likewise, when every
// connection has [Config.MaxPending] calls in flight, Call waits for a place.
func (c *Client) Call(ctx context.Context, req Request, dst []byte) (Response, error) {
	if err := ctx.Err(); err != nil {
		return Response{}, err
	}
	cl := c.calls.Get().(*call)
	defer c.calls.Put(cl)
	for retries := 0; ; {
		sl, err := c.acquire(ctx)
		if err != nil {
			return Response{}, err
		}
		cl.dst = dst
		err = sl.roundTrip(ctx, cl, req)
		<-sl.sem
		resp := cl.resp
		*cl = call{done: cl.done} // keep no caller memory in the pool
		switch {
		case err == nil:
			return resp, nil
		case err == errNotQueued:
			continue
		case req.Idempotent && retries < c.s.MaxRetries && errors.Is(err, ErrConnLost) && ctx.Err() == nil:
			retries++
			c.stats.retries.Add(1)
			continue
		}
		return Response{}, err
	}
}

// Go sends req and returns at once; done is called once, later, with the
// response or the error that ended the call: the errors of [Client.Call]
// (ctx.Err() when ctx ends first, a [*ConnError] when the connection dies,
// [ErrClosed]). The response's payload is appended to dst. req.Body is
// copied before Go returns.
//
// Go never waits, and so fails at once, without calling done, when no
// connection is up ([ErrNoConn]), when every connection has
// [Config.MaxPending] calls in flight or no request id free
// ([ErrPoolFull]), when the client is
// closed, ctx has ended, or the framing refuses the request. Nor does it
// send a request again: an idempotent request whose connection died gets
// its *ConnError, and done may call Go again.
//
// done runs on the goroutine that ends the call: the connection's reader,
// or its event loop (a server's loop, if the loops are its guests), when
// the response arrives; so it must not block, as a handler must not. Its
// purpose is a handler that answers later (server.Writer.Defer) with a
// backend's response, without a goroutine waiting for it. With a ctx that
// never ends (context.Background) and a dst of enough capacity, Go
// allocates nothing.
func (c *Client) Go(ctx context.Context, req Request, dst []byte, done func(Response, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.isClosed() {
		return ErrClosed
	}
	sl := c.pick()
	if sl == nil {
		return ErrNoConn
	}
	select {
	case sl.sem <- struct{}{}:
	default:
		return ErrPoolFull
	}
	// A call whose context may end is never pooled: its AfterFunc may
	// look at it after it ended.
	cancellable := ctx.Done() != nil
	var cl *call
	if cancellable {
		cl = new(call)
	} else {
		cl = c.calls.Get().(*call)
	}
	cl.dst, cl.fn, cl.sl = dst, done, sl
	var id uint64
	err := errNotQueued
	s := sl.cur.Load()
	if s != nil {
		id, err = s.send(cl, req)
	}
	if err != nil {
		<-sl.sem
		if !cancellable {
			c.recycle(cl)
		}
		switch err {
		case errNoID:
			err = ErrPoolFull
		case errNotQueued:
			err = ErrNoConn
			if c.isClosed() { // Close failed the connection meanwhile
				err = ErrClosed
			}
		}
		return err
	}
	if cancellable {
		stop := context.AfterFunc(ctx, func() {
			if s.abandon(cl, id) {
				c.finish(cl, Response{}, ctx.Err())
			}
		})
		s.mu.Lock()
		if !cl.ended {
			cl.stop = stop
			stop = nil
		}
		s.mu.Unlock()
		if stop != nil {
			stop() // the call has ended already
		}
	}
	return nil
}

// finish completes a call of Go, which its session unregistered: it frees
// the call's place and calls its function.
func (c *Client) finish(cl *call, resp Response, err error) {
	fn, sl := cl.fn, cl.sl
	if cl.stop != nil {
		cl.stop()
	} else if cl.done != nil { // pooled: not cancellable
		c.recycle(cl)
	}
	<-sl.sem
	fn(resp, err)
}

// recycle puts a call of Go back in the pool, keeping none of the
// caller's memory.
func (c *Client) recycle(cl *call) {
	*cl = call{done: cl.done}
	c.calls.Put(cl)
}

// acquire picks a connection and takes a place among its calls in flight,
// waiting for a connection to come up or a place to free as ctx allows.
func (c *Client) acquire(ctx context.Context) (*slot, error) {
	for {
		sl := c.pick()
		if sl == nil {
			if err := c.waitUp(ctx); err != nil {
				return nil, err
			}
			continue
		}
		select {
		case sl.sem <- struct{}{}:
			return sl, nil
		default:
		}
		select {
		case sl.sem <- struct{}{}:
			return sl, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
			return nil, ErrClosed
		}
	}
}

// pick returns the connection that is up and has the fewest calls in
// flight, or nil if none is up. The scan starts one further at each pick,
// so that ties (an idle pool) go round robin.
func (c *Client) pick() *slot {
	if len(c.slots) == 1 {
		if sl := c.slots[0]; sl.cur.Load() != nil {
			return sl
		}
		return nil
	}
	start := int(c.rr.Add(1))
	var best *slot
	least := math.MaxInt
	for i := range c.slots {
		sl := c.slots[(start+i)%len(c.slots)]
		if sl.cur.Load() == nil {
			continue
		}
		if n := len(sl.sem); n < least {
			best, least = sl, n
			if n == 0 {
				break
			}
		}
	}
	return best
}

// waitUp waits until a connection may be up, ctx ends or the client closes.
func (c *Client) waitUp(ctx context.Context) error {
	c.mu.Lock()
	up, closed := c.up, c.closed
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	// A connection that came up before up was read closed an earlier
	// channel: look again before waiting on this one.
	if c.pick() != nil {
		return nil
	}
	select {
	case <-up:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return ErrClosed
	}
}

// attach makes s the live connection of sl, and starts its goroutines or
// hands it to its loop, unless the client is closed or the loop gone, in
// which case it closes s and reports false.
//
// A connection on goroutines gets its writer here, and its reader too if
// read is set: otherwise the caller reads for it (see slot.run).
func (c *Client) attach(sl *slot, s *session, read bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		s.discard()
		return false
	}
	// Live before its reader or loop starts: either may fail it at once,
	// and failing detaches it.
	sl.cur.Store(s)
	switch {
	case s.lc != nil:
		c.wg.Add(1) // released by the loop when it is done with s
		if !s.lc.open() {
			c.wg.Done()
			s.fail(&ConnError{Addr: c.s.addr, Err: ErrLoopsClosed})
			s.discard()
			return false
		}
	case read:
		c.wg.Add(2)
		go s.writeLoop()
		go sl.run(s)
	default:
		c.wg.Add(1)
		go s.writeLoop()
	}
	close(c.up)
	c.up = make(chan struct{})
	return true
}

// Close fails the calls in flight with [ErrClosed], closes the connections,
// stops redialing and waits for the client's goroutines to end. Calls made
// afterwards fail with ErrClosed. Close is idempotent; it always returns
// nil.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.done)
	c.cancel()
	c.mu.Unlock()
	// No session goes live once closed is set (see attach). Failing them
	// without the lock lets the functions of Go calls, called there, use
	// the client.
	for _, sl := range c.slots {
		if s := sl.cur.Load(); s != nil {
			s.fail(ErrClosed)
		}
	}
	c.wg.Wait()
	return nil
}

func (c *Client) isClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	return Stats{
		Dials:      c.stats.dials.Load(),
		DialErrors: c.stats.dialErrors.Load(),
		ConnsLost:  c.stats.connsLost.Load(),
		Retries:    c.stats.retries.Load(),
		Late:       c.stats.late.Load(),
		Unmatched:  c.stats.unmatched.Load(),
		Writes:     c.stats.writes.Load(),
	}
}
