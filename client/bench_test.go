package client_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// TestZeroAllocs: in the steady state a call allocates nothing, neither in
// Call (or Go) nor in the client's reader and writer (nor in the test server, which
// AllocsPerRun counts too), given a reused dst of enough capacity.
func TestZeroAllocs(t *testing.T) { forEachMode(t, testZeroAllocs) }

func testZeroAllocs(t *testing.T, loops *client.Loops) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	srv := startServer(t, orders.Framing(), nil)
	cl := dial(t, srv, client.Config{Loops: loops})
	ctx := testCtx(t, 10*time.Second)
	req := client.Request{Meta: frame.Meta{Type: orders.TypeEchoRequest}, Body: []byte("zero allocations")}
	dst := make([]byte, 0, 64)
	call := func() {
		resp, err := cl.Call(ctx, req, dst[:0])
		if err != nil || string(resp.Payload) != "zero allocations" {
			t.Fatalf("got %q, %v", resp.Payload, err)
		}
	}
	// Go, with a context that never ends and a function made once.
	answered := make(chan client.Response, 1)
	fn := func(resp client.Response, err error) {
		if err != nil {
			t.Error(err)
		}
		answered <- resp
	}
	goCall := func() {
		if err := cl.Go(context.Background(), req, dst[:0], fn); err != nil {
			t.Fatal(err)
		}
		if resp := <-answered; string(resp.Payload) != "zero allocations" {
			t.Fatalf("Go: got %q", resp.Payload)
		}
	}
	for name, call := range map[string]func(){"Call": call, "Go": goCall} {
		for range 100 { // warm up: buffers, pools
			call()
		}
		// AllocsPerRun rounds down: count over batches of 100 calls, so
		// that 0 means fewer than one allocation per 100 calls (the
		// runtime's own, now and then), not fewer than one per call.
		if n := testing.AllocsPerRun(100, func() {
			for range 100 {
				call()
			}
		}); n != 0 {
			t.Fatalf("%s: %v allocations per 100 calls, want 0", name, n)
		}
	}
}

// BenchmarkCall measures a NewOrder → OrderAck round trip over loopback,
// with the in-test server in the same process (it shares the CPUs), and
// reports the client's write calls per call, with the connections on
// goroutines and on event loops:
//   - 1conn/1inflight: latency, one call at a time;
//   - 64goroutines/1conn and /4conns: throughput with 64 goroutines calling
//     at once, their requests batched into shared writes.
func BenchmarkCall(b *testing.B) {
	for _, mode := range []string{"goroutines", "loops"} {
		for _, bc := range []struct {
			name              string
			conns, goroutines int
		}{
			{"1conn/1inflight", 1, 1},
			{"64goroutines/1conn", 1, 64},
			{"64goroutines/4conns", 4, 64},
		} {
			b.Run(mode+"/"+bc.name, func(b *testing.B) {
				cfg := client.Config{Conns: bc.conns}
				if mode == "loops" {
					if runtime.GOOS != "linux" {
						b.Skip("event loops run on Linux")
					}
					cfg.Loops = newLoops(b)
				}
				benchmarkCall(b, cfg, bc.goroutines)
			})
		}
	}
}

func benchmarkCall(b *testing.B, cfg client.Config, goroutines int) {
	srv := startServer(b, orders.Framing(), answerOrders)
	cl := dial(b, srv, cfg)
	defer func() { b.ReportMetric(float64(cl.Stats().Writes)/float64(b.N), "writes/call") }()
	ctx := context.Background()
	order := orders.NewOrder{Instrument: 1001, Side: orders.Buy, Price: 100_00000000, Qty: 10, Tag: []byte("bench")}
	run := func(body, dst []byte) ([]byte, []byte) {
		body = order.Append(body[:0])
		resp, err := cl.Call(ctx, client.Request{Meta: frame.Meta{Type: orders.TypeNewOrder}, Body: body}, dst[:0])
		if err != nil || resp.Meta.Type != orders.TypeOrderAck {
			panic(fmt.Sprintf("type %d, %v", resp.Meta.Type, err))
		}
		return body, resp.Payload
	}
	b.ReportAllocs()
	if goroutines == 1 {
		var body, dst []byte
		for b.Loop() {
			body, dst = run(body, dst)
		}
		return
	}
	b.SetParallelism((goroutines + runtimeProcs() - 1) / runtimeProcs())
	b.RunParallel(func(pb *testing.PB) {
		var body, dst []byte
		for pb.Next() {
			body, dst = run(body, dst)
		}
	})
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
