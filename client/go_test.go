package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// outcome is what a Go call's function got.
type outcome struct {
	payload string
	err     error
}

// goCall makes an asynchronous echo call whose outcome arrives on out; it
// fails the test if the function runs twice.
func goCall(ctx context.Context, t *testing.T, cl *client.Client, body string, out chan<- outcome) error {
	var once atomic.Bool
	return cl.Go(ctx, echoRequest(body), nil, func(resp client.Response, err error) {
		if !once.CompareAndSwap(false, true) {
			t.Errorf("the function of the call %q ran twice", body)
		}
		out <- outcome{string(resp.Payload), err}
	})
}

// TestGo: 2,000 asynchronous calls from 8 goroutines on one connection,
// answered by batches in reverse order, each get their own response, once.
func TestGo(t *testing.T) { forEachMode(t, testGo) }

func testGo(t *testing.T, loops *client.Loops) {
	const goroutines, calls, batch = 8, 250, 8
	var mu sync.Mutex
	var held []frame.Frame
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		mu.Lock()
		defer mu.Unlock()
		if held = append(held, f.Clone()); len(held) < batch {
			return
		}
		for i := len(held) - 1; i >= 0; i-- {
			c.queue(held[i].ID, orders.TypeEchoResponse, held[i].Payload)
		}
		held = held[:0]
	})
	cl := dial(t, srv, client.Config{Loops: loops, MaxPending: 4096})
	ctx := testCtx(t, 10*time.Second)
	out := make(chan outcome, goroutines*calls)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				if err := goCall(ctx, t, cl, fmt.Sprintf("g%d c%d", g, i), out); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	seen := make(map[string]bool)
	for range goroutines * calls {
		o := <-out
		if o.err != nil {
			t.Fatal(o.err)
		}
		if seen[o.payload] {
			t.Fatalf("%q answered twice", o.payload)
		}
		seen[o.payload] = true
	}
	for g := range goroutines {
		for i := range calls {
			if !seen[fmt.Sprintf("g%d c%d", g, i)] {
				t.Fatalf("call g%d c%d got no answer", g, i)
			}
		}
	}
}

// TestGoRefused: Go never waits. With MaxPending calls in flight on every
// connection it fails with ErrPoolFull, sending nothing; with no connection
// up, with ErrNoConn; after Close, with ErrClosed; with a context ended,
// with its error; and in none of these is its function called.
func TestGoRefused(t *testing.T) { forEachMode(t, testGoRefused) }

func testGoRefused(t *testing.T, loops *client.Loops) {
	handle, received := holdAll()
	srv := startServer(t, orders.Framing(), handle)
	var refuse atomic.Bool
	cl := dial(t, srv, client.Config{Loops: loops, MaxPending: 2, Conns: 2, Dialer: refusing(&refuse)})
	out := make(chan outcome, 8)
	ctx := testCtx(t, 10*time.Second)
	for i := range 4 {
		if err := goCall(ctx, t, cl, fmt.Sprint(i), out); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	waitFor(t, "4 requests", func() bool { return received() == 4 })
	if err := goCall(ctx, t, cl, "fifth", out); !errors.Is(err, client.ErrPoolFull) {
		t.Fatalf("fifth call: %v, want ErrPoolFull", err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if err := goCall(ended, t, cl, "ended", out); !errors.Is(err, context.Canceled) {
		t.Fatalf("call with an ended context: %v, want context.Canceled", err)
	}

	refuse.Store(true)
	for i := range srv.accepted() {
		srv.conn(i).nc.Close()
	}
	for range 4 {
		if o := <-out; !errors.Is(o.err, client.ErrConnLost) {
			t.Fatalf("call in flight as its connection died: %q, %v; want ErrConnLost", o.payload, o.err)
		}
	}
	waitFor(t, "failed redials", func() bool { return cl.Stats().DialErrors >= 2 })
	if err := goCall(ctx, t, cl, "down", out); !errors.Is(err, client.ErrNoConn) {
		t.Fatalf("call while no connection is up: %v, want ErrNoConn", err)
	}
	cl.Close()
	if err := goCall(ctx, t, cl, "closed", out); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("call after Close: %v, want ErrClosed", err)
	}
	if n := received(); n != 4 {
		t.Fatalf("the server received %d requests, want 4", n)
	}
	select {
	case o := <-out:
		t.Fatalf("a refused call's function ran: %q, %v", o.payload, o.err)
	case <-time.After(20 * time.Millisecond):
	}
}

// refusing returns a dialer that refuses while refuse is set.
func refusing(refuse *atomic.Bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if refuse.Load() {
			return nil, errors.New("refused by the test")
		}
		return d.DialContext(ctx, network, addr)
	}
}

// TestGoCancel: a Go call whose context ends gets its error at once, its
// place is free for the next call, and its late response is discarded;
// calls in flight when the client closes get ErrClosed.
func TestGoCancel(t *testing.T) { forEachMode(t, testGoCancel) }

func testGoCancel(t *testing.T, loops *client.Loops) {
	release, open := gate(t)
	slow := echoHolding(release, func(p string) bool { return p == "slow" })
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		if string(f.Payload) != "hold" { // never answered
			slow(c, f)
		}
	})
	cl := dial(t, srv, client.Config{Loops: loops, MaxPending: 1})
	out := make(chan outcome, 4)
	ctx, cancel := context.WithCancel(context.Background())
	if err := goCall(ctx, t, cl, "slow", out); err != nil {
		t.Fatal(err)
	}
	if err := goCall(testCtx(t, 10*time.Second), t, cl, "next", out); !errors.Is(err, client.ErrPoolFull) {
		t.Fatalf("second call with MaxPending 1: %v, want ErrPoolFull", err)
	}
	cancel()
	select {
	case o := <-out:
		if !errors.Is(o.err, context.Canceled) {
			t.Fatalf("cancelled call: %q, %v; want context.Canceled", o.payload, o.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the cancelled call's function did not run")
	}
	// The function ran after the place was freed: the next call has it.
	if err := goCall(testCtx(t, 10*time.Second), t, cl, "next", out); err != nil {
		t.Fatalf("call after the cancelled one: %v", err)
	}
	if o := <-out; o.err != nil || o.payload != "next" {
		t.Fatalf("call after the cancelled one: %q, %v", o.payload, o.err)
	}
	open()
	waitFor(t, "the late response", func() bool { return cl.Stats().Late == 1 })

	if err := goCall(context.Background(), t, cl, "hold", out); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the held request", func() bool { return srv.conn(0).requests.Load() == 3 })
	cl.Close()
	if o := <-out; !errors.Is(o.err, client.ErrClosed) {
		t.Fatalf("call in flight at Close: %q, %v; want ErrClosed", o.payload, o.err)
	}
}

// TestGoCancelRace: Go calls whose deadlines race their responses, 8 ids
// taken at most, each end once, with the response or the deadline's error, and
// give their places back: afterwards the connection takes MaxPending calls
// again.
func TestGoCancelRace(t *testing.T) { forEachMode(t, testGoCancelRace) }

func testGoCancelRace(t *testing.T, loops *client.Loops) {
	const calls, maxPending, inFlight = 2000, 64, 8
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		f = f.Clone()
		c.later(func() {
			time.Sleep(time.Duration(f.ID%7) * 100 * time.Microsecond)
			c.send(f.ID, orders.TypeEchoResponse, f.Payload)
		})
	})
	cl := dial(t, srv, client.Config{Loops: loops, MaxPending: maxPending})
	out := make(chan outcome, calls)
	started, answered, expired := 0, 0, 0
	end := func(o outcome) {
		switch {
		case o.err == nil:
			answered++
		case errors.Is(o.err, context.DeadlineExceeded):
			expired++
		default:
			t.Fatal(o.err)
		}
	}
	for i := 1; i < calls; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%5)*150*time.Microsecond)
		defer cancel()
		// A call that gave up keeps its id until its late response comes:
		// few ids taken at a time, counting those, so that they never fill
		// the id table (2 x MaxPending), which would end the connection
		// (ErrIDsExhausted).
		for started-answered-int(cl.Stats().Late) >= inFlight {
			select {
			case o := <-out:
				end(o)
			case <-time.After(100 * time.Microsecond):
			}
		}
		for {
			err := goCall(ctx, t, cl, fmt.Sprint(i), out)
			if err == nil {
				started++
				break
			}
			if errors.Is(err, context.DeadlineExceeded) {
				break // ended before Go: nothing sent
			}
			if !errors.Is(err, client.ErrPoolFull) {
				t.Fatal(err)
			}
			end(<-out) // full: wait for a call to end
		}
	}
	for answered+expired < started {
		end(<-out)
	}
	t.Logf("%d calls started: %d answered, %d past their deadline", started, answered, expired)
	if answered == 0 || expired == 0 {
		t.Fatalf("%d answered and %d expired: the race did not happen, the test proves nothing", answered, expired)
	}
	ctx := testCtx(t, 10*time.Second)
	for i := range maxPending {
		if err := goCall(ctx, t, cl, fmt.Sprint("after ", i), out); err != nil {
			t.Fatalf("call %d of %d after the race: %v (a place was not given back)", i, maxPending, err)
		}
	}
	for range maxPending {
		if o := <-out; o.err != nil {
			t.Fatal(o.err)
		}
	}
}
