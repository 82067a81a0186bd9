package server

import (
	"context"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// loopConn is a net.Conn whose input is the same bytes over and over and
// whose output goes nowhere: the server's per-request path without a
// network.
type loopConn struct {
	net.Conn // nil: the path under test calls only Read and Write
	data     []byte
	off      int
}

func (c *loopConn) Read(p []byte) (int, error) {
	n := copy(p, c.data[c.off:])
	c.off = (c.off + n) % len(c.data)
	return n, nil
}

func (c *loopConn) Write(p []byte) (int, error) { return len(p), nil }

// orderBatch returns n NewOrder frames back to back, as a client pipelines
// them.
func orderBatch(n int) []byte {
	order := orders.NewOrder{Instrument: 1001, Price: 100_00000000, Qty: 10, Tag: []byte("bench")}
	var b []byte
	for i := range n {
		order.OrderID = uint64(i + 1)
		b, _ = frame.Append(orders.Framing(), b, frame.Meta{Type: orders.TypeNewOrder, ID: uint64(i + 1)}, order.Append(nil))
	}
	return b
}

// TestServeZeroAllocs runs the server's per-request path (split the frame,
// serve it with the reference protocol's handler, answer in place, flush
// once per batch) on a warmed-up connection and counts allocations: none,
// with and without Metrics.
func TestServeZeroAllocs(t *testing.T) {
	const depth = 16
	for _, m := range []Metrics{nil, new(counts)} {
		s := &Server{Framing: orders.Framing(), Handler: HandlerFunc(answer), Metrics: m}
		c := newConn(s, goroutineEngine{}, &loopConn{data: orderBatch(depth)}, context.Background())
		c.g.wmu.Lock()
		batch := func() {
			c.beginBatch()
			for range depth {
				ok, err := c.sc.TryReadFrameTo(&c.req.Frame)
				if !ok && err == nil {
					err = c.readFrame()
				}
				if err != nil || c.req.Type != orders.TypeNewOrder {
					t.Fatalf("frame %+v %v", c.req.Meta, err)
				}
				c.serveRequest()
			}
			if err := c.flush(); err != nil {
				t.Fatal(err)
			}
		}
		batch()
		if n := testing.AllocsPerRun(200, batch); n != 0 {
			t.Errorf("Metrics %T: %v allocations per batch of %d requests, want 0", m, n, depth)
		}
		c.g.wmu.Unlock()
	}
}

// TestServeZeroAllocsOverSockets: a client pipelines batches of orders to a
// server over TCP and reads the answers. AllocsPerRun counts the whole
// process, so this is the server's real path on either engine (reading,
// waiting, waking, serving, writing; the client allocates nothing): no
// allocation per batch in the steady state, with and without Metrics.
func TestServeZeroAllocsOverSockets(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	const depth = 16
	forEachEngine(t, func(t *testing.T, e Engine) {
		for _, m := range []Metrics{nil, new(counts)} {
			c := dial(t, "tcp", serveTCP(t, &Server{Engine: e, Metrics: m}))
			batch := orderBatch(depth)
			round := func() {
				if _, err := c.nc.Write(batch); err != nil {
					t.Fatal(err)
				}
				for range depth {
					if f, err := c.sc.ReadFrame(); err != nil || f.Type != orders.TypeOrderAck {
						t.Fatalf("answer %+v %v", f.Meta, err)
					}
				}
			}
			for range 100 {
				round()
			}
			if n := testing.AllocsPerRun(1000, round); n != 0 {
				t.Errorf("Metrics %T: %v allocations per batch of %d requests, want 0", m, n, depth)
			}
		}
	})
}

// TestSlowConnectionsZeroAllocs: on the goroutine engine, connections with
// a request about every second, each waiting longer than rehomeAfter, move
// to a fresh goroutine at every wait, and that allocates nothing: after
// their first rehoming they move at once, without the deadline whose error
// would allocate.
func TestSlowConnectionsZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	const conns = 100 // the process's other allocations, if any, spread thin
	addr := serveTCP(t, &Server{Engine: EngineGoroutine})
	req, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, []byte("slow"))
	resp := make([]byte, len(req)) // an EchoResponse is as long
	ncs := make([]net.Conn, conns)
	for i := range ncs {
		ncs[i] = dial(t, "tcp", addr).nc
	}
	round := func() {
		for _, nc := range ncs {
			if _, err := nc.Write(req); err != nil {
				t.Fatal(err)
			}
		}
		for _, nc := range ncs {
			if _, err := io.ReadFull(nc, resp); err != nil {
				t.Fatal(err)
			}
		}
	}
	pause := func() { time.Sleep(rehomeAfter + 300*time.Millisecond) }
	round()
	pause() // every connection rehomes on its deadline, and turns slow
	round()
	pause()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	round()
	pause()
	round()
	runtime.ReadMemStats(&after)
	n := float64(after.Mallocs-before.Mallocs) / (2 * conns)
	t.Logf("%.3f allocations per request", n)
	if n > 0.25 {
		t.Errorf("%.2f allocations per request on connections that rehome at every wait, want about 0", n)
	}
}
