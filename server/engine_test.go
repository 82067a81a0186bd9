package server

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// TestFallbackToGoroutineEngine: a listener the poll engine cannot serve
// (TLS, a wrapped listener) is served by the goroutine engine, and the
// server says so once, at Info; a plain TCP listener of the same server is
// served by the poll engine on Linux.
func TestFallbackToGoroutineEngine(t *testing.T) {
	for _, e := range []Engine{EngineAuto, EnginePoll, EngineGoroutine} {
		t.Run(e.String(), func(t *testing.T) {
			var logs logBuffer
			var polled, served atomic.Int64
			s := &Server{Engine: e, Logger: logs.logger(slog.LevelInfo), Handler: HandlerFunc(func(w *Writer, req *Request) {
				served.Add(1)
				if req.c.p != nil {
					polled.Add(1)
				}
				answer(w, req)
			})}
			addr, cfg := serveTLS(t, s)
			dialTLS(t, addr, cfg).roundTrip(1, "over TLS")

			wrapped := &countingListener{Listener: listen(t, "tcp")}
			plain := listen(t, "tcp")
			errc := make(chan error, 2)
			go func() { errc <- s.Serve(wrapped) }()
			go func() { errc <- s.Serve(plain) }()
			t.Cleanup(func() {
				s.Close()
				for range 2 {
					if err := <-errc; !errors.Is(err, ErrServerClosed) {
						t.Errorf("Serve returned %v", err)
					}
				}
			})
			dial(t, "tcp", wrapped.Addr().String()).roundTrip(2, "wrapped")
			dial(t, "tcp", plain.Addr().String()).roundTrip(3, "plain")

			wantLogs, wantPolled := 1, int64(1)
			if e == EngineGoroutine {
				wantLogs, wantPolled = 0, 0
			}
			if !pollEngineRuns() {
				wantPolled = 0
			}
			if n := strings.Count(logs.String(), "serving with the goroutine engine"); n != wantLogs {
				t.Errorf("fallback logged %d times, want %d:\n%s", n, wantLogs, logs.String())
			}
			if wantLogs > 0 && !strings.Contains(logs.String(), "level=INFO") {
				t.Errorf("fallback not logged at Info:\n%s", logs.String())
			}
			if served.Load() != 3 || polled.Load() != wantPolled {
				t.Errorf("%d requests served, %d by the poll engine; want 3 and %d", served.Load(), polled.Load(), wantPolled)
			}
		})
	}
}

// gate blocks handlers until it is opened; a test opens it when it ends at
// the latest, so that no handler goroutine outlives it.
type gate struct {
	open    chan struct{}
	once    func()
	blocked atomic.Int64
}

func newGate(t *testing.T) *gate {
	g := &gate{open: make(chan struct{})}
	g.once = sync.OnceFunc(func() { close(g.open) })
	t.Cleanup(g.once)
	return g
}

func (g *gate) wait() {
	g.blocked.Add(1)
	<-g.open
}

// stuckEcho answers like answer, after waiting at its gate on "block".
type stuckEcho struct{ g *gate }

func (h stuckEcho) ServeFrame(w *Writer, req *Request) {
	if string(req.Payload) == "block" {
		h.g.wait()
	}
	answer(w, req)
}

// declaredStuckEcho is stuckEcho, and says on which frames it blocks.
type declaredStuckEcho struct{ stuckEcho }

func (declaredStuckEcho) Blocks(req *Request) bool { return string(req.Payload) == "block" }

// TestBlockingHandlers: a handler that blocks, whether it says so
// (BlockingHandler) or runs past HandlerBudget, stalls only its own
// connection: another connection of the same event loop is answered
// meanwhile, and the blocked connection's answers keep their order.
func TestBlockingHandlers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		for _, declared := range []bool{true, false} {
			t.Run(fmt.Sprint("declared=", declared), func(t *testing.T) {
				g := newGate(t)
				var h Handler = stuckEcho{g}
				if declared {
					h = declaredStuckEcho{stuckEcho{g}}
				}
				var logs logBuffer
				s := &Server{Engine: e, Loops: 1, HandlerBudget: 20 * time.Millisecond, Handler: h, Logger: logs.logger(slog.LevelWarn)}
				addr := serveTCP(t, s)
				stuck, other := dial(t, "tcp", addr), dial(t, "tcp", addr)
				other.roundTrip(1, "before")
				stuck.queue(orders.TypeEchoRequest, 1, "first")
				stuck.queue(orders.TypeEchoRequest, 2, "block")
				stuck.queue(orders.TypeEchoRequest, 3, "after")
				stuck.flush()
				eventually(t, "the handler to block", func() bool { return g.blocked.Load() == 1 })
				for i := range 3 {
					other.roundTrip(uint64(2+i), "not stuck")
				}
				g.once()
				stuck.expect(orders.TypeEchoResponse, 1, "first")
				stuck.expect(orders.TypeEchoResponse, 2, "block")
				stuck.expect(orders.TypeEchoResponse, 3, "after")
				stuck.roundTrip(4, "served on")
				other.roundTrip(5, "served on")
				warned := strings.Contains(logs.String(), "ran past HandlerBudget")
				if want := e == EnginePoll && !declared; warned != want {
					t.Errorf("warning logged: %v, want %v\n%s", warned, want, logs.String())
				}
			})
		}
	})
}

// TestBlockingEveryFrame: with Blocking, every read is served off the
// loop; pipelined answers stay in order and complete.
func TestBlockingEveryFrame(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		s := &Server{Engine: e, Loops: 1, Handler: Blocking(HandlerFunc(answer))}
		addr := serveTCP(t, s)
		var wg sync.WaitGroup
		for range 4 {
			c := dial(t, "tcp", addr)
			wg.Go(func() {
				for b := range 50 {
					for i := range 8 {
						c.queue(orders.TypeEchoRequest, uint64(b*8+i), "x")
					}
					c.flush()
					for i := range 8 {
						c.expect(orders.TypeEchoResponse, uint64(b*8+i), "x")
					}
				}
			})
		}
		wg.Wait()
	})
}

// TestSlowReaderStopsReading: a peer that sends requests and reads none of
// the large answers makes the server stop answering it (and so reading
// from it) once the socket is full and the high-water mark passed; the
// bytes queued for it never pass the mark by more than an answer; another
// peer is served meanwhile; once the peer reads, every answer arrives, in
// order, whole: writes cut short resume where they stopped. The answers'
// bodies are copied, or attached by reference (writev).
func TestSlowReaderStopsReading(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		for _, byRef := range []bool{false, true} {
			t.Run(fmt.Sprint("byRef=", byRef), func(t *testing.T) {
				const limit, size, n = 64 << 10, 8 << 10, 4000
				big := bytes.Repeat([]byte("0123456789abcdef"), size/16)
				var calls, over atomic.Int64
				s := &Server{Engine: e, MaxBuffered: limit, Handler: HandlerFunc(func(w *Writer, req *Request) {
					if string(req.Payload) == "small" {
						answer(w, req)
						return
					}
					calls.Add(1)
					buf, m := w.Begin(frame.Meta{Type: orders.TypeEchoResponse, ID: req.ID})
					if byRef {
						w.FinishRef(buf, m, big)
					} else {
						w.Finish(append(buf, big...), m)
					}
					if q := w.c.sc.OutboundBuffered(); q > limit+size+64 {
						over.Store(int64(q))
					}
				})}
				addr := serveTCP(t, s)
				slow := dial(t, "tcp", addr)
				for i := range n {
					slow.queue(orders.TypeEchoRequest, uint64(i), "")
				}
				slow.flush()
				// Wait until the server stops answering.
				last := int64(-1)
				for calls.Load() != last {
					last = calls.Load()
					time.Sleep(300 * time.Millisecond)
				}
				t.Logf("answered %d of %d requests before the peer read any", last, n)
				if last >= n {
					t.Fatalf("the server answered all %d requests to a peer that reads nothing", n)
				}
				dial(t, "tcp", addr).roundTrip(1, "small")
				for i := range n {
					f, err := slow.sc.ReadFrame()
					if err != nil || f.ID != uint64(i) || !bytes.Equal(f.Payload, big) {
						t.Fatalf("answer %d: id %d, %d bytes, %v", i, f.ID, len(f.Payload), err)
					}
				}
				slow.roundTrip(n, "small")
				if q := over.Load(); q != 0 {
					t.Errorf("%d bytes queued for one peer, high-water mark %d", q, limit)
				}
			})
		}
	})
}

// TestWriteTimeoutCutsNonReader: a peer that reads nothing is cut off
// WriteTimeout after the server's writes to it stall.
func TestWriteTimeoutCutsNonReader(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		const wt = 200 * time.Millisecond
		big := bytes.Repeat([]byte("z"), 16<<10)
		var m counts
		var lastCall atomic.Int64
		s := &Server{Engine: e, WriteTimeout: wt, Metrics: &m, Handler: HandlerFunc(func(w *Writer, req *Request) {
			lastCall.Store(time.Now().UnixNano())
			w.WriteFrame(frame.Meta{Type: orders.TypeEchoResponse, ID: req.ID}, big)
		})}
		c := dial(t, "tcp", serveTCP(t, s))
		for i := range 4000 {
			c.queue(orders.TypeEchoRequest, uint64(i), "")
		}
		c.flush()
		eventually(t, "the connection to be cut", func() bool { return m.closed.Load() == 1 })
		stalled := time.Since(time.Unix(0, lastCall.Load()))
		if stalled > 5*time.Second {
			t.Errorf("cut %v after the last answer, WriteTimeout %v", stalled, wt)
		}
	})
}

// TestBatchLargerThanARead: four 4 KiB echoes written at once are more
// than a connection's first buffer holds, so the first read ends inside the
// fourth frame. The rest is in the socket already, and both engines read it
// before answering: one write for the four answers, not one for three and
// one for the last.
func TestBatchLargerThanARead(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		s := &Server{Engine: e, Handler: HandlerFunc(answer)}
		ln, writes := countWrites(t, s)
		c := dial(t, "tcp", start(t, s, ln))
		body := strings.Repeat("x", 4096)
		const rounds = 20
		for r := range rounds {
			for i := range 4 {
				c.queue(orders.TypeEchoRequest, uint64(4*r+i+1), body)
			}
			c.flush()
			for i := range 4 {
				c.expect(orders.TypeEchoResponse, uint64(4*r+i+1), body)
			}
		}
		// A batch may still straddle a read now and then (the kernel
		// decides what one read returns): most must not.
		if n := writes(); n > rounds+rounds/4 {
			t.Errorf("%d writes for %d batches of 4 answers, want about one per batch", n, rounds)
		}
	})
}

// TestWholeBatchInOneWrite: 20 times 3,000 pipelined requests sent in one
// write, many times a read buffer: every one is answered. The goroutine engine
// serves a batch and waits for the next inside one RawConn.Read, trusting
// the poller to report new input, which it does not for input already in
// the socket: after a read that fills its buffer it must read on, not
// wait, or this connection hangs with requests unread.
func TestWholeBatchInOneWrite(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		// An idle timeout under rehomeAfter: a connection that waits with
		// requests unread is cut by it, not rescued by rehoming a second
		// later.
		c := dial(t, "tcp", serveTCP(t, &Server{Engine: e, IdleTimeout: 900 * time.Millisecond, Handler: HandlerFunc(answer)}))
		const n = 3000
		for r := range 20 {
			for i := range n {
				c.queue(orders.TypeEchoRequest, uint64(r*n+i+1), "0123456789abcdef")
			}
			c.flush()
			for i := range n {
				c.expect(orders.TypeEchoResponse, uint64(r*n+i+1), "0123456789abcdef")
			}
		}
	})
}

// TestBusyConnectionOutlivesIdleTimeout: a connection sending a request
// every 10ms for five times the idle timeout is never cut by it. The
// goroutine engine arms the idle deadline anew at each wait, also when it
// waits inside the RawConn.Read that served the batch before.
func TestBusyConnectionOutlivesIdleTimeout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		const idle = 100 * time.Millisecond
		c := dial(t, "tcp", serveTCP(t, &Server{Engine: e, IdleTimeout: idle, Handler: HandlerFunc(answer)}))
		for id, end := uint64(1), time.Now().Add(5*idle); time.Now().Before(end); id++ {
			c.roundTrip(id, "x")
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestCloseWhileHandlerRuns: Server.Close returns at once while a handler
// blocks, and a handler may close its own server. The goroutine engine runs
// handlers inside RawConn.Read, and closing a socket waits for a read in
// progress: Close must not wait for the handler, nor a handler for itself.
func TestCloseWhileHandlerRuns(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		entered, release := make(chan struct{}), make(chan struct{})
		var s *Server
		s = &Server{Engine: e, Handler: HandlerFunc(func(w *Writer, req *Request) {
			switch string(req.Payload) {
			case "block":
				close(entered)
				<-release
			case "close":
				s.Close()
			}
			answer(w, req)
		})}
		addr := serveTCP(t, s)
		blocked, other := dial(t, "tcp", addr), dial(t, "tcp", addr)
		blocked.roundTrip(1, "warm") // the next request is served inside the wait
		blocked.echo(2, "block")
		<-entered
		done := make(chan error, 1)
		go func() { done <- s.Close() }()
		if err := within(t, "Close while a handler blocks", done); err != nil {
			t.Fatal(err)
		}
		other.expectClosed()
		close(release)
		blocked.expectClosed()

		s2 := &Server{Engine: e}
		s2.Handler = HandlerFunc(func(w *Writer, req *Request) {
			if string(req.Payload) == "close" {
				s2.Close()
			}
			answer(w, req)
		})
		c := dial(t, "tcp", serveTCP(t, s2))
		c.roundTrip(1, "warm")
		c.echo(2, "close")
		c.expectClosed()
	})
}
