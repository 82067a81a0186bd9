package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// A Server serves a framed protocol on any number of listeners. The zero
// value of each field is usable: it is documented with the field. Set the
// fields before the first call to Serve and do not change them afterwards;
// a Server must not be copied once it serves.
type Server struct {
	// Framing cuts the byte stream into frames and writes answers. Required.
	Framing frame.Framing
	// Handler answers the frames. Required.
	Handler Handler

	// Unordered lets deferred replies (see [Writer.Defer]) go out as soon as
	// they are Done, for protocols whose frames carry a request id. By
	// default, answers leave in the order the requests came.
	Unordered bool

	// MaxConns caps the connections served at once. A connection accepted
	// over the cap is closed at once, after OnReject if set, and counted by
	// Metrics.ConnRejected. Zero means no cap.
	MaxConns int
	// OnReject, if set, is called for a connection refused by MaxConns
	// before it is closed, to write the protocol's "busy" frame with w.
	// It runs where the engine runs connections (on the poll engine, an
	// event loop), so it must not block; what it writes is sent with a
	// lingering close, like any last answer.
	OnReject func(w *Writer)

	// MaxInFlight caps the requests of one connection whose answers are
	// pending: deferred with Writer.Defer and not yet Done. At the cap the
	// server stops reading from that peer (its writes then block, by TCP's
	// flow control) until a Reply is Done; other connections are not
	// affected. Zero means DefaultMaxInFlight.
	MaxInFlight int
	// MaxBuffered caps the bytes one connection buffers in each direction.
	// Inbound, it is the largest frame the connection accepts whatever the
	// framing allows: a frame that cannot fit is refused, before memory is
	// committed, with a fatal *frame.Error of kind frame.TooLarge. Outbound,
	// it is the high-water mark: once more answers than this are queued the
	// server writes them out before reading on, and answers held behind a
	// pending Reply stop the reading while they exceed it. Zero means the
	// stream package's defaults (stream.DefaultMaxInbound and
	// stream.DefaultHighWater).
	MaxBuffered int

	// IdleTimeout is how long a connection may wait for the first byte of
	// its next frame; then it closes (gracefully: pending answers are sent
	// first). Zero means no limit.
	IdleTimeout time.Duration
	// FrameTimeout is how long a frame may take to arrive once its first
	// byte has: a peer that drips a frame byte by byte is cut off. It also
	// bounds the TLS handshake. Zero means no limit.
	FrameTimeout time.Duration
	// WriteTimeout is how long one write of queued answers may take: a peer
	// that does not read is cut off. Zero means no limit.
	WriteTimeout time.Duration

	// OnProtocolError, if set, is called when the framing refuses input,
	// with the *frame.Error (Kind, Offset, Fatal, and the frame's ID if
	// HasID), so that the protocol can write its own error frame with w.
	// The answers to the requests before the bad frame are already queued,
	// in order, ahead of what it writes. After a fatal error the server then
	// sends everything and closes the connection; after a non-fatal one it
	// reads on (unless w.CloseAfter was called). Nil means no error frame.
	OnProtocolError func(w *Writer, err error)

	// TLSConfig is used by ListenAndServeTLS and ServeTLS. Nil means a
	// default configuration with the certificate files given to them.
	TLSConfig *tls.Config

	// Logger receives the server's logs: connections opened and closed and
	// frames as hex dumps at Debug, protocol errors at Warn (Debug when not
	// fatal), handler panics at Error. Debug output costs nothing unless the
	// Debug level is enabled. Nil means slog.Default().
	Logger *slog.Logger
	// Metrics receives counts (see [Metrics]); nil means none are kept and
	// handler calls are not timed.
	Metrics Metrics
	// ConnState, if set, is called when a connection changes state (see
	// [ConnState]), on the goroutine serving the connection (on the poll
	// engine, an event loop): it must not block.
	ConnState func(net.Conn, ConnState)
	// BaseContext, if set, returns the base context of the connections
	// accepted on ln; otherwise it is context.Background(). It must not
	// return nil.
	BaseContext func(ln net.Listener) context.Context
	// ConnContext, if set, derives a connection's context from the base
	// context; Request.Context returns it. It must not return nil.
	ConnContext func(ctx context.Context, nc net.Conn) context.Context

	// Poison is a debugging aid: each frame's bytes are overwritten as soon
	// as ServeFrame returns (see stream.Config.Poison), so that a handler
	// that keeps a borrowed frame fails in tests rather than in production.
	Poison bool

	// Engine selects what runs the connections (see [Engine]). The zero
	// value, EngineAuto, runs the poll engine wherever it can serve the
	// listener, and the goroutine engine elsewhere.
	Engine Engine
	// Loops is the number of event loops of the poll engine. Zero means
	// one per processor the Go scheduler uses (runtime.GOMAXPROCS).
	Loops int
	// Balance is how the poll engine spreads accepted connections over its
	// loops (see [Balance]). Connections from a ReusePort listener go to
	// that listener's loop instead.
	Balance Balance
	// ReusePort makes ListenAndServe, on the poll engine and a TCP
	// address, open one SO_REUSEPORT listener per event loop: the kernel
	// then spreads the connections over the listeners (by a hash of the
	// addresses), and each listener's go to its own loop. Other listeners
	// and engines ignore it.
	ReusePort bool
	// HandlerBudget is how long the poll engine lets the handler run on an
	// event loop, serving the frames one read brought in, before it decides
	// the handler blocks: the loop moves to a fresh goroutine, so that its
	// other connections go on, and the goroutine stuck in the handler serves
	// that connection alone until it has caught up (see [BlockingHandler]
	// for handlers that know in advance), and a warning is logged. A
	// watchdog checks every half budget, so the move happens between one
	// and one and a half budgets in; while the whole process is starved of
	// CPU it does not judge. Zero means DefaultHandlerBudget; a negative
	// value, never.
	HandlerBudget time.Duration
	// LoopBlock is how long a poll engine loop with nothing to do waits in
	// epoll itself, its thread blocked in the kernel as gnet's loops wait,
	// before it parks in Go's network poller. Input that comes within
	// LoopBlock is served without a trip through the scheduler: with one
	// request in flight, about 5 µs sooner and with 4 µs less server CPU
	// per request on this machine, still behind gnet
	// (bench/results/loop-block.md; LoopSpin does better). The price: a
	// blocked thread keeps its processor, so the process's other
	// goroutines (Replies finishing, a client in the same process, timers)
	// wait until the runtime takes it back, up to milliseconds when
	// GOMAXPROCS is no larger than Loops (a round trip with a client in the
	// same process: 13 µs parking, 46-198 µs with LoopBlock 200 µs on one
	// processor, 25-70 µs on two, BenchmarkLoopBlockInProcess); and waits
	// that time out cost CPU (10,000 connections at a request a second
	// each: 18.2 against 14.0 µs per request, bench/results/results.md as
	// of commit 33223fd). For a process that only serves, with handlers
	// that answer inline, at a rate that keeps its loops busy. Zero, the
	// default, parks at once.
	LoopBlock time.Duration
	// LoopSpin is how long, at most, a poll engine loop with nothing to
	// do polls its epoll set before it waits (parks, or blocks for
	// LoopBlock), yielding its processor between polls when GOMAXPROCS is
	// 1. Input that comes meanwhile is served without waking a sleeping
	// thread, which on a virtual machine, where an idle processor halts,
	// costs more than the polling: with one request in flight, from
	// another process, p50 60 -> 20 µs, p99 92 -> 51 µs and server CPU per
	// request 31 -> 23 µs on this machine (bench/results/loop-spin.md). The
	// window adapts as Linux's haltpoll governor does (see
	// epoll.Set.SetSpin): it grows while input comes within LoopSpin and
	// closes while it comes later, so an idle server, or one whose
	// connections send seldom, does not poll.
	//
	// The price falls on the rest of the process: goroutines waiting in
	// Go's network poller (a client in the same process, an HTTP server,
	// a database driver) are woken by another thread while a loop polls,
	// or, with one processor, only once it stops. A round trip with a
	// client in the same process takes 2.3 (two processors) to 3.9 (one)
	// times as long (BenchmarkLoopBlockInProcess). And where input keeps
	// coming just within LoopSpin, the loop polls through the gaps it would
	// have slept through: at one request in flight the server's core is
	// busy 99% of the time (bench/results/results.md). For a process that
	// only serves, from other processes. Zero, the default, never polls.
	LoopSpin time.Duration
	// Guests are event loops that the poll engine runs on its own loops,
	// their goroutines stopped, from its start until its loops exit: a
	// client.Loops whose clients this server's handlers call (a proxy, a
	// gateway), so that both sides of the traffic run on one goroutine per
	// loop (see [Guest]). A goroutine engine server leaves them on their
	// own goroutines.
	Guests []Guest

	pool stream.Pool // buffers of every connection and Reply
	// The streams and Requests that idle goroutine engine connections
	// dropped (see shed), for those that wake: a connection with one
	// request a second rehomes about once per request.
	idleStreams, idleRequests sync.Pool
	inShutdown                atomic.Bool
	closed                    atomic.Bool   // Close has begun: nothing more is written
	fellBack                  atomic.Bool   // the goroutine engine's fallback has been logged
	poll                      *pollEngine   // made by the first Serve on the poll engine; guarded by mu
	writes                    *atomic.Int64 // tests: counts the poll engine's write system calls

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	serving   sync.WaitGroup // Serve loops
	conns     map[*conn]struct{}
	served    int           // connections in conns that count toward MaxConns
	killed    chan struct{} // closed by Close
	isKilled  bool
	drained   chan struct{} // closed when conns becomes empty, while shutting down
}

// DefaultHandlerBudget is the [Server.HandlerBudget] a zero value means.
const DefaultHandlerBudget = 10 * time.Millisecond

// An Engine runs a server's connections: it decides which goroutine reads,
// serves and writes, and how an idle connection waits. Both engines run
// the same Handlers with the same limits, timeouts, hooks, metrics and
// logs; they differ in what a connection costs.
type Engine uint8

const (
	// EngineAuto is the poll engine where it can serve the listener (a
	// TCP or Unix listener from package net, on Linux), and the goroutine
	// engine elsewhere.
	EngineAuto Engine = iota
	// EngineGoroutine serves each connection on a goroutine of its own,
	// over Go's network poller, on any net.Listener: TLS, in-memory pipes,
	// the caller's own listeners. An idle connection over a socket costs
	// its goroutine (about 3.4 KiB with its stack) and no buffer.
	EngineGoroutine
	// EnginePoll serves connections on event loops over epoll (Linux): a
	// connection is a file descriptor in a loop, so an idle one costs no
	// goroutine and no buffer, a few hundred bytes in all; every ready
	// connection is served in one pass of its loop, each read's frames
	// handled inline and their answers sent with one write. Where it cannot
	// serve the listener (TLS, a wrapped listener, another OS) the server
	// falls back to the goroutine engine and logs so, once, at Info.
	EnginePoll
)

var engineNames = [...]string{"auto", "goroutine", "poll"}

func (e Engine) String() string {
	if int(e) < len(engineNames) {
		return engineNames[e]
	}
	return "engine(" + strconv.Itoa(int(e)) + ")"
}

// Balance is how the poll engine assigns accepted connections to its event
// loops. A connection stays on its loop until it closes.
type Balance uint8

const (
	// RoundRobin gives each loop the next connection in turn: even when
	// connections cost alike, and the cheapest choice.
	RoundRobin Balance = iota
	// LeastConns gives a connection to the loop with the fewest: even when
	// connections come and go unevenly (long-lived next to short-lived).
	LeastConns
)

var balanceNames = [...]string{"round-robin", "least-conns"}

func (b Balance) String() string {
	if int(b) < len(balanceNames) {
		return balanceNames[b]
	}
	return "balance(" + strconv.Itoa(int(b)) + ")"
}

// ListenAndServe listens on the network address (network "tcp", "tcp4",
// "tcp6" or "unix", as for net.Listen) and calls [Server.Serve]; with
// ReusePort, on the poll engine and a TCP address, it opens one listener
// per event loop and serves them all. It always returns a non-nil error;
// after Shutdown or Close, ErrServerClosed.
func (s *Server) ListenAndServe(network, addr string) error {
	if s.shuttingDown() {
		return ErrServerClosed
	}
	if s.ReusePort {
		lns, err := s.reusePortListeners(network, addr)
		if err != nil {
			return err
		}
		if lns != nil {
			return s.serveAll(lns)
		}
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// serveAll serves each listener on the loop of the same index and returns
// the first error other than ErrServerClosed, or ErrServerClosed.
func (s *Server) serveAll(lns []net.Listener) error {
	errs := make(chan error, len(lns))
	for i, ln := range lns {
		go func() { errs <- s.serve(ln, i) }()
	}
	err := error(ErrServerClosed)
	for range lns {
		if e := <-errs; e != ErrServerClosed && err == ErrServerClosed {
			err = e
			s.Close() // one listener failed: the others stop too
		}
	}
	return err
}

// ListenAndServeTLS is ListenAndServe over TLS: see [Server.ServeTLS].
func (s *Server) ListenAndServeTLS(network, addr, certFile, keyFile string) error {
	if s.shuttingDown() {
		return ErrServerClosed
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return err
	}
	return s.ServeTLS(ln, certFile, keyFile)
}

// ServeTLS serves TLS connections on ln with a clone of TLSConfig. If
// certFile and keyFile are not empty, the certificate and key they name are
// added to it; otherwise TLSConfig must supply certificates itself.
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	cfg := s.TLSConfig.Clone()
	if cfg == nil {
		cfg = new(tls.Config)
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			ln.Close()
			return err
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	return s.Serve(tls.NewListener(ln, cfg))
}

// Serve accepts connections on ln and serves them with the Engine: any
// listener works, TCP, Unix, TLS, or one of the caller's (the poll engine
// takes TCP and Unix listeners from package net; the goroutine engine
// serves the others). Serve closes ln when it returns, which is after
// Shutdown or Close (with ErrServerClosed) or when accepting fails with an
// error that is not temporary (with that error).
//
// On the poll engine Serve accepts through a duplicate of ln's socket: stop
// the server with Shutdown or Close, not by closing ln.
func (s *Server) Serve(ln net.Listener) error {
	if s.Framing == nil || s.Handler == nil {
		return ErrIncomplete
	}
	return s.serve(ln, -1)
}

// An acceptor accepts the connections of a listener for an engine other
// than the goroutine engine's Accept loop.
type acceptor interface {
	net.Listener
	serve(base context.Context) error
}

// serve is Serve, with the poll engine's loop for ln's connections if pin
// is not negative.
func (s *Server) serve(ln net.Listener, pin int) error {
	user := ln
	acc := s.acceptorFor(ln, pin)
	if acc != nil {
		ln = acc
	}
	if !s.track(&ln) {
		ln.Close()
		return ErrServerClosed
	}
	defer s.untrack(&ln)
	base := context.Background()
	if s.BaseContext != nil {
		if base = s.BaseContext(user); base == nil {
			panic("server: BaseContext returned a nil context")
		}
	}
	if acc != nil {
		return acc.serve(base)
	}
	var eng goroutineEngine
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shuttingDown() {
				return ErrServerClosed
			}
			var te interface{ Temporary() bool }
			if !errors.As(err, &te) || !te.Temporary() {
				return err
			}
			// Out of file descriptors, say: wait for connections to close.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.logger().Warn("server: accept failed; retrying", "err", err, "delay", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		s.accept(eng, nc, base)
	}
}

// accept starts serving nc, or rejects it over MaxConns.
func (s *Server) accept(eng engine, nc net.Conn, base context.Context) {
	ctx := base
	if s.ConnContext != nil {
		if ctx = s.ConnContext(ctx, nc); ctx == nil {
			panic("server: ConnContext returned a nil context")
		}
	}
	s.mu.Lock()
	if s.shuttingDown() {
		s.mu.Unlock()
		nc.Close()
		return
	}
	rejected := s.MaxConns > 0 && s.served >= s.MaxConns
	if rejected {
		s.metrics().ConnRejected()
		s.logger().LogAttrs(ctx, slog.LevelDebug, "server: connection rejected (MaxConns)", slog.Any("remote", nc.RemoteAddr()))
		if s.OnReject == nil {
			s.mu.Unlock()
			nc.Close()
			return
		}
	}
	c := newConn(s, eng, nc, ctx)
	c.rejected = rejected
	s.conns[c] = struct{}{}
	if !rejected {
		s.served++
	}
	s.mu.Unlock()
	if rejected {
		eng.reject(c)
		return
	}
	s.metrics().ConnAccepted()
	c.setState(StateNew)
	eng.serve(c)
}

// forget removes a finished connection.
func (s *Server) forget(c *conn) {
	if !c.rejected {
		c.setState(StateClosed)
		c.metrics().ConnClosed()
		c.logClosed()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if !c.rejected {
		s.served--
	}
	if len(s.conns) == 0 && s.drained != nil {
		close(s.drained)
		s.drained = nil
	}
}

// Shutdown stops the server gracefully. It closes the listeners, then makes
// every connection stop reading from its peer; each connection answers the
// complete requests it has already read, waits for its pending Replies,
// sends everything, and closes with a lingering close (FIN first, then the
// peer's input drained for a moment, so that no RST destroys answers the
// peer has not read yet). Shutdown returns when every connection has closed.
//
// If ctx ends first, Shutdown closes everything at once, as Close, and
// returns ctx.Err(). Once Shutdown is called, Serve returns ErrServerClosed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.inShutdown.Store(true)
	s.mu.Lock()
	err := s.closeListenersLocked()
	s.mu.Unlock()
	s.serving.Wait()

	s.mu.Lock()
	for c := range s.conns {
		c.engine().stopReading(c)
	}
	var drained chan struct{}
	if len(s.conns) > 0 {
		if s.drained == nil {
			s.drained = make(chan struct{})
		}
		drained = s.drained
	}
	s.mu.Unlock()
	if drained != nil {
		select {
		case <-drained:
		case <-ctx.Done():
			s.Close()
			return ctx.Err()
		}
	}
	s.mu.Lock()
	s.stopPollLocked()
	s.mu.Unlock()
	return err
}

// fallBack logs, once, that the goroutine engine serves a listener the
// poll engine was wanted for.
func (s *Server) fallBack(reason string) {
	if s.fellBack.CompareAndSwap(false, true) {
		s.logger().Info("server: serving with the goroutine engine", "engine", s.Engine, "reason", reason)
	}
}

// Close closes the listeners and every connection at once: answers not yet
// sent are lost. For a graceful stop use Shutdown. Close does not wait for
// the connections' goroutines to return; they return promptly, unless a
// handler blocks.
func (s *Server) Close() error {
	s.inShutdown.Store(true)
	s.closed.Store(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.closeListenersLocked()
	s.initLocked()
	if !s.isKilled {
		s.isKilled = true
		close(s.killed)
	}
	for c := range s.conns {
		c.engine().kill(c)
	}
	s.stopPollLocked()
	return err
}

func (s *Server) shuttingDown() bool { return s.inShutdown.Load() }

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) metrics() Metrics {
	if s.Metrics != nil {
		return s.Metrics
	}
	return NopMetrics{}
}

func (s *Server) initLocked() {
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
		s.listeners = make(map[*net.Listener]struct{})
		s.killed = make(chan struct{})
	}
}

// track registers a listener, unless the server is shutting down.
func (s *Server) track(ln *net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown() {
		return false
	}
	s.initLocked()
	s.listeners[ln] = struct{}{}
	s.serving.Add(1)
	return true
}

func (s *Server) untrack(ln *net.Listener) {
	s.mu.Lock()
	if _, ok := s.listeners[ln]; ok {
		delete(s.listeners, ln)
		(*ln).Close()
	}
	s.mu.Unlock()
	s.serving.Done()
}

func (s *Server) closeListenersLocked() error {
	var err error
	for ln := range s.listeners {
		if cerr := (*ln).Close(); cerr != nil && err == nil {
			err = cerr
		}
		delete(s.listeners, ln)
	}
	return err
}
