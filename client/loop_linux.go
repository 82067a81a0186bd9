package client

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/internal/epoll"
	"github.com/wirekit/wirekit/stream"
)

// loopsRun reports whether event loops run on this system.
const loopsRun = true

// maxEvents is how many ready sockets one wait returns at most; the others
// are reported by the next.
const maxEvents = 256

// maxSpare bounds the outbound buffers a loop keeps for its connections
// between batches.
const maxSpare = 64

// A loop is one event loop: an epoll set, the goroutine that waits on it,
// and the connections in it. Other goroutines reach it through its inbox,
// a lock-free stack of connections with what to do for each (todo bits),
// and the set's eventfd, which wakes it.
type loop struct {
	set *epoll.Set
	ls  *Loops // its spin, taken at each wake-up, and wg, done at exit

	// Posting, from any goroutine.
	inbox *epoll.Inbox[loopConn]
	quit  atomic.Bool

	// Hosting (see Loops.Board): the loop's goroutine leaves when asked
	// and answers on boarded; gone is closed once the loop has ended.
	boarding atomic.Bool
	boarded  chan struct{}
	gone     chan struct{}

	// The loop goroutine's.
	conns  epoll.Table[loopConn] // by slot, the epoll data
	todo   *loopConn             // taken from the inbox, not handled yet
	f      frame.Frame           // the response being delivered
	spares [][]byte              // outbound buffers of connections gone quiet
}

// loopConn is a session's socket on a loop: a non-blocking descriptor that
// the runtime's poller never sees.
type loopConn struct {
	s    *session
	l    *loop
	fd   int
	next *loopConn     // the inbox's link; written by the poster who pushes
	todo atomic.Uint32 // todo bits not yet taken by the loop; 0: not in its inbox

	// The loop goroutine's.
	slot      int32  // index in loop.conns; -1 while not in the epoll set
	events    uint32 // the epoll events registered
	done      bool   // finished: closed and handed back to its slot
	readsLeft uint8  // reads the stream may still make in this pass (epoll.ReadPass)
	answered  bool   // a response arrived
	out       []byte // the batch being written
	sent      int    // bytes of out written
}

// todo bits: what other goroutines ask a loop to do with a connection.
const (
	todoOpen  uint32 = 1 << iota // register it and read its responses
	todoFlush                    // write what its calls queued
	todoKill                     // its session failed: close it
)

func newLoop(ls *Loops) (*loop, error) {
	set, err := epoll.New(maxEvents)
	if err != nil {
		return nil, err
	}
	l := &loop{set: set, ls: ls, boarded: make(chan struct{}, 1), gone: make(chan struct{})}
	l.inbox = epoll.NewInbox(set, func(lc *loopConn) **loopConn { return &lc.next })
	return l, nil
}

// adopt moves the TCP or Unix connection that s dialed onto one of the
// loops: s reads and writes a duplicate of its socket from then on, and
// the net.Conn is closed, which takes the original out of the runtime's
// poller. It reports false, leaving s alone, for any other connection.
func (ls *Loops) adopt(s *session) bool {
	if len(ls.loops) == 0 {
		return false
	}
	var rc syscall.RawConn
	var err error
	switch nc := s.nc.(type) {
	case *net.TCPConn:
		rc, err = nc.SyscallConn()
	case *net.UnixConn:
		rc, err = nc.SyscallConn()
	default:
		return false
	}
	fd, derr := -1, error(nil)
	if err == nil {
		err = rc.Control(func(f uintptr) {
			// The duplicate shares the socket's file status flags:
			// non-blocking, as the runtime set them.
			fd, derr = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0)
		})
	}
	if err != nil || derr != nil {
		return false
	}
	s.nc.Close()
	s.nc = nil // an idle connection should not hold the closed conn's fd state
	lc := &loopConn{s: s, l: ls.pick(), fd: fd, slot: -1}
	s.lc = lc
	s.sc = stream.New((*loopIO)(lc), s.framing, s.slot.c.s.Stream)
	return true
}

// open hands lc to its loop, which registers it. It reports false if the
// loop is gone.
func (lc *loopConn) open() bool { return lc.post(todoOpen) }

// post asks lc's loop to do what bits say, from any goroutine; a
// connection is in the inbox once however often it is posted. It reports
// false if the loop is gone, and the request dropped.
func (lc *loopConn) post(bits uint32) bool {
	if lc.todo.Or(bits) != 0 {
		return true // in the inbox already, with its bits
	}
	return lc.l.inbox.Push(lc)
}

// stop makes the loop close its connections and exit.
func (l *loop) stop() {
	l.quit.Store(true)
	l.inbox.Wake()
}

// run is the loop's own goroutine: it waits for events and handles them
// until stop, or until a host boards the loop.
func (l *loop) run() {
	for !l.quit.Load() && !l.boarding.Load() {
		l.set.SetSpin(time.Duration(l.ls.spin.Load()))
		l.pass(l.set.Wait())
	}
	if !l.quit.Load() {
		l.boarded <- struct{}{} // the host's goroutine runs the loop from now on
		return
	}
	l.exit()
}

// board hands the loop to the caller, a host that runs it from then on
// (see Loops.Board), and returns its epoll descriptor; it reports false if
// the loop has ended.
func (l *loop) board() (int, bool) {
	l.boarding.Store(true)
	l.inbox.Wake()
	select {
	case <-l.boarded:
		return l.set.Fd(), true
	case <-l.gone:
		return -1, false
	}
}

// visit is a host's pass: it handles what is ready without waiting, and
// ends the loop after stop, reporting false.
func (l *loop) visit() bool {
	l.pass(l.set.Poll())
	if l.quit.Load() {
		l.exit()
		return false
	}
	return true
}

// alight gives the loop back to a goroutine of its own: its host stops.
func (l *loop) alight() {
	l.boarding.Store(false)
	go l.run()
}

// pass handles the events of one wait, then what was posted.
func (l *loop) pass(events []unix.EpollEvent) {
	for _, ev := range events {
		if ev.Fd == epoll.WakeData {
			l.todo = l.inbox.Take(l.todo)
			continue
		}
		// A slot freed in this pass is given out again only by the tasks
		// below: an event names the connection it was for.
		if lc := l.conns.At(ev.Fd); lc != nil {
			l.event(lc, ev.Events)
		}
	}
	for l.todo != nil {
		lc := l.todo
		l.todo, lc.next = lc.next, nil
		l.task(lc, lc.todo.Swap(0))
	}
}

// exit closes every connection of the loop, those still in its inbox
// included, once no push can reach it.
func (l *loop) exit() {
	defer l.ls.wg.Done()
	defer close(l.gone)
	l.inbox.Close()
	l.todo = l.inbox.Take(l.todo)
	for l.todo != nil {
		lc := l.todo
		l.todo, lc.next = lc.next, nil
		l.finish(lc, ErrLoopsClosed)
	}
	for _, lc := range l.conns.Items() {
		if lc != nil {
			l.finish(lc, ErrLoopsClosed)
		}
	}
	l.set.Close()
}

// task does what was posted for lc.
func (l *loop) task(lc *loopConn, bits uint32) {
	if lc.done {
		return
	}
	if bits&todoOpen != 0 {
		l.open(lc)
	}
	switch {
	case lc.done:
	case bits&todoKill != 0:
		l.finish(lc, nil) // the session has failed: its error stands
	case bits&todoFlush != 0:
		l.flush(lc)
	}
}

// open registers lc in the epoll set, for its responses.
func (l *loop) open(lc *loopConn) {
	lc.slot = l.conns.Put(lc)
	if err := l.set.Add(lc.fd, unix.EPOLLIN, lc.slot); err != nil {
		l.finish(lc, err)
		return
	}
	lc.events = unix.EPOLLIN
}

// event handles what epoll reported for lc.
func (l *loop) event(lc *loopConn, e uint32) {
	if e&unix.EPOLLOUT != 0 || (e&unix.EPOLLERR != 0 && lc.events&unix.EPOLLOUT != 0) {
		if l.flush(lc); lc.done {
			return
		}
	}
	if e&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		l.read(lc)
	}
}

// read delivers the responses that have arrived: it reads once (more if a
// read fills the buffer), hands every complete frame to its call, and gives
// the read buffer back if no partial frame is left in it.
func (l *loop) read(lc *loopConn) {
	s := lc.s
	lc.readsLeft = epoll.MaxReadsPerPass
	for {
		ok, err := s.sc.TryReadFrameTo(&l.f)
		if ok {
			lc.answered = true
			s.deliver(&l.f)
			continue
		}
		if err == nil {
			if lc.readsLeft == 0 {
				break
			}
			if err = s.sc.Fill(); err == nil {
				continue
			}
			if err == epoll.ErrWouldBlock {
				break
			}
		}
		// As on goroutines, every error ends the connection.
		l.finish(lc, err)
		return
	}
	lc.readsLeft = 0
	l.f = frame.Frame{}
	s.sc.Release()
}

// flush writes what lc's calls queued, batch after batch, until none is
// left or the socket is full; then lc waits for writability.
func (l *loop) flush(lc *loopConn) {
	s := lc.s
	for {
		if lc.sent == len(lc.out) && !l.take(lc) {
			return
		}
		s.slot.c.stats.writes.Add(1)
		n, err := epoll.RawWrite(lc.fd, lc.out[lc.sent:])
		if n > 0 {
			lc.sent += n
		}
		switch {
		case err == unix.EAGAIN || (err == nil && lc.sent < len(lc.out)):
			l.want(lc, unix.EPOLLIN|unix.EPOLLOUT)
			return
		case err == unix.EINTR:
		case err != nil:
			l.finish(lc, os.NewSyscallError("write", err))
			return
		}
	}
}

// take makes the requests queued the batch to write, and gives the callers
// an empty buffer to queue more in. It reports false if there are none:
// the session is quiet (its next call wakes the loop) or failed.
func (l *loop) take(lc *loopConn) bool {
	s := lc.s
	buf := lc.out[:0]
	if buf == nil && len(l.spares) > 0 {
		buf = l.spares[len(l.spares)-1]
		l.spares = l.spares[:len(l.spares)-1]
	}
	s.mu.Lock()
	if s.err != nil || len(s.wbuf) == 0 {
		if s.err == nil {
			s.flushing = false
		}
		s.mu.Unlock()
		// Quiet: a buffer per session, the callers', is enough.
		if buf != nil && cap(buf) <= maxRetained && len(l.spares) < maxSpare {
			l.spares = append(l.spares, buf)
		}
		lc.out, lc.sent = nil, 0
		l.want(lc, unix.EPOLLIN)
		return false
	}
	lc.out, s.wbuf = s.wbuf, buf
	s.mu.Unlock()
	lc.sent = 0
	return true
}

// want changes the events lc waits for, if they changed.
func (l *loop) want(lc *loopConn, events uint32) {
	if events == lc.events || lc.done {
		return
	}
	if err := l.set.Modify(lc.fd, events, lc.slot); err != nil {
		l.finish(lc, err)
		return
	}
	lc.events = events
}

// finish closes lc, once, failing its session's calls with cause unless
// the session failed already, and hands the session's slot to a goroutine
// that dials the next connection, unless the client is closed.
func (l *loop) finish(lc *loopConn, cause error) {
	if lc.done {
		return
	}
	lc.done = true
	s := lc.s
	c := s.slot.c
	if cause != nil { // else todoKill: the session has failed already
		s.fail(&ConnError{Addr: c.s.addr, Err: cause})
	}
	if lc.slot >= 0 {
		l.conns.Free(lc.slot)
		lc.slot = -1
	}
	lc.closeFD() // which takes it out of the epoll set
	s.sc.Close()
	s.sc.Release()
	lc.out = nil
	if c.isClosed() {
		c.wg.Done() // the count attach took for lc
		return
	}
	go s.slot.lost(s, lc.answered) // which takes over attach's count
}

// closeFD closes the socket.
func (lc *loopConn) closeFD() {
	if lc.fd >= 0 {
		unix.Close(lc.fd)
		lc.fd = -1
	}
}

// loopIO is a loop connection as its stream.Conn sees it: the socket, read
// without blocking. The loop writes requests itself.
type loopIO loopConn

// Read reads once per pass, unless the read fills b, which has likely left
// more behind: the stream may then read again at once, into the buffer it
// grows, up to epoll.MaxReadsPerPass times (epoll.ReadPass). That is one
// read per wake-up, where reading until EAGAIN would cost a second, empty
// one; epoll (level-triggered) reports what arrives later at once.
func (r *loopIO) Read(b []byte) (int, error) {
	lc := (*loopConn)(r)
	n, err := epoll.ReadPass(lc.fd, b, &lc.readsLeft)
	if err != nil && err != io.EOF && err != epoll.ErrWouldBlock {
		err = os.NewSyscallError("read", err)
	}
	return n, err
}

// Write is refused: the loop writes the batches (see loop.flush).
func (r *loopIO) Write([]byte) (int, error) { return 0, errLoopWrite }

var errLoopWrite = errors.New("client: a loop connection's stream does not write")
