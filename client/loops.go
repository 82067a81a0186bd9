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
type Loops struct {
	loops  []*loop
	rr     atomic.Uint32
	closed atomic.Bool
	once   sync.Once
	wg     sync.WaitGroup // the loops' goroutines
	spin   atomic.Int64   // see SetSpin
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
		l, err := newLoop(&ls.spin)
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
		go func() {
			defer ls.wg.Done()
			l.run()
		}()
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

// pick returns the loop of the next connection: round robin.
func (ls *Loops) pick() *loop {
	return ls.loops[int(ls.rr.Add(1)-1)%len(ls.loops)]
}
