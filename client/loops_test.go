package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// TestLoopsHoldNoGoroutines: 400 connections on event loops add no
// goroutine to the client (the test server has one per connection), where
// on goroutines each adds two; all of them carry calls.
func TestLoopsHoldNoGoroutines(t *testing.T) { forEachMode(t, testLoopsHoldNoGoroutines) }

func testLoopsHoldNoGoroutines(t *testing.T, loops *client.Loops) {
	const conns = 400
	srv := startServer(t, orders.Framing(), nil)
	before := runtime.NumGoroutine()
	cl := dial(t, srv, client.Config{Loops: loops, Conns: conns})
	waitFor(t, "the server's goroutines", func() bool { return srv.accepted() == conns })
	added := runtime.NumGoroutine() - before - conns // less the server's
	t.Logf("%d connections: %d goroutines added to the client", conns, added)
	switch {
	case loops != nil && added > 10:
		t.Fatalf("%d goroutines for %d connections on loops, want none per connection", added, conns)
	case loops == nil && added < 2*conns-conns/10: // other tests' goroutines may end meanwhile
		t.Fatalf("%d goroutines for %d connections on goroutines, want 2 each: the count proves nothing", added, conns)
	}
	hammer(t, cl, 64, 100)
	busy := 0
	for i := range conns {
		if srv.conn(i).requests.Load() > 0 {
			busy++
		}
	}
	if busy < conns/2 {
		t.Fatalf("only %d of %d connections carried calls", busy, conns)
	}
}

// TestFullSocket: the server stops reading while the client queues more
// than the kernel's socket buffers can hold (tcp_wmem + tcp_rmem, at most),
// so writes are cut short and resume when the server reads again; every
// call gets its own response.
func TestFullSocket(t *testing.T) { forEachMode(t, testFullSocket) }

func testFullSocket(t *testing.T, loops *client.Loops) {
	const size = 512 << 10
	calls := int(socketBuffersMax(t)/size) + 16
	release, open := gate(t)
	first := true
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		if first {
			first = false
			<-release // reads nothing meanwhile
		}
		echo(c, f)
	})
	cl := dial(t, srv, client.Config{Loops: loops, MaxPending: calls})
	ctx := testCtx(t, 30*time.Second)
	errs := make(chan error, calls)
	for i := range calls {
		go func() {
			want := bytes.Repeat([]byte{byte(i)}, size)
			got, err := echoCall(ctx, cl, want, make([]byte, 0, size))
			if err == nil && !bytes.Equal(got, want) {
				err = fmt.Errorf("call %d: wrong payload", i)
			}
			errs <- err
		}()
	}
	// Let the writes fill the socket, then let the server read.
	waitFor(t, "the first request", func() bool { return srv.accepted() == 1 && srv.conn(0).requests.Load() == 1 })
	time.Sleep(100 * time.Millisecond)
	open()
	for range calls {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d calls of %d KiB: %d writes", calls, size>>10, cl.Stats().Writes)
}

// socketBuffersMax is the most a blocked loopback TCP connection can hold
// in flight: the sender's largest send buffer and the receiver's largest
// receive buffer.
func socketBuffersMax(t *testing.T) int64 {
	total := int64(0)
	for _, name := range []string{"tcp_wmem", "tcp_rmem"} {
		b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
		if err != nil {
			return 64 << 20 // not Linux: far above the usual defaults
		}
		f := strings.Fields(string(b))
		n, err := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err != nil {
			t.Fatalf("%s: %q", name, b)
		}
		total += n
	}
	return total
}

// TestLoopsShared: two clients of two servers share two loops; closing one
// client leaves the other working.
func TestLoopsShared(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("event loops run on Linux")
	}
	loops := newLoops(t)
	a := dial(t, startServer(t, orders.Framing(), nil), client.Config{Loops: loops, Conns: 3})
	b := dial(t, startServer(t, orders.Framing(), nil), client.Config{Loops: loops, Conns: 3})
	var wg sync.WaitGroup
	wg.Go(func() { hammer(t, a, 16, 100) })
	wg.Go(func() { hammer(t, b, 16, 100) })
	wg.Wait()
	a.Close()
	hammer(t, b, 16, 100)
	if _, err := echoCall(testCtx(t, time.Second), a, nil, nil); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("call on the closed client: %v, want ErrClosed", err)
	}
}

// TestLoopsClosed: closing the loops fails the calls in flight on them
// with ErrLoopsClosed under a ConnError; later calls wait for a connection
// that cannot come, as long as their context allows; the client still
// closes at once.
func TestLoopsClosed(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("event loops run on Linux")
	}
	handle, received := holdAll()
	srv := startServer(t, orders.Framing(), handle)
	loops, err := client.NewLoops(1)
	if err != nil {
		t.Fatal(err)
	}
	cl := dial(t, srv, client.Config{Loops: loops, Conns: 2})
	errs := make(chan error, 10)
	for i := range 10 {
		callAsync(testCtx(t, 10*time.Second), cl, echoRequest(fmt.Sprint(i)), errs)
	}
	waitFor(t, "10 requests", func() bool { return received() == 10 })
	loops.Close()
	for range 10 {
		err := <-errs
		if !errors.Is(err, client.ErrConnLost) || !errors.Is(err, client.ErrLoopsClosed) {
			t.Fatalf("got %v, want ErrConnLost caused by ErrLoopsClosed", err)
		}
	}
	if _, err := echoCall(testCtx(t, 100*time.Millisecond), cl, nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call after the loops closed: %v, want context.DeadlineExceeded", err)
	}
	start := time.Now()
	cl.Close()
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close took %v", d)
	}
	loops.Close() // idempotent
}
