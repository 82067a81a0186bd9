package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// A demoSide is one of the two servers the demo compares, and its load.
type demoSide struct {
	name  string // in the report
	proto string // the server process's -proto
	// conns is the number of load connections that keep cfg.conns ×
	// cfg.depth requests in flight.
	conns func(cfg demoConfig) int
	// drive runs one load connection until lc stops, counting answers and
	// recording latencies in lc.
	drive func(ctx context.Context, addr string, cfg demoConfig, lc *loadConn) error
	// show, if set, shows something of the server before the load, in
	// the text output.
	show func(out io.Writer, addr string) error
}

var demoSides = [2]demoSide{
	{
		name: "wirekit", proto: "wirekit",
		conns: func(cfg demoConfig) int { return cfg.conns },
		drive: driveWirekit,
		show:  showFrame,
	},
	{
		name: "HTTP/1.1+JSON", proto: "http",
		conns: func(cfg demoConfig) int { return cfg.conns * cfg.depth },
		drive: driveHTTP,
	},
}

// The phases of a load run, in order.
const (
	phaseWarmUp int32 = iota
	phaseMeasure
	phaseStop
)

// A loadRun is one side's load: a loadConn per connection, and the phase
// they are in.
type loadRun struct {
	phase atomic.Int32
	conns []*loadConn
}

func (r *loadRun) answered() int64 {
	var n int64
	for _, lc := range r.conns {
		n += lc.answered.Load()
	}
	return n
}

// A loadConn is the tally of one load connection. Its goroutine alone writes
// it; the progress line reads answered meanwhile, the report the rest once
// the goroutine has returned.
type loadConn struct {
	run      *loadRun
	answered atomic.Int64 // requests answered, warm-up included
	lat      latencies    // of the requests answered while measuring
	in, out  atomic.Int64 // bytes read and written on its connection
}

func (lc *loadConn) measuring() bool { return lc.run.phase.Load() == phaseMeasure }
func (lc *loadConn) stopping() bool  { return lc.run.phase.Load() == phaseStop }

// dial connects to addr through a connection that counts its bytes into lc.
func (lc *loadConn) dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return countedConn{nc, lc}, nil
}

// countedConn counts the bytes that cross a load connection both ways: the
// TCP payload, what a packet capture would show past the TCP headers.
type countedConn struct {
	net.Conn
	lc *loadConn
}

func (c countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.lc.in.Add(int64(n))
	return n, err
}

func (c countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.lc.out.Add(int64(n))
	return n, err
}

// errLoadStuck ends a run whose load has not stopped long after it should have.
var errLoadStuck = errors.New("the load did not stop in time: a connection is stuck")

// measureSide loads srv as s says, for cfg.warmup() and then cfg.duration, and
// returns what it measured over the latter. Progress goes to prog.
func measureSide(s demoSide, cfg demoConfig, srv *serverProcess, prog *progressLine) (sideResult, error) {
	// The first failure cancels the run, and is its cause.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	watchdog := time.AfterFunc(cfg.warmup()+cfg.duration+procTimeout, func() { cancel(errLoadStuck) })
	defer watchdog.Stop()

	prog.show("%s: warming up for %v", s.name, cfg.warmup())
	r := &loadRun{conns: make([]*loadConn, s.conns(cfg))}
	var wg sync.WaitGroup
	for i := range r.conns {
		lc := &loadConn{run: r}
		r.conns[i] = lc
		wg.Go(func() {
			if err := s.drive(ctx, srv.addr, cfg, lc); err != nil {
				cancel(fmt.Errorf("%s load: %w", s.name, err))
			}
		})
	}
	start, end, err := r.window(ctx, srv, cfg, func(elapsed time.Duration, rate float64) {
		prog.show("%s: %v/%v %12s req/s", s.name, elapsed.Round(time.Second), cfg.duration, thousands(int64(rate)))
	})
	r.phase.Store(phaseStop)
	wg.Wait()
	if err == nil {
		err = context.Cause(ctx)
	}
	var res sideResult
	if err == nil {
		res, err = sideResultOf(s, cfg, srv, r.conns, start, end)
	}
	if err == nil {
		prog.show("%s: %s req/s on average over %v", s.name, thousands(int64(res.RequestsPerSec)), asDuration(res.Seconds))
	}
	prog.done()
	return res, err
}

// A loadSnapshot is where a run stands at one instant.
type loadSnapshot struct {
	at       time.Time
	answered int64
	server   procStats
	client   time.Duration // this process's CPU time
}

func (r *loadRun) snapshot(srv *serverProcess) (loadSnapshot, error) {
	s := loadSnapshot{at: time.Now(), answered: r.answered()}
	var err error
	if s.client, err = processCPU(); err != nil {
		return s, err
	}
	s.server, err = srv.stats()
	return s, err
}

// window waits out the warm-up, then measures for cfg.duration: it returns
// the snapshots at both ends, and in between reports each second the rate
// of answers over that second. It returns early, with no error, when ctx is
// cancelled: the caller reports the cause.
func (r *loadRun) window(ctx context.Context, srv *serverProcess, cfg demoConfig, report func(elapsed time.Duration, rate float64)) (start, end loadSnapshot, err error) {
	select {
	case <-time.After(cfg.warmup()):
	case <-ctx.Done():
		return start, end, nil
	}
	r.phase.Store(phaseMeasure)
	if start, err = r.snapshot(srv); err != nil {
		return start, end, err
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	stop := time.NewTimer(cfg.duration)
	defer stop.Stop()
	lastAt, lastN := start.at, start.answered
	for {
		select {
		case now := <-tick.C:
			n := r.answered()
			report(now.Sub(start.at), float64(n-lastN)/now.Sub(lastAt).Seconds())
			lastAt, lastN = now, n
		case <-stop.C:
			end, err = r.snapshot(srv)
			return start, end, err
		case <-ctx.Done():
			return start, end, nil
		}
	}
}
