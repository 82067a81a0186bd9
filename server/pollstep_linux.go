package server

import (
	"log/slog"

	"github.com/wirekit/wirekit/internal/epoll"
	"golang.org/x/sys/unix"
)

// outcome is how serving a connection's frames stopped.
type outcome uint8

const (
	outRead    outcome = iota // no complete frame left: wait for input
	outPaused                 // over MaxInFlight or its held bytes: wait for replies
	outBlocked                // over the high-water mark: wait for the socket
	outClose                  // answer what was read, then close (EOF, CloseAfter, fatal error)
	outAbort                  // close at once
)

// step brings p as far as it can go without waiting: if serve is set it
// serves the complete frames buffered (reading once first if read is set
// too), then it writes what is queued and sets what p waits for next, and
// serves again if that ended a pause. It returns false if this goroutine
// lost the loop while a handler ran.
func (l *loop) step(p *pollConn, serve, read bool) bool {
	for {
		if serve && p.phase == phaseOpen && !p.is(paused) && !p.is(blocked) {
			out, lost := l.serveFrames(p, read)
			if lost {
				return false
			}
			read = false
			if !l.apply(p, out) {
				return true
			}
		}
		if serve = l.tidy(p); !serve {
			return true
		}
	}
}

// serveFrames serves p's complete frames, reading once if read is set and
// none is buffered, until none is left or a limit stops it. It is the
// poll engine's counterpart of goroutineEngine.loop.
//
// Between enter and leave the watchdog may hand the loop to a fresh
// goroutine; so does serveFrames itself before a frame the handler says
// may block. Either way this goroutine goes on serving p alone, without
// reading or waiting, then posts p back to the loop with the outcome, and
// reports lost: it must not touch the loop again.
func (l *loop) serveFrames(p *pollConn, read bool) (out outcome, lost bool) {
	c := p.c
	l.activate(p)
	c.req = l.req
	c.req.c = c // the loop's Request serves each of its connections in turn
	c.beginBatch()
	p.readsLeft = 0
	if read && !p.is(stopping) && !c.srv.shuttingDown() {
		p.readsLeft = epoll.MaxReadsPerPass
	}
	w := l.enter(p)
	out, lost = l.frames(p, w)
	p.readsLeft = 0
	if !lost && !l.word.CompareAndSwap(w, w&^busy) {
		lost = true // the watchdog handed the loop off
	}
	if lost {
		p.outcome = out
		p.post(todoBack)
	}
	return out, lost
}

// frames is serveFrames' loop over p's frames, in the batch whose word is
// w. It recovers a handler's panic once for the whole batch.
func (l *loop) frames(p *pollConn, w uint64) (out outcome, lost bool) {
	c := p.c
	defer func() {
		if v := recover(); v != nil {
			c.handlerPanicked(v)
			out = outAbort
		}
	}()
	blocker := l.e.blocker
	for {
		if c.overLimit() {
			// Stop reading until replies are Done; their answers may free
			// held bytes first.
			if !lost {
				if err := c.flush(); err != nil && err != errWouldBlock {
					out = outAbort
					break
				}
			}
			if c.overLimit() {
				out = outPaused
				break
			}
		}
		err := c.sc.ReadFrameTo(&c.req.Frame) // no copy of the frame on the way
		if err == errWouldBlock {
			out = outRead
			break
		}
		if err != nil {
			goOn, graceful := c.readEnded(err)
			if goOn {
				continue
			}
			out = closing(graceful)
			break
		}
		if blocker != nil && !lost && blocker.Blocks(c.req) {
			l.handOff(p, w)
			lost, p.readsLeft = true, 0
		}
		c.serveRequest()
		if c.closeAfter {
			out = closing(!c.ended)
			break
		}
		if !c.sc.Writable() {
			if !lost {
				if err := c.flush(); err != nil && err != errWouldBlock {
					out = outAbort
					break
				}
			}
			if !c.sc.Writable() {
				out = outBlocked
				break
			}
		}
	}
	return out, lost
}

func closing(graceful bool) outcome {
	if graceful {
		return outClose
	}
	return outAbort
}

// enter marks the start of a batch of handler calls, for the watchdog, and
// returns the batch's word. The batch ends with a compare-and-swap of that
// word, never of one read from the loop again: after a hand-off the loop's
// fields are the next goroutine's, and its own batch can have the same
// serial.
func (l *loop) enter(p *pollConn) uint64 {
	l.cur = p
	l.serial++
	w := l.serial<<1 | busy
	l.word.Store(w)
	l.e.rouseWatchdog()
	return w
}

// handOff hands the loop to a fresh goroutine, which leaves p alone until
// it comes back, while this goroutine serves p. It is called in the batch
// of word w, before a frame that may block; if the watchdog took the loop
// first, it has started that goroutine already.
func (l *loop) handOff(p *pollConn, w uint64) {
	if l.word.CompareAndSwap(w, handedOff) {
		l.handed = p
		go l.run()
	}
}

// apply records how serving stopped: what p waits for, and the read
// deadline of that wait. It returns false if p is closed.
func (l *loop) apply(p *pollConn, out outcome) bool {
	switch out {
	case outAbort:
		l.close(p)
		return false
	case outClose:
		l.beginClosing(p)
	case outPaused:
		p.set(paused, true)
		p.readDue = 0
	case outBlocked:
		p.set(blocked, true)
		p.readDue = 0
	case outRead:
		l.armRead(p)
	}
	return true
}

// armRead sets the read deadline of a connection about to wait for input:
// the frame timeout if a frame has begun (kept from the read that began
// it), else the idle timeout.
func (l *loop) armRead(p *pollConn) {
	s := p.c.srv
	sc := p.c.sc
	if sc != nil && sc.InboundBuffered() > 0 {
		if at := sc.Offset(); p.frameAt != at {
			p.frameAt = at
			p.readDue = 0
			if s.FrameTimeout > 0 {
				p.readDue = l.clock() + int64(s.FrameTimeout)
			}
		}
	} else {
		p.frameAt = -1
		p.readDue = 0
		if s.IdleTimeout > 0 {
			p.readDue = l.clock() + int64(s.IdleTimeout)
		}
	}
	if p.readDue != 0 {
		l.timers.arm(p, p.readDue)
	}
}

// tidy writes what p has queued, moves it along once nothing holds it
// (its lingering close once a closing connection has sent everything), and
// sets the events it waits for; an idle connection gives back its stream.
// It reports whether p may serve buffered frames again: a pause has ended.
func (l *loop) tidy(p *pollConn) (serve bool) {
	c := p.c
	if p.phase == phaseClosed || p.phase == phaseLinger {
		return false
	}
	queued := 0
	if c.sc != nil {
		if err := c.flush(); err != nil && err != errWouldBlock {
			l.close(p)
			return false
		}
		queued = c.sc.OutboundBuffered()
	}
	if queued == 0 {
		p.writeDue = 0
	} else if wt := c.srv.WriteTimeout; wt > 0 && (p.writeDue == 0 || int32(p.written-p.writeGoal) >= 0) {
		// As on the goroutine engine, where each flush may take WriteTimeout:
		// the answers queued now must be out within it. Answers queued
		// meanwhile get a deadline of their own once these are out, so a
		// peer that reads slowly but steadily is not cut.
		p.writeDue = l.clock() + int64(wt)
		p.writeGoal = p.written + uint32(queued)
		l.timers.arm(p, p.writeDue)
	}
	if p.phase == phaseClosing {
		if queued == 0 && c.quiet() {
			l.linger(p)
			return false
		}
		l.setEvents(p, outEvents(queued))
		return false
	}
	if p.is(blocked) && c.sc.Writable() {
		p.set(blocked, false)
		serve = true
	}
	if p.is(paused) && !c.overLimit() {
		p.set(paused, false)
		serve = true
	}
	if serve {
		return true
	}
	if p.is(stopping) && !p.is(paused) && !p.is(blocked) {
		// Shutdown: every complete frame read is answered.
		l.beginClosing(p)
		return l.tidy(p)
	}
	events := outEvents(queued)
	if !p.is(paused) && !p.is(blocked) {
		events |= unix.EPOLLIN
		if queued == 0 && c.sc != nil && c.sc.InboundBuffered() == 0 && c.quiet() {
			l.idle(p)
		}
	}
	l.setEvents(p, events)
	return false
}

func outEvents(queued int) uint32 {
	if queued > 0 {
		return unix.EPOLLOUT
	}
	return 0
}

// idle ends a connection's batch with nothing pending either way: it gives
// its buffers back, and its stream too, to the loop's spares, keeping only
// the stream offset; then it reports StateIdle.
func (l *loop) idle(p *pollConn) {
	c := p.c
	c.sc.Release()
	if c.sc.Idle() { // else skipping the rest of a refused frame, say
		p.offset = c.sc.Offset()
		if len(l.spare) < maxSpare {
			l.spare = append(l.spare, c.sc)
		}
		c.sc = nil
	}
	if c.state == StateActive {
		c.setState(StateIdle)
	}
}

// activate gives p a stream if it has none.
func (l *loop) activate(p *pollConn) {
	c := p.c
	if c.sc != nil {
		return
	}
	if n := len(l.spare); n > 0 {
		c.sc = l.spare[n-1]
		l.spare[n-1] = nil
		l.spare = l.spare[:n-1]
		c.sc.Reset((*rawIO)(p), p.offset)
		return
	}
	c.sc = c.srv.newStream((*rawIO)(p), lendingReadSize)
	if p.offset != 0 {
		c.sc.Reset((*rawIO)(p), p.offset)
	}
}

// setEvents changes the events p waits for, if they changed.
func (l *loop) setEvents(p *pollConn, events uint32) {
	if events == p.events || p.slot < 0 {
		return
	}
	if err := l.set.Modify(int(p.fd), events, p.slot); err != nil {
		p.c.logger().LogAttrs(p.c.base, slog.LevelDebug, "server: epoll_ctl failed", slog.Any("remote", p.c.nc.RemoteAddr()), slog.Any("err", err))
		l.close(p)
		return
	}
	p.events = events
}

// beginClosing stops reading: p answers what it has read, waits for its
// replies, writes everything, then closes with a lingering close.
func (l *loop) beginClosing(p *pollConn) {
	p.phase = phaseClosing
	p.readDue, p.frameAt = 0, -1
}

// linger sends a FIN once p has sent everything, then drops the peer's
// input until the peer closes too, or is silent for lingerTimeout (lingerMax
// at most): closing with unread input would send an RST, which can destroy
// answers the peer has not read yet.
func (l *loop) linger(p *pollConn) {
	c := p.c
	c.ended = true
	if p.eof || unix.Shutdown(int(p.fd), unix.SHUT_WR) != nil {
		l.close(p) // the peer closed first: nothing to wait for
		return
	}
	if c.sc != nil {
		c.sc.Close() // only marks it: Release then gives back its buffers
		c.sc.Release()
	}
	p.phase = phaseLinger
	now := l.clock()
	p.lingerSeen, p.lingerEnd = now, now+int64(lingerMax)
	p.readDue = now + int64(lingerTimeout)
	l.timers.arm(p, p.readDue)
	l.setEvents(p, unix.EPOLLIN)
}

// dropInput reads and drops a lingering connection's input; at the peer's
// end of stream, or a failure, the connection closes.
func (l *loop) dropInput(p *pollConn) {
	if l.discard == nil {
		l.discard = make([]byte, 16<<10)
	}
	for range 4 {
		n, err := unix.Read(int(p.fd), l.discard)
		switch {
		case err == unix.EAGAIN:
			return
		case err == unix.EINTR:
		case err != nil || n == 0:
			l.close(p)
			return
		default:
			p.lingerSeen = l.clock()
		}
	}
}

// close closes p at once and forgets it.
func (l *loop) close(p *pollConn) {
	c := p.c
	c.finish()
	if c.sc != nil {
		if len(l.spare) < maxSpare {
			l.spare = append(l.spare, c.sc) // closed and released: Reset reuses it
		}
		c.sc = nil
	}
	l.timers.remove(p)
	if p.slot >= 0 {
		l.conns.Free(p.slot)
	}
	p.closeFD()
	p.phase = phaseClosed
	l.count.Add(-1)
	c.srv.forget(c)
}
