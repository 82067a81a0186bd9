package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// TestPollIdleConnectionsCostNoGoroutine: on the poll engine, connections
// that have been served and gone idle hold no goroutine, no stream and no
// buffer.
func TestPollIdleConnectionsCostNoGoroutine(t *testing.T) {
	const n = 300
	var idle, holding atomic.Int64
	s := &Server{Engine: EnginePoll, ConnState: func(nc net.Conn, st ConnState) {
		if st == StateIdle {
			if nc.(*pollConn).c.sc != nil {
				holding.Add(1)
			}
			idle.Add(1)
		}
	}}
	addr := serveTCP(t, s)
	dial(t, "tcp", addr).roundTrip(1, "warm up")
	eventually(t, "the first idle", func() bool { return idle.Load() == 1 })
	before := runtime.NumGoroutine()
	for i := range n {
		dial(t, "tcp", addr).roundTrip(uint64(i), "then idle")
	}
	eventually(t, "every connection to go idle", func() bool { return idle.Load() == n+1 })
	if g := runtime.NumGoroutine() - before; g > 5 {
		t.Errorf("%d goroutines more for %d idle connections", g, n)
	}
	if h := holding.Load(); h != 0 {
		t.Errorf("%d idle connections hold their stream", h)
	}
}

// loopOf returns the index of the loop serving nc.
func loopOf(nc net.Conn) int {
	p := nc.(*pollConn)
	for i, l := range p.l.e.loops {
		if l == p.l {
			return i
		}
	}
	return -1
}

// TestBalance: round robin gives each loop the next connection in turn;
// least connections gives a new one to the loop whose connection closed.
func TestBalance(t *testing.T) {
	for _, b := range []Balance{RoundRobin, LeastConns} {
		t.Run(b.String(), func(t *testing.T) {
			const loops = 3
			var mu sync.Mutex
			var order []int
			var closed atomic.Int64
			s := &Server{Engine: EnginePoll, Loops: loops, Balance: b, ConnState: func(nc net.Conn, st ConnState) {
				switch st {
				case StateNew:
					mu.Lock()
					order = append(order, loopOf(nc))
					mu.Unlock()
				case StateClosed:
					closed.Add(1)
				}
			}}
			addr := serveTCP(t, s)
			var cs []*client
			for i := range 2 * loops {
				c := dial(t, "tcp", addr)
				c.roundTrip(uint64(i), "x")
				cs = append(cs, c)
			}
			mu.Lock()
			for i, id := range order {
				if id != i%loops {
					t.Errorf("connection %d on loop %d, want %d (order %v)", i, id, i%loops, order)
				}
			}
			mu.Unlock()
			if b != LeastConns {
				return
			}
			cs[4].nc.Close() // on loop 1
			eventually(t, "the close", func() bool { return closed.Load() == 1 })
			dial(t, "tcp", addr).roundTrip(1, "y")
			mu.Lock()
			defer mu.Unlock()
			if last := order[len(order)-1]; last != 1 {
				t.Errorf("new connection on loop %d, want 1, the least loaded", last)
			}
		})
	}
}

// TestReusePort: ListenAndServe with ReusePort serves on one listener per
// loop; the kernel spreads the connections over them.
func TestReusePort(t *testing.T) {
	free := listen(t, "tcp")
	addr := free.Addr().String()
	free.Close()
	var mu sync.Mutex
	loops := make(map[int]int)
	s := &Server{
		Engine: EnginePoll, Loops: 2, ReusePort: true,
		Framing: orders.Framing(), Handler: HandlerFunc(answer), Logger: slog.New(slog.DiscardHandler),
		ConnState: func(nc net.Conn, st ConnState) {
			if st == StateNew {
				mu.Lock()
				loops[loopOf(nc)]++
				mu.Unlock()
			}
		},
	}
	t.Cleanup(func() { s.Close() })
	errc := make(chan error, 1)
	go func() { errc <- s.ListenAndServe("tcp", addr) }()
	var nc net.Conn
	eventually(t, "the listeners", func() bool {
		var err error
		nc, err = net.Dial("tcp", addr)
		return err == nil
	})
	newClient(t, nc).roundTrip(1, "x")
	for i := range 40 {
		dial(t, "tcp", addr).roundTrip(uint64(i), "spread")
	}
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != ErrServerClosed {
		t.Errorf("ListenAndServe returned %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(loops) != 2 {
		t.Errorf("connections per loop %v, want both loops used", loops)
	}
}

// TestShutdownStopsLoops: once Shutdown returns, the engine's goroutines
// end (goleak checks the rest at the end of the package's tests).
func TestShutdownStopsLoops(t *testing.T) {
	s := &Server{Engine: EnginePoll, Loops: 2}
	addr := serveTCP(t, s)
	dial(t, "tcp", addr).roundTrip(1, "x")
	s.mu.Lock()
	e := s.poll
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the loops did not exit")
	}
}

// BenchmarkLoopBlockInProcess makes one round trip at a time between a
// client goroutine and a poll engine server in the same process, with the
// loop parking at once, blocking in epoll first (LoopBlock) or polling
// first (LoopSpin). With one processor a blocked loop keeps it from the
// client until the runtime takes it back, and a polling one keeps the
// client's wake-up from it until it stops; with two, another thread must
// wake for the client. These are the costs the two fields' documentation
// warns of.
//
//	go test ./server -run '^$' -bench LoopBlockInProcess -cpu 1,2 -benchtime 2000x
func BenchmarkLoopBlockInProcess(b *testing.B) {
	for _, w := range []struct{ spin, block time.Duration }{{0, 0}, {0, 200 * time.Microsecond}, {50 * time.Microsecond, 0}} {
		b.Run(fmt.Sprintf("spin=%v/block=%v", w.spin, w.block), func(b *testing.B) {
			addr := serveTCP(b, &Server{Engine: EnginePoll, LoopSpin: w.spin, LoopBlock: w.block})
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			req, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, []byte("ping"))
			resp := make([]byte, len(req)) // an EchoResponse is as long
			for b.Loop() {
				if _, err := nc.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(nc, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWatchdogDozes: the watchdog stops ticking once the server is idle,
// so that an idle server does not wake every few milliseconds, and a
// handler that blocks after such a doze is still caught: the loop goes on
// serving its other connection.
func TestWatchdogDozes(t *testing.T) {
	g := newGate(t)
	var logs logBuffer
	s := &Server{Engine: EnginePoll, Loops: 1, HandlerBudget: 10 * time.Millisecond, Handler: stuckEcho{g}, Logger: logs.logger(slog.LevelWarn)}
	addr := serveTCP(t, s)
	stuck, other := dial(t, "tcp", addr), dial(t, "tcp", addr)
	other.roundTrip(1, "wake")
	s.mu.Lock()
	e := s.poll
	s.mu.Unlock()
	eventually(t, "the watchdog to doze", e.dozing.Load)
	n := e.watched.Load()
	time.Sleep(50 * time.Millisecond) // ten ticks, were it awake
	if d := e.watched.Load() - n; d != 0 {
		t.Errorf("the dozing watchdog ticked %d times in 50ms", d)
	}
	stuck.queue(orders.TypeEchoRequest, 2, "block")
	stuck.flush()
	eventually(t, "the handler to block", func() bool { return g.blocked.Load() == 1 })
	other.roundTrip(3, "not stuck") // answered only once the watchdog hands the loop off
	g.once()
	stuck.expect(orders.TypeEchoResponse, 2, "block")
	if !strings.Contains(logs.String(), "ran past HandlerBudget") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
}
