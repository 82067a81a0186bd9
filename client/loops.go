package client

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Loops is a set of event loops that run client connections (see
// [Config.Loops]), for programs that hold many: a load generator, a proxy
// with a pool per backend. On Linux each loop is one goroutine waiting on
// an epoll set; a connection on it is a non-blocking socket with no
// goroutine of its own, and no read buffer while no response is arriving.
// A loop writes a connection's queued requests when a call wakes it, one
// write per batch as the writer goroutine does, and reads, splits and
// delivers responses as they arrive. The server's poll engine waits the
// same way (package server documents it).
//
// Many clients may share one Loops. Close it after them.
//
// A server's poll engine can run the loops instead of their goroutines
// (see server.Server.Guests): a proxy or a gateway, whose handlers call
// other servers, then serves both sides of its traffic on the server's
// loops, one goroutine per core.
type Loops struct {
	loops  []*loop
	rr     atomic.Uint32
	closed atomic.Bool
	once   sync.Once
	wg     sync.WaitGroup // the loops not ended, on a goroutine or a host
	spin   atomic.Int64   // see SetSpin

	mu     sync.Mutex
	aboard int // loops a host runs (see Board); 0: none, another may board
}

// NewLoops starts n event loops; n <= 0 means GOMAXPROCS, one per core. A
// connection goes to the loops in turn. On systems other than Linux it
// starts none, and the clients given it run their connections on
// goroutines.
func NewLoops(n int) (*Loops, error) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	ls := &Loops{}
	if !loopsRun {
		return ls, nil
	}
	for range n {
		l, err := newLoop(ls)
		if err != nil {
			for _, l := range ls.loops {
				l.set.Close()
			}
			return nil, err
		}
		ls.loops = append(ls.loops, l)
	}
	ls.wg.Add(n)
	for _, l := range ls.loops {
		go l.run()
	}
	return ls, nil
}

// SetSpin makes an idle loop poll for input for up to d before it waits,
// with a window that adapts, as server.Server.LoopSpin makes the server's
// loops do; its documentation says what that saves (most of a round trip's
// wake-up, on a virtual machine) and what it costs the rest of the process
// (a goroutine waiting in Go's network poller, a server in the same
// process among them, waits for the polling). For a load generator or a
// client whose process does little else. Zero, the default, never polls.
// It may be called at any time: each loop takes d at its next wake-up.
func (ls *Loops) SetSpin(d time.Duration) { ls.spin.Store(int64(d)) }

// Close stops the loops and waits for their goroutines to end. Connections
// still on them close: their calls in flight fail with a [*ConnError] whose
// cause is [ErrLoopsClosed], and their clients' attempts to open them again
// fail with ErrLoopsClosed until those clients close. Close is idempotent;
// it always returns nil.
func (ls *Loops) Close() error {
	ls.once.Do(func() {
		ls.closed.Store(true)
		for _, l := range ls.loops {
			l.stop()
		}
	})
	ls.wg.Wait()
	return nil
}

// Board, Visit and Alight are how a host runs the loops: server.Server,
// given them in its Guests, calls them; a program has no other use for
// them.
//
// Board stops the loops' goroutines and returns their epoll descriptors,
// by loop: from then on the host runs loop i, calling Visit(i) whenever
// descriptor i is readable, until Visit reports false or the host gives
// the loop back with Alight(i). An ended loop's descriptor is -1. It
// returns nil if the loops have a host already or are closed.
func (ls *Loops) Board() []int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.aboard > 0 || ls.closed.Load() || len(ls.loops) == 0 {
		return nil
	}
	fds := make([]int, len(ls.loops))
	for i, l := range ls.loops {
		var ok bool
		if fds[i], ok = l.board(); ok {
			ls.aboard++
		}
	}
	return fds
}

// Visit handles what loop i has ready, without blocking. It reports false
// once the loop has ended (Close was called): the host forgets it.
func (ls *Loops) Visit(i int) bool {
	if ls.loops[i].visit() {
		return true
	}
	ls.leave()
	return false
}

// Alight gives loop i back to a goroutine of its own: the host stops
// running it.
func (ls *Loops) Alight(i int) {
	ls.loops[i].alight()
	ls.leave()
}

// leave counts a loop off its host.
func (ls *Loops) leave() {
	ls.mu.Lock()
	ls.aboard--
	ls.mu.Unlock()
}

// pick returns the loop of the next connection: round robin.
func (ls *Loops) pick() *loop {
	return ls.loops[int(ls.rr.Add(1)-1)%len(ls.loops)]
}
