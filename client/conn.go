package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// minTable is the size of a new connection's id table (see session.table).
const minTable = 16

// maxRetained is the largest write buffer a connection keeps between
// writes; a bigger one, grown by a burst of large requests, is left to the
// garbage collector once written, so an idle connection holds little.
const maxRetained = 64 << 10

// slot is one of the pool's connections, across its redials. A connection
// on goroutines has its reader (run), which also dials the next connection
// when it dies; one on an event loop has no goroutine until it dies, when
// the loop starts one to dial the next (see loopConn.finish).
type slot struct {
	c   *Client
	log *slog.Logger
	rng *rand.Rand // the backoff's jitter; used by the goroutine redialing only
	// attempt counts the redials in a row that have not led to a
	// connection answering a call; used by the goroutine redialing only.
	attempt int

	// cur is the live connection, nil while there is none.
	cur atomic.Pointer[session]
	// sem holds a token per call in flight on this slot (MaxPending
	// tokens): Call blocks on it when the slot is full, and len(sem) is the
	// load pick compares.
	sem chan struct{}
}

func newSlot(c *Client, i int) *slot {
	return &slot{
		c:   c,
		log: c.s.log.With("addr", c.s.addr, "conn", i),
		rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		sem: make(chan struct{}, c.s.MaxPending),
	}
}

// roundTrip sends req on the slot's live connection and waits for the
// response.
func (sl *slot) roundTrip(ctx context.Context, cl *call, req Request) error {
	s := sl.cur.Load()
	if s == nil {
		return errNotQueued
	}
	return s.roundTrip(ctx, cl, req)
}

// run reads the responses of s, a connection on goroutines, until it dies,
// then replaces it, and so on until the client closes or a replacement runs
// on an event loop, which reads for it. It holds one count of c.wg.
func (sl *slot) run(s *session) {
	defer sl.c.wg.Done()
	for s != nil && s.lc == nil {
		answered, err := s.serve()
		s.fail(&ConnError{Addr: sl.c.s.addr, Err: err})
		s.sc.Release()
		s = sl.replace(s, answered)
	}
}

// lost replaces s, a connection on a loop that died, and serves its
// replacement if that one runs on goroutines. It takes over the count of
// c.wg that s held.
func (sl *slot) lost(s *session, answered bool) { sl.run(sl.replace(s, answered)) }

// replace dials, with backoff, the connection that follows s, which is
// dead, and attaches it. It returns nil if the client closed first.
func (sl *slot) replace(s *session, answered bool) *session {
	c := sl.c
	if c.isClosed() {
		return nil
	}
	c.stats.connsLost.Add(1)
	sl.log.Warn("client: connection lost", "err", s.err)
	if answered {
		sl.attempt = 0
	}
	for {
		if !c.sleep(c.s.Backoff.delay(sl.attempt, sl.rng)) {
			return nil
		}
		sl.attempt++
		next, err := sl.dial(c.ctx)
		if err == nil {
			if c.attach(sl, next, false) {
				return next
			}
			err = ErrLoopsClosed
		}
		if c.isClosed() {
			return nil
		}
		sl.log.Warn("client: redial failed", "attempt", sl.attempt, "err", err)
	}
}

// sleep waits for d, and reports false if the client closed first.
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.done:
		return false
	}
}

// dial opens a connection, TLS handshake included, within DialTimeout.
func (sl *slot) dial(ctx context.Context) (*session, error) {
	c := sl.c
	ctx, cancel := context.WithTimeout(ctx, c.s.DialTimeout)
	defer cancel()
	nc, err := c.s.Dialer(ctx, c.s.network, c.s.addr)
	if err == nil && c.s.TLSConfig != nil {
		tc := tls.Client(nc, c.s.TLSConfig)
		if err = tc.HandshakeContext(ctx); err != nil {
			nc.Close()
		}
		nc = tc
	}
	if err != nil {
		c.stats.dialErrors.Add(1)
		return nil, fmt.Errorf("client: dial %s %s: %w", c.s.network, c.s.addr, err)
	}
	c.stats.dials.Add(1)
	s := &session{
		slot:    sl,
		nc:      nc,
		framing: c.s.Framing,
		idMask:  c.s.idMask,
		table:   make([]entry, min(minTable, c.s.tableSize)),
		next:    1,
	}
	if c.s.Loops != nil && c.s.TLSConfig == nil && c.s.Loops.adopt(s) {
		return s, nil
	}
	if c.s.Loops != nil {
		c.fellBack.Do(func() {
			c.s.log.Info("client: connections run on goroutines, not on the event loops of Config.Loops",
				"why", fallbackReason(c.s.TLSConfig != nil, nc))
		})
	}
	s.sc = stream.New(nc, c.s.Framing, c.s.Stream)
	s.kick = make(chan struct{}, 1)
	return s, nil
}

// fallbackReason says why a connection does not run on event loops.
func fallbackReason(tls bool, nc net.Conn) string {
	switch {
	case tls:
		return "TLS"
	case !loopsRun:
		return "event loops run on Linux only"
	}
	return fmt.Sprintf("the Dialer returned a %T, not a *net.TCPConn or *net.UnixConn", nc)
}

// session is one connection, from dial to death.
//
// Writing: a caller appends its request frame to wbuf under mu, and wakes
// the writer goroutine if it is idle (flushing false). The writer swaps wbuf
// for its own empty buffer and writes the batch in one Write, outside the
// lock, while later callers append to the other buffer; it goes on until it
// finds wbuf empty. Under concurrent load each write carries every request
// queued during the previous one, and the wake-up is paid once per batch.
//
// The writer bypasses the stream's writing side: there, Flush writes from
// the buffer that Begin appends to, so callers could not queue while a write
// runs, and batching would need them to.
//
// Reading: the slot's goroutine reads frames and hands each to the call
// registered under its id in table.
//
// A session on an event loop (lc not nil) has neither goroutine: its loop
// writes when woken, and reads and delivers as responses arrive.
type session struct {
	slot    *slot
	nc      net.Conn     // on a loop: nil, the dialed conn closed once adopted
	lc      *loopConn    // the session's socket on an event loop, or nil
	sc      *stream.Conn // only its reading side is used
	framing frame.Framing
	idMask  uint64

	mu sync.Mutex
	// err is set once, when the session dies: no call registers after it.
	err error
	// table holds the ids taken, each at index id mod len(table), a power
	// of two: ids are unique among the calls registered, and a call that
	// gave up keeps its id (call == abandoned) until its response comes.
	// It starts small, so that an idle connection costs little, and
	// doubles whenever the ids taken would fill more than half of it, up
	// to tableSize.
	table  []entry
	taken  int    // entries of table with a call
	gaveUp int    // entries of table with abandoned
	next   uint64 // the next id to try
	// freed, while calls wait for an id (see send), is closed when one is
	// freed, or the session dies.
	freed chan struct{}
	// wbuf holds the requests queued and not yet taken by the writer.
	wbuf     []byte
	flushing bool          // the writer is awake, and will see what is in wbuf
	kick     chan struct{} // wakes the writer goroutine; nil on a loop

	warned bool // a response that matched no call was logged at Warn; reading side only
}

// entry is a request id taken: call is the call waiting for its response,
// or abandoned if that call gave up. A free entry has a nil call.
type entry struct {
	id   uint64
	call *call
}

// abandoned marks the entry of a call that gave up: its id stays taken until
// the late response arrives, which is then discarded.
var abandoned = new(call)

// roundTrip registers cl under a new id, queues req and waits for the
// response, ctx's end or the session's death. While no id is free it waits
// for one.
func (s *session) roundTrip(ctx context.Context, cl *call, req Request) error {
	id, err := s.send(cl, req)
	for err == errNoID {
		select {
		case <-cl.freed:
		case <-ctx.Done():
			return ctx.Err()
		}
		id, err = s.send(cl, req)
	}
	if err != nil {
		return err
	}
	select {
	case <-cl.done:
		return cl.err
	case <-ctx.Done():
	}
	if s.abandon(cl, id) {
		return ctx.Err()
	}
	// The reader or the teardown took the call first and is about to
	// send: its result stands.
	<-cl.done
	return cl.err
}

// send registers cl under a new id and queues req, waking the writer. It
// returns the id.
//
// When no id is free and calls in flight hold some, one of those will free
// its id: send returns errNoID, and cl.freed is closed when an id is freed
// (or the session dies). When calls that gave up hold them all, the server
// has left that many requests unanswered: it is deemed broken, and the
// connection closed (ErrIDsExhausted).
func (s *session) send(cl *call, req Request) (uint64, error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return 0, errNotQueued
	}
	id, ok := s.newID()
	if !ok && s.gaveUp < s.taken {
		if s.freed == nil {
			s.freed = make(chan struct{})
		}
		cl.freed = s.freed
		s.mu.Unlock()
		return 0, errNoID
	}
	if !ok {
		s.mu.Unlock()
		s.fail(&ConnError{Addr: s.slot.c.s.addr, Err: ErrIDsExhausted})
		return 0, errNotQueued
	}
	meta := req.Meta
	meta.ID = id
	buf, m := s.framing.Begin(s.wbuf, meta)
	buf, err := s.framing.Finish(append(buf, req.Body...), m, nil)
	s.wbuf = buf
	if err != nil {
		s.mu.Unlock()
		return 0, err
	}
	s.table[id&uint64(len(s.table)-1)] = entry{id: id, call: cl}
	s.taken++
	wake := !s.flushing
	s.flushing = true
	s.mu.Unlock()
	if wake {
		s.wakeWriter()
	}
	return id, nil
}

// abandon unregisters cl, which gave up, and reports true, unless the
// reader or the teardown took it first: its id stays taken until the late
// response comes.
func (s *session) abandon(cl *call, id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The table may have grown meanwhile: look the entry up again.
	if e := &s.table[id&uint64(len(s.table)-1)]; e.id == id && e.call == cl && s.err == nil {
		e.call = abandoned
		s.gaveUp++
		cl.ended = true
		return true
	}
	return false
}

// wakeIDWaiters wakes the calls waiting for an id, if any. The caller
// holds s.mu.
func (s *session) wakeIDWaiters() {
	if s.freed != nil {
		close(s.freed)
		s.freed = nil
	}
}

// newID takes the next id whose table entry is free, skipping 0, or
// reports false if one lap of the table found none free. It first grows
// the table if the new id would take more than half of it.
func (s *session) newID() (uint64, bool) {
	if 2*(s.taken+1) > len(s.table) && len(s.table) < s.slot.c.s.tableSize {
		s.grow()
	}
	mask := uint64(len(s.table) - 1)
	for range len(s.table) {
		id := s.next
		if s.next = (s.next + 1) & s.idMask; s.next == 0 {
			s.next = 1
		}
		if s.table[id&mask].call == nil {
			return id, true
		}
	}
	return 0, false
}

// grow doubles the id table. The ids taken keep distinct entries: two ids
// equal modulo the larger size would be equal modulo the smaller one too.
func (s *session) grow() {
	t := make([]entry, 2*len(s.table))
	mask := uint64(len(t) - 1)
	for _, e := range s.table {
		if e.call != nil {
			t[e.id&mask] = e
		}
	}
	s.table = t
}

// serve reads responses and delivers them until reading fails. It reports
// whether any frame arrived.
func (s *session) serve() (answered bool, err error) {
	for {
		f, err := s.sc.ReadFrame()
		if err != nil {
			// Every error ends the connection, framing errors that the
			// stream could step over included: the frame dropped may be a
			// response whose call would otherwise wait out its deadline.
			return answered, err
		}
		answered = true
		s.deliver(&f)
	}
}

// deliver hands f to the call registered under its id. The payload is
// copied into the call's buffer: f borrows the read buffer.
func (s *session) deliver(f *frame.Frame) {
	s.mu.Lock()
	if s.err != nil {
		// The writer failed first: the calls have their error already.
		s.mu.Unlock()
		return
	}
	e := &s.table[f.ID&uint64(len(s.table)-1)]
	cl := e.call
	if cl == nil || e.id != f.ID {
		s.mu.Unlock()
		s.slot.c.stats.unmatched.Add(1)
		// Once per connection at Warn: a server that sends nothing but
		// such responses must not turn each into a log entry at that level.
		level := slog.LevelDebug
		if !s.warned {
			s.warned, level = true, slog.LevelWarn
		}
		s.slot.log.Log(context.Background(), level, "client: response matches no call: dropped (Stats.Unmatched counts them; after the first on a connection, logged at Debug)", "id", f.ID, "type", f.Type)
		return
	}
	*e = entry{}
	s.taken--
	if cl != abandoned {
		cl.ended = true
	} else {
		s.gaveUp--
	}
	s.wakeIDWaiters()
	s.mu.Unlock()
	if cl == abandoned {
		s.slot.c.stats.late.Add(1)
		s.slot.log.Debug("client: late response to a call that gave up: discarded", "id", f.ID, "type", f.Type)
		return
	}
	resp := Response{
		Meta:    frame.Meta{Version: f.Version, Type: f.Type, ID: f.ID},
		Payload: append(cl.dst, f.Payload...),
	}
	if cl.fn != nil {
		s.slot.c.finish(cl, resp, nil)
		return
	}
	cl.resp = resp
	cl.done <- struct{}{}
}

// wakeWriter wakes the writer goroutine, or the loop, to write what is
// queued.
func (s *session) wakeWriter() {
	if s.lc != nil {
		s.lc.post(todoFlush)
		return
	}
	select {
	case s.kick <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// writeLoop writes the queued requests, one batch per Write, whenever a
// caller wakes it, until the session dies.
func (s *session) writeLoop() {
	defer s.slot.c.wg.Done()
	var out []byte // the batch being written, owned by this goroutine
	for range s.kick {
		// Woken by a caller, the writer would run as soon as that caller
		// parks, ahead of the other callers already runnable (those the
		// reader just handed responses to), and write one frame per
		// wake-up. Yielding first lets them queue their frames: with 64
		// callers this cuts writes per call from 0.2 to 0.03 on one
		// connection, and from 1 to 0.08 over four (BenchmarkCall), for
		// about 100 ns when nothing else is runnable.
		runtime.Gosched()
		for {
			s.mu.Lock()
			if s.err != nil {
				s.mu.Unlock()
				return
			}
			if len(s.wbuf) == 0 {
				s.flushing = false
				s.mu.Unlock()
				break
			}
			out, s.wbuf = s.wbuf, out[:0]
			s.mu.Unlock()
			s.slot.c.stats.writes.Add(1)
			if _, err := s.nc.Write(out); err != nil {
				s.fail(&ConnError{Addr: s.slot.c.s.addr, Err: err})
				break
			}
			if cap(out) > maxRetained {
				out = nil
			}
		}
	}
}

// discard closes a session that never served: dialed, but not attached.
func (s *session) discard() {
	if s.lc != nil {
		s.lc.closeFD()
		return
	}
	s.nc.Close()
}

// fail ends the session, once: it fails every call in flight with err,
// detaches the session from its slot so that no call picks it, and stops
// the session: on goroutines, it wakes the writer to exit and closes the
// connection, which ends the reader; on a loop, it asks the loop to close
// the socket.
func (s *session) fail(err error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.err = err
	s.slot.cur.CompareAndSwap(s, nil)
	s.taken, s.gaveUp = 0, 0
	s.wakeIDWaiters()
	var async *call // calls of Go, completed once the lock is released
	for i := range s.table {
		cl := s.table[i].call
		s.table[i] = entry{}
		switch {
		case cl == nil || cl == abandoned:
		case cl.fn != nil:
			cl.ended, cl.next, async = true, async, cl
		default:
			cl.err = err
			cl.done <- struct{}{}
		}
	}
	s.wbuf = nil
	s.mu.Unlock()
	for async != nil {
		cl := async
		async, cl.next = cl.next, nil
		s.slot.c.finish(cl, Response{}, err)
	}
	if s.lc != nil {
		s.lc.post(todoKill)
		return
	}
	select {
	case s.kick <- struct{}{}: // the writer exits when it sees err
	default:
	}
	s.sc.Close()
}
