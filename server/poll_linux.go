package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirekit/wirekit/internal/epoll"
	"github.com/wirekit/wirekit/stream"
)

// pollEngine runs connections on event loops over epoll: one goroutine per
// loop, each with its own epoll set, serving every connection assigned to
// it. A connection is a non-blocking socket in one loop's set; between
// batches it has no goroutine and, once drained, no buffer.
//
// A loop's wake-up handles every ready connection: it reads once from
// each, serves every complete frame of the read inline (handler included),
// and writes the answers with one write (writev when payloads are attached
// by reference). A write the socket cuts short resumes on EPOLLOUT; while
// more than the high-water mark is queued the connection is not read.
// Other goroutines (Reply.Done, Shutdown, Close, the acceptor) reach a
// loop through its inbox, a lock-free stack of connections with what to do
// for each, and an eventfd in its epoll set that wakes it. Timeouts are a
// per-loop deadline heap, checked at each wake-up; a loop with nothing to
// do parks in the runtime's poller until its epoll set is readable or the
// first deadline (see loop.wait).
//
// A handler that blocks would stall the whole loop. One that says so
// (BlockingHandler), or that runs past Server.HandlerBudget (a watchdog
// checks), keeps its goroutine: the loop is handed to a fresh goroutine,
// and the old one serves that connection apart until it has answered what
// it has read, then gives it back. Answers keep their order: they all go
// through the connection's one outbound queue.
type pollEngine struct {
	srv     *Server
	loops   []*loop
	blocker BlockingHandler // the Handler, if it says which frames block
	rr      atomic.Uint32   // round robin
	budget  time.Duration   // 0: no watchdog
	writes  *atomic.Int64   // Server.writes

	stopOnce sync.Once
	started  chan struct{} // closed once the guests are aboard and the loops run
	live     atomic.Int32  // loops running
	gone     chan struct{} // closed when the last loop has exited

	// The watchdog dozes while every loop is idle (see doze): a loop
	// beginning a batch then rouses it.
	dozing  atomic.Bool
	rouse   chan struct{} // capacity 1
	watched atomic.Int64  // ticks the watchdog took, for tests
}

// maxEvents is how many ready sockets one epoll_wait returns at most; the
// others are reported by the next.
const maxEvents = 256

// maxSpare bounds the stream.Conns a loop keeps for its connections that
// go from idle to busy.
const maxSpare = 64

// newPollEngine makes the loops of s; start runs them.
func newPollEngine(s *Server) (*pollEngine, error) {
	n := s.Loops
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	e := &pollEngine{srv: s, started: make(chan struct{}), gone: make(chan struct{}), rouse: make(chan struct{}, 1), writes: s.writes}
	e.blocker, _ = s.Handler.(BlockingHandler)
	switch {
	case s.HandlerBudget == 0:
		e.budget = DefaultHandlerBudget
	case s.HandlerBudget > 0:
		e.budget = s.HandlerBudget
	}
	for range n {
		l, err := newLoop(e)
		if err != nil {
			for _, l := range e.loops {
				l.set.Close()
			}
			return nil, err
		}
		e.loops = append(e.loops, l)
	}
	return e, nil
}

// start boards the server's guests, then starts the loops and the
// watchdog. It runs without the server's lock: boarding waits for the work
// each guest loop has in hand, which may be a client.Go function that
// calls the server (Close, say). A Close or Shutdown meanwhile stops the
// loops as they start.
func (e *pollEngine) start() {
	e.board()
	e.live.Store(int32(len(e.loops)))
	for _, l := range e.loops {
		go l.run()
	}
	if e.budget > 0 {
		go e.watch()
	}
	close(e.started)
}

// board takes the server's guests onto its loops, their loops spread over
// them in turn. A guest loop that cannot join an epoll set is given back.
func (e *pollEngine) board() {
	k := 0
	for _, g := range e.srv.Guests {
		for i, fd := range g.Board() {
			if fd < 0 {
				continue
			}
			l := e.loops[k%len(e.loops)]
			k++
			if err := l.set.Add(fd, unix.EPOLLIN, guestData(len(l.guests))); err != nil {
				e.srv.logger().Warn("server: a guest loop stays on its own goroutine", "err", err)
				g.Alight(i)
				continue
			}
			l.guests = append(l.guests, guest{g, i})
		}
	}
}

// guestData is the epoll data of a loop's guest j; WakeData is -1, and
// connections have slots, from 0.
func guestData(j int) int32 { return -2 - int32(j) }

// A guest is a guest loop a loop runs: g's loop i; g is nil once it has
// ended.
type guest struct {
	g Guest
	i int
}

// stop makes the loops exit once their connections are gone: no more will
// come.
func (e *pollEngine) stop() {
	e.stopOnce.Do(func() {
		for _, l := range e.loops {
			l.quit.Store(true)
			l.inbox.Wake()
		}
	})
}

// pick returns the loop for a new connection, by the Balance policy.
func (e *pollEngine) pick() *loop {
	if len(e.loops) == 1 {
		return e.loops[0]
	}
	if e.srv.Balance == LeastConns {
		best := e.loops[0]
		for _, l := range e.loops[1:] {
			if l.count.Load() < best.count.Load() {
				best = l
			}
		}
		return best
	}
	return e.loops[int(e.rr.Add(1)-1)%len(e.loops)]
}

// The engine interface: what the server and conn ask of the engine.

// engine returns the engine running c.
func (c *conn) engine() engine {
	if c.p != nil {
		return c.p.l.e
	}
	return goroutineEngine{}
}

func (e *pollEngine) attach(c *conn) {
	p := c.nc.(*pollConn)
	p.c, c.p = c, p
}

func (e *pollEngine) serve(c *conn)       { c.p.post(todoOpen) }
func (e *pollEngine) reject(c *conn)      { c.p.post(todoOpen | todoReject) }
func (e *pollEngine) startAsync(*conn)    {}
func (e *pollEngine) wakeup(c *conn)      { c.p.post(todoWake) }
func (e *pollEngine) stopReading(c *conn) { c.p.post(todoStop) }
func (e *pollEngine) kill(c *conn)        { c.p.Close() }

// watch is the watchdog. It ticks every half budget, and hands to a fresh
// goroutine (see loop.handOff) a loop it has seen serving the same batch of
// frames at every tick for a whole budget. A tick that comes late means the
// process itself was starved of CPU (a CPU quota, an overloaded machine):
// the watchdog then judges nothing until it has watched for a budget again,
// since a loop not running at all looks like one stuck in a handler.
//
// A tick that finds every loop where it was at the last, between batches,
// means the server has been idle for half a budget: the watchdog then
// dozes until a batch begins, so that an idle server does not wake every
// few milliseconds (it would, 200 times a second at the default budget,
// and an idle process should be quiet).
func (e *pollEngine) watch() {
	tick := e.budget / 2
	t := time.NewTicker(tick)
	defer t.Stop()
	var lastWarn time.Time
	last := time.Now()
	for {
		select {
		case <-e.gone:
			return
		case <-t.C:
		}
		e.watched.Add(1)
		now := time.Now()
		late := now.Sub(last) > tick+tick/2
		last = now
		idle := !late
		for _, l := range e.loops {
			w := l.word.Load()
			idle = idle && w == l.seen && w&busy == 0
			if late || w&busy == 0 || w != l.seen {
				l.seen, l.ticks = w, 0
				continue
			}
			if l.ticks++; l.ticks < 2 || !l.word.CompareAndSwap(w, handedOff) {
				continue
			}
			// The loop's goroutine is in a handler; l.cur, written
			// before it stored w, is the connection it serves.
			p := l.cur
			if now.Sub(lastWarn) >= warnEvery {
				lastWarn = now
				p.c.logger().LogAttrs(p.c.base, slog.LevelWarn, "server: a handler ran past HandlerBudget; its connection is served apart from its event loop",
					slog.Any("remote", p.c.nc.RemoteAddr()), slog.Duration("budget", e.budget))
			}
			l.handed = p
			go l.run()
		}
		if idle && e.doze() {
			t.Reset(tick)
			last = time.Now()
		}
	}
}

// doze parks the watchdog until a loop begins a batch (see rouseWatchdog),
// and reports whether it did; it does not if a batch began since the tick.
// The loop stores its word, then reads dozing; doze stores dozing, then
// reads the words: with sequentially consistent atomics at least one of
// them sees the other's store, so a batch never goes unwatched.
func (e *pollEngine) doze() bool {
	e.dozing.Store(true)
	for _, l := range e.loops {
		if l.word.Load() != l.seen {
			if e.dozing.CompareAndSwap(true, false) {
				return false
			}
			break // the loop took dozing: its signal is coming
		}
	}
	select {
	case <-e.rouse:
	case <-e.gone:
	}
	return true
}

// rouseWatchdog wakes a dozing watchdog; a loop calls it as it begins a
// batch. While the watchdog is awake it costs one atomic load.
func (e *pollEngine) rouseWatchdog() {
	if e.dozing.Load() && e.dozing.CompareAndSwap(true, false) {
		select {
		case e.rouse <- struct{}{}:
		default:
		}
	}
}

// A loop is one event loop: an epoll set, the goroutine that waits on it,
// and the connections in it.
type loop struct {
	e   *pollEngine
	set *epoll.Set // other goroutines wake the loop through its eventfd

	// Posting, from any goroutine.
	inbox *epoll.Inbox[pollConn] // connections posted
	quit  atomic.Bool            // exit once count is 0
	count atomic.Int32           // connections assigned to the loop and not closed

	// word is serial<<1|busy while the loop serves the frames of a batch,
	// serial<<1 between batches, and handedOff once the watchdog or the
	// loop itself has handed the loop to a fresh goroutine.
	word   atomic.Uint64
	serial uint64
	cur    *pollConn // the connection of the current batch
	seen   uint64    // the watchdog's: word at its last look
	ticks  int       // the watchdog's: on-time ticks it has seen word at seen
	handed *pollConn // the connection served apart, for the next goroutine

	deadline int64 // the deadline set on the epoll set, in monotime; 0: none

	// The loop's own state, resumable by the next goroutine after a hand-off.
	events  []unix.EpollEvent     // of the last wait
	next    int                   // events[next:] are not handled yet
	todo    *pollConn             // taken from the inbox, not handled yet
	conns   epoll.Table[pollConn] // by slot, the epoll data
	timers  deadlines
	now     int64          // monotime at this wake-up; 0: not read yet
	req     *Request       // the Request of every frame served here
	spare   []*stream.Conn // streams of connections gone idle, for reuse
	discard []byte         // lingering closes read into it
	guests  []guest        // by j, data guestData(j)
}

const (
	busy      = 1
	handedOff = 0 // serial starts at 1: no other word is 0
)

// warnEvery spaces out the watchdog's warnings: a handler that blocks
// often should not flood the log.
const warnEvery = time.Second

func newLoop(e *pollEngine) (*loop, error) {
	set, err := epoll.New(maxEvents)
	if err != nil {
		return nil, err
	}
	set.SetBlock(e.srv.LoopBlock)
	set.SetSpin(e.srv.LoopSpin)
	l := &loop{e: e, set: set, serial: 1, req: new(Request)}
	l.inbox = epoll.NewInbox(set, func(p *pollConn) **pollConn { return &p.next })
	l.word.Store(l.serial << 1)
	return l, nil
}

// push puts p in the inbox, from any goroutine: the loop takes it at its
// next wake-up.
func (l *loop) push(p *pollConn) { l.inbox.Push(p) }

// drop forgets a connection assigned to the loop that never reached it.
func (l *loop) drop() {
	if l.count.Add(-1) == 0 && l.quit.Load() {
		l.inbox.Wake()
	}
}

// run is the loop's goroutine: it waits for events and handles them until
// the engine stops and the loop's connections are gone, or until it loses
// the loop to a fresh goroutine while in a handler (see handOff).
func (l *loop) run() {
	if p := l.handed; p != nil {
		// This goroutine takes over from one that is serving p apart; the
		// Request it serves p with is its own now.
		l.handed = nil
		l.req = new(Request)
		p.set(apart, true)
		l.setEvents(p, 0)
	}
	l.word.Store(l.serial << 1)
	for {
		for l.next < len(l.events) {
			ev := &l.events[l.next]
			l.next++
			if !l.event(ev) {
				return
			}
		}
		for l.todo != nil {
			p := l.todo
			l.todo, p.next = p.next, nil
			if !l.task(p, p.todo.Swap(0)) {
				return
			}
		}
		l.now = 0
		l.expire()
		if l.quit.Load() && l.count.Load() == 0 {
			l.exit()
			return
		}
		l.wait()
	}
}

// wait fills events with the sockets that are ready: at once if any is,
// else once the epoll set has become readable or the first deadline has
// passed. The loop parks in the runtime's poller meanwhile, not in
// epoll_wait: see package epoll for why.
func (l *loop) wait() {
	want := int64(0)
	if p := l.timers.top(); p != nil {
		want = p.due
	}
	if want != l.deadline {
		var t time.Time
		if want != 0 {
			t = monoStart.Add(time.Duration(want - 1))
		}
		l.set.SetDeadline(t)
		l.deadline = want
	}
	l.events = l.set.Wait()
	l.next, l.now = 0, 0
}

// exit closes the loop's descriptors once no push can reach them.
func (l *loop) exit() {
	l.inbox.Close()
	l.set.Close()
	for _, g := range l.guests {
		if g.g != nil {
			g.g.Alight(g.i)
		}
	}
	if l.e.live.Add(-1) == 0 {
		close(l.e.gone)
	}
}

// clock returns the time of this wake-up, read once.
func (l *loop) clock() int64 {
	if l.now == 0 {
		l.now = monotime()
	}
	return l.now
}

// event handles one epoll event. It returns false if this goroutine lost
// the loop meanwhile.
//
// Slots are given out only while the inbox is handled, after the events of
// a wait: an event always names the connection it was reported for.
func (l *loop) event(ev *unix.EpollEvent) bool {
	if ev.Fd < 0 {
		if ev.Fd == epoll.WakeData {
			l.todo = l.inbox.Take(l.todo)
		} else if g := &l.guests[-2-ev.Fd]; g.g != nil && !g.g.Visit(g.i) {
			g.g = nil // its descriptor closed, which took it out of the set
		}
		return true
	}
	p := l.conns.At(ev.Fd)
	if p == nil || p.is(apart) {
		return true
	}
	if p.phase == phaseLinger {
		l.dropInput(p)
		return true
	}
	e := ev.Events
	if e&(unix.EPOLLERR|unix.EPOLLHUP) != 0 && p.events&(unix.EPOLLIN|unix.EPOLLOUT) == 0 {
		// The peer is gone while the connection neither reads nor writes
		// (it waits for replies): nothing can reach the peer any more.
		l.close(p)
		return true
	}
	serve := false
	if e&unix.EPOLLOUT != 0 || (e&unix.EPOLLERR != 0 && p.events&unix.EPOLLOUT != 0) {
		if serve = l.tidy(p); p.phase == phaseClosed {
			return true
		}
	}
	if e&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 && p.events&unix.EPOLLIN != 0 {
		return l.step(p, true, true)
	}
	if serve {
		return l.step(p, true, false)
	}
	return true
}

// task does what was posted for p. It returns false if this goroutine lost
// the loop meanwhile.
func (l *loop) task(p *pollConn, bits uint32) bool {
	if p.phase == phaseClosed {
		return true
	}
	if p.slot < 0 && bits&todoOpen == 0 {
		// Killed or stopped before the acceptor handed it over: wait for
		// that, so that its StateNew comes first.
		p.deferred |= bits
		return true
	}
	back := false
	if p.is(apart) {
		if bits&todoBack == 0 {
			p.deferred |= bits
			return true
		}
		bits |= p.deferred
		p.deferred, back = 0, true
		p.set(apart, false)
		if d := p.nextDue(); d != 0 {
			l.timers.arm(p, d)
		}
		if !l.apply(p, p.outcome) {
			return true
		}
	}
	if bits&todoOpen != 0 {
		bits |= p.deferred
		p.deferred = 0
		if !l.open(p, bits&todoReject != 0) {
			return true
		}
	}
	if bits&todoKill != 0 {
		l.close(p)
		return true
	}
	if bits&todoStop != 0 {
		p.set(stopping, true)
	}
	return l.step(p, back, false)
}

// open registers a new connection in the loop's epoll set; a rejected one
// is served to OnReject and closed. It returns false if p is closed.
func (l *loop) open(p *pollConn, rejected bool) bool {
	p.slot = l.conns.Put(p)
	if err := l.set.Add(int(p.fd), unix.EPOLLIN, p.slot); err != nil {
		p.c.logger().LogAttrs(p.c.base, slog.LevelWarn, "server: epoll_ctl failed", slog.Any("remote", p.c.nc.RemoteAddr()), slog.Any("err", err))
		l.close(p)
		return false
	}
	p.events = unix.EPOLLIN
	c := p.c
	if rejected {
		l.activate(p)
		c.beginBatch()
		c.callRejectHook()
		if c.ended {
			l.close(p)
			return false
		}
		l.beginClosing(p)
		return true
	}
	c.logOpened()
	l.armRead(p)
	return true
}

// expire handles the deadlines that have passed.
func (l *loop) expire() {
	for {
		p := l.timers.top()
		if p == nil || p.due > l.clock() {
			return
		}
		switch next := p.nextDue(); {
		case next == 0 || p.is(apart):
			// Disarmed; or served apart, re-armed when it comes back.
			l.timers.remove(p)
		case next > l.clock():
			l.timers.reschedule(next)
		default:
			l.timers.remove(p)
			l.timedOut(p)
		}
	}
}

// nextDue returns p's earliest deadline, or 0.
func (p *pollConn) nextDue() int64 {
	switch {
	case p.readDue == 0:
		return p.writeDue
	case p.writeDue == 0:
		return p.readDue
	}
	return min(p.readDue, p.writeDue)
}

// timedOut handles p's deadline that has passed.
func (l *loop) timedOut(p *pollConn) {
	c := p.c
	now := l.clock()
	if p.writeDue != 0 && p.writeDue <= now {
		// As the goroutine engine's write past its deadline.
		c.logger().LogAttrs(c.base, slog.LevelDebug, "server: write failed", slog.Any("remote", c.nc.RemoteAddr()), slog.Any("err", os.ErrDeadlineExceeded))
		l.close(p)
		return
	}
	p.readDue = 0
	switch p.phase {
	case phaseLinger:
		// The peer still sends: it has not read every answer yet.
		if due := min(p.lingerSeen+int64(lingerTimeout), p.lingerEnd); due > now {
			p.readDue = due
			l.timers.arm(p, due)
			return
		}
		l.close(p)
	case phaseOpen:
		if !c.srv.shuttingDown() {
			c.logTimeout(p.frameAt >= 0)
		}
		l.beginClosing(p)
		l.tidy(p)
	}
}

// The acceptor.

// pollListener is a TCP or Unix listener served by the poll engine. It
// accepts on a duplicate of the listener's socket, through the runtime's
// poller (a listener's own RawConn cannot wait for readability): the
// accepted sockets themselves are never the runtime's.
type pollListener struct {
	net.Listener
	e    *pollEngine
	f    *os.File // the duplicate
	rc   syscall.RawConn
	pin  *loop    // the loop of every connection, or nil: the policy picks
	addr net.Addr // the local address of every connection, or nil: ask each
	tcp  bool
	unix bool
}

// Close closes the duplicate too: that ends serve's wait.
func (pl *pollListener) Close() error {
	pl.f.Close()
	return pl.Listener.Close()
}

// acceptorFor returns the poll engine's acceptor for ln, or nil if the
// goroutine engine serves it (and logs why, once, unless the goroutine
// engine was asked for).
func (s *Server) acceptorFor(ln net.Listener, pin int) acceptor {
	if s.Engine == EngineGoroutine {
		return nil
	}
	pl := &pollListener{Listener: ln}
	switch ln := ln.(type) {
	case *net.TCPListener:
		pl.tcp = true
		if a, ok := ln.Addr().(*net.TCPAddr); ok && !a.IP.IsUnspecified() {
			pl.addr = a
		}
	case *net.UnixListener:
		pl.unix, pl.addr = true, ln.Addr()
	default:
		s.fallBack(fmt.Sprintf("the listener is a %T, not a TCP or Unix listener from package net", ln))
		return nil
	}
	f, err := ln.(interface{ File() (*os.File, error) }).File()
	if err == nil {
		pl.rc, err = f.SyscallConn()
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		s.fallBack("cannot accept on the listener's socket: " + err.Error())
		return nil
	}
	pl.f = f
	e, err := s.pollEngine()
	if err != nil {
		f.Close()
		if !errors.Is(err, ErrServerClosed) {
			s.fallBack(err.Error())
		}
		return nil
	}
	pl.e = e
	if pin >= 0 {
		pl.pin = e.loops[pin%len(e.loops)]
	}
	return pl
}

// pollEngine returns the server's poll engine, started at the first call
// (outside the server's lock: see start); a call meanwhile waits for it to
// have started.
func (s *Server) pollEngine() (*pollEngine, error) {
	s.mu.Lock()
	if s.shuttingDown() {
		s.mu.Unlock()
		return nil, ErrServerClosed
	}
	e, first := s.poll, s.poll == nil
	if first {
		var err error
		if e, err = newPollEngine(s); err != nil {
			s.mu.Unlock()
			return nil, err
		}
		s.poll = e
	}
	s.mu.Unlock()
	if first {
		e.start()
	}
	<-e.started
	return e, nil
}

// stopPollLocked stops the poll engine, if any. The caller holds s.mu.
func (s *Server) stopPollLocked() {
	if s.poll != nil {
		s.poll.stop()
	}
}

// serve accepts until the listener closes.
//
// The sockets are accepted inside RawConn.Read's callback but handed to
// the server outside it: closing the listener (Server.Close, with the
// server's lock held) waits for the callback to return, and handing a
// socket over takes that lock.
func (pl *pollListener) serve(base context.Context) error {
	s := pl.e.srv
	var delay time.Duration
	var aerr error
	var sa unix.RawSockaddrAny
	batch := make([]*pollConn, 0, 64)
	acceptAll := func(fd uintptr) bool {
		for len(batch) < cap(batch) {
			nfd, errno := accept4(int(fd), &sa)
			switch errno {
			case 0:
				batch = append(batch, pl.newConn(nfd, &sa))
			case unix.EAGAIN:
				return len(batch) > 0 // else wait for the next connection
			case unix.EINTR, unix.ECONNABORTED:
			default:
				aerr = os.NewSyscallError("accept4", errno)
				return true
			}
		}
		return true
	}
	for {
		aerr, batch = nil, batch[:0]
		err := pl.rc.Read(acceptAll)
		for _, p := range batch {
			pl.accept(p, base)
		}
		clear(batch)
		if s.shuttingDown() {
			return ErrServerClosed
		}
		if err != nil {
			return err
		}
		if aerr == nil {
			delay = 0
			continue
		}
		if !errors.Is(aerr, unix.EMFILE) && !errors.Is(aerr, unix.ENFILE) && !errors.Is(aerr, unix.ENOBUFS) && !errors.Is(aerr, unix.ENOMEM) {
			return aerr
		}
		// Out of file descriptors, say: wait for connections to close.
		delay = min(max(2*delay, 5*time.Millisecond), time.Second)
		s.logger().Warn("server: accept failed; retrying", "err", aerr, "delay", delay)
		time.Sleep(delay)
	}
}

// newConn makes the connection of an accepted socket.
func (pl *pollListener) newConn(fd int, sa *unix.RawSockaddrAny) *pollConn {
	p := &pollConn{fd: int32(fd), ln: pl, slot: -1, hidx: -1, frameAt: -1}
	p.setPeer(sa)
	return p
}

// accept sets up an accepted socket as Go's net package does (no Nagle
// delay, keep-alive probes) and hands it to the server.
func (pl *pollListener) accept(p *pollConn, base context.Context) {
	if fd := int(p.fd); pl.tcp {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 15)
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, 15)
	}
	p.l = pl.pin
	if p.l == nil {
		p.l = pl.e.pick()
	}
	p.l.count.Add(1)
	pl.e.srv.accept(pl.e, p, base)
}

// reusePortListeners opens one SO_REUSEPORT listener per loop on a TCP
// address, for ListenAndServe; nil if the poll engine would not serve them.
func (s *Server) reusePortListeners(network, addr string) ([]net.Listener, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, nil
	}
	if s.Engine == EngineGoroutine {
		return nil, nil
	}
	n := s.Loops
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	var lns []net.Listener
	for range n {
		ln, err := lc.Listen(context.Background(), network, addr)
		if err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			return nil, err
		}
		if len(lns) == 0 {
			// Port 0: the others take the port the first one got.
			addr = ln.Addr().String()
		}
		lns = append(lns, ln)
	}
	return lns, nil
}
