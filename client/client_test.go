package client_test

import (
	"github.com/wirekit/wirekit/internal/wktest"

	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// TestOutOfOrder: the server answers each batch of 8 requests in reverse
// order; every call gets its own response.
func TestOutOfOrder(t *testing.T) { forEachMode(t, testOutOfOrder) }

func testOutOfOrder(t *testing.T, loops *client.Loops) {
	const batch = 8
	var (
		mu      sync.Mutex
		held    []frame.Frame
		answers []uint64 // ids in the order the server answered
	)
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, f.Clone())
		if len(held) < batch {
			return
		}
		for _, h := range slices.Backward(held) {
			c.queue(h.ID, orders.TypeEchoResponse, h.Payload)
			answers = append(answers, h.ID)
		}
		held = held[:0]
	})
	cl := dial(t, srv, client.Config{Loops: loops})
	ctx := testCtx(t, 10*time.Second)

	for round := range 4 {
		var wg sync.WaitGroup
		for g := range batch {
			wg.Go(func() {
				want := fmt.Appendf(nil, "round %d call %d", round, g)
				got, err := echoCall(ctx, cl, want, nil)
				if err != nil {
					t.Error(err)
				} else if !bytes.Equal(got, want) {
					t.Errorf("got %q, want %q", got, want)
				}
			})
		}
		wg.Wait()
	}
	// The server may still be recording the last batch when its answers
	// arrive: the socket orders them, not the race detector.
	mu.Lock()
	defer mu.Unlock()
	for i := 0; i < len(answers); i += batch {
		if b := answers[i : i+batch]; !slices.IsSortedFunc(b, func(x, y uint64) int { return int(y) - int(x) }) {
			t.Fatalf("server answered ids %v: not in reverse order, the test proves nothing", b)
		}
	}
}

// hammer makes goroutines × calls echo calls with distinct payloads on c,
// each goroutine reusing its buffers, and checks every answer.
func hammer(t *testing.T, c *client.Client, goroutines, calls int) {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			var req, dst []byte
			for i := range calls {
				req = fmt.Appendf(req[:0], "goroutine %d call %d", g, i)
				got, err := echoCall(ctx, c, req, dst[:0])
				if err != nil {
					t.Errorf("goroutine %d call %d: %v", g, i, err)
					return
				}
				if !bytes.Equal(got, req) {
					t.Errorf("goroutine %d call %d: got %q", g, i, got)
					return
				}
				dst = got
			}
		})
	}
	wg.Wait()
}

// TestSharedConn: 50 goroutines × 200 calls on one connection, every
// response matched to its call.
func TestSharedConn(t *testing.T) { forEachMode(t, testSharedConn) }

func testSharedConn(t *testing.T, loops *client.Loops) {
	srv := startServer(t, orders.Framing(), nil)
	cl := dial(t, srv, client.Config{Loops: loops})
	hammer(t, cl, 50, 200)
	if n := srv.accepted(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

// TestWriteBatching counts the client's write calls under concurrent load,
// on one connection and over four: many requests go out in each.
func TestWriteBatching(t *testing.T) { forEachMode(t, testWriteBatching) }

func testWriteBatching(t *testing.T, loops *client.Loops) {
	const goroutines, calls = 50, 200
	for _, conns := range []int{1, 4} {
		t.Run(fmt.Sprintf("conns=%d", conns), func(t *testing.T) {
			srv := startServer(t, orders.Framing(), nil)
			cl := dial(t, srv, client.Config{Loops: loops, Conns: conns})
			hammer(t, cl, goroutines, calls)
			n := cl.Stats().Writes
			ratio := float64(n) / (goroutines * calls)
			t.Logf("%d writes for %d calls: %.3f writes per call", n, goroutines*calls, ratio)
			if n == 0 {
				t.Fatal("no write counted: Stats.Writes is broken")
			}
			if ratio > 0.5 {
				t.Fatalf("%.3f writes per call, want well under 1", ratio)
			}
		})
	}
}

// TestCancel: a call whose context ends returns at once; its late response
// is discarded, and the calls after it are not confused by it: its id stays
// reserved until the late response comes.
func TestCancel(t *testing.T) { forEachMode(t, testCancel) }

func testCancel(t *testing.T, loops *client.Loops) {
	release, open := gate(t)
	var slowID atomic.Uint64
	var reused atomic.Bool
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		if string(f.Payload) != "slow" {
			if f.ID == slowID.Load() {
				reused.Store(true)
			}
			echo(c, f)
			return
		}
		slowID.Store(f.ID)
		f = f.Clone()
		c.later(func() {
			<-release
			c.send(f.ID, orders.TypeEchoResponse, f.Payload)
		})
	})
	cl := dial(t, srv, client.Config{Loops: loops})

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := echoCall(ctx, cl, []byte("slow"), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("cancelled call returned after %v", d)
	}

	check := func(n int) {
		t.Helper()
		ctx := testCtx(t, 5*time.Second)
		for i := range n {
			want := fmt.Appendf(nil, "fast %d", i)
			got, err := echoCall(ctx, cl, want, nil)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("call %d: got %q, %v; want %q", i, got, err, want)
			}
		}
	}
	check(100)
	open()
	waitFor(t, "the late response", func() bool { return cl.Stats().Late == 1 })
	check(100)
	if reused.Load() {
		t.Fatal("the cancelled call's id was reused before its response came")
	}
	if s := cl.Stats(); s.Unmatched != 0 || s.ConnsLost != 0 {
		t.Fatalf("stats %+v: want no unmatched response and no connection lost", s)
	}
}

// holdAll returns a handler that answers nothing, and a function that
// reports how many requests it received.
func holdAll() (func(*srvConn, frame.Frame), func() int64) {
	var n atomic.Int64
	return func(*srvConn, frame.Frame) { n.Add(1) }, n.Load
}

// echoHolding returns a handler that echoes each frame at once, but those
// whose payload hold picks only once release is closed.
func echoHolding(release <-chan struct{}, hold func(payload string) bool) func(*srvConn, frame.Frame) {
	return func(c *srvConn, f frame.Frame) {
		if !hold(string(f.Payload)) {
			echo(c, f)
			return
		}
		f = f.Clone()
		c.later(func() {
			<-release
			c.send(f.ID, orders.TypeEchoResponse, f.Payload)
		})
	}
}

// echoLater makes an echo call of body on a goroutine, and delivers its
// error, or one for a wrong answer.
func echoLater(ctx context.Context, c *client.Client, body string) <-chan error {
	errs := make(chan error, 1)
	go func() {
		got, err := echoCall(ctx, c, []byte(body), nil)
		if err == nil && string(got) != body {
			err = fmt.Errorf("call %q got %q", body, got)
		}
		errs <- err
	}()
	return errs
}

// callAsync makes an echo call on a goroutine and delivers its error.
func callAsync(ctx context.Context, c *client.Client, req client.Request, errs chan<- error) {
	go func() {
		_, err := c.Call(ctx, req, nil)
		errs <- err
	}()
}

func echoRequest(body string) client.Request {
	return client.Request{Meta: frame.Meta{Type: orders.TypeEchoRequest}, Body: []byte(body)}
}

// TestConnLost: the server closes a connection with 20 calls in flight; all
// 20 fail at once with the typed error, the client redials, and new calls
// succeed.
func TestConnLost(t *testing.T) { forEachMode(t, testConnLost) }

func testConnLost(t *testing.T, loops *client.Loops) {
	const inFlight = 20
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		switch {
		case c.index > 0:
			echo(c, f)
		case c.requests.Load() == inFlight:
			c.nc.Close()
		}
	})
	cl := dial(t, srv, client.Config{Loops: loops})
	ctx := testCtx(t, 10*time.Second)
	errs := make(chan error, inFlight)
	for i := range inFlight {
		callAsync(ctx, cl, echoRequest(fmt.Sprint(i)), errs)
	}
	// The server closes when the last request arrives: from then on, every
	// call must fail within a second, long before its 10 s deadline.
	start := time.Now()
	for range inFlight {
		err := <-errs
		if !errors.Is(err, client.ErrConnLost) {
			t.Fatalf("got %v, want ErrConnLost", err)
		}
		var ce *client.ConnError
		if !errors.As(err, &ce) || ce.Addr != srv.addr() {
			t.Fatalf("got %#v, want a *client.ConnError for %s", err, srv.addr())
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the calls failed over %v", d)
	}

	got, err := echoCall(ctx, cl, []byte("after"), nil)
	if err != nil || string(got) != "after" {
		t.Fatalf("after the redial: %q, %v", got, err)
	}
	if s := cl.Stats(); s.ConnsLost != 1 || s.Dials != 2 {
		t.Fatalf("stats %+v: want 1 connection lost and 2 dials", s)
	}
}

// TestIdempotentRetry: the connection dies with two calls in flight; the
// idempotent one is sent again on the new connection and succeeds, the other
// fails.
func TestIdempotentRetry(t *testing.T) { forEachMode(t, testIdempotentRetry) }

func testIdempotentRetry(t *testing.T, loops *client.Loops) {
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		switch {
		case c.index > 0:
			echo(c, f)
		case c.requests.Load() == 2:
			c.nc.Close()
		}
	})
	cl := dial(t, srv, client.Config{Loops: loops})
	ctx := testCtx(t, 10*time.Second)
	plain, retried := make(chan error, 1), make(chan error, 1)
	callAsync(ctx, cl, echoRequest("once"), plain)
	req := echoRequest("again")
	req.Idempotent = true
	go func() {
		resp, err := cl.Call(ctx, req, nil)
		if err == nil && string(resp.Payload) != "again" {
			err = fmt.Errorf("payload %q", resp.Payload)
		}
		retried <- err
	}()
	if err := <-plain; !errors.Is(err, client.ErrConnLost) {
		t.Fatalf("non-idempotent call: got %v, want ErrConnLost", err)
	}
	if err := <-retried; err != nil {
		t.Fatalf("idempotent call: %v", err)
	}
	if r := srv.conn(1).requests.Load(); r != 1 {
		t.Fatalf("the new connection got %d requests, want only the retried one", r)
	}
	if s := cl.Stats(); s.Retries != 1 {
		t.Fatalf("stats %+v: want 1 retry", s)
	}
}

// TestPoolFairness: with 4 connections, sequential calls go round robin,
// calls held in flight spread evenly (each goes to the connection with the
// fewest), and under concurrent load every connection carries a share.
func TestPoolFairness(t *testing.T) { forEachMode(t, testPoolFairness) }

func testPoolFairness(t *testing.T, loops *client.Loops) {
	const conns = 4
	release, open := gate(t)
	srv := startServer(t, orders.Framing(), echoHolding(release, func(p string) bool { return p == "hold" }))
	cl := dial(t, srv, client.Config{Loops: loops, Conns: conns})
	ctx := testCtx(t, 10*time.Second)
	counts := func() []int64 {
		n := make([]int64, conns)
		for i := range n {
			n[i] = srv.conn(i).requests.Load()
		}
		return n
	}
	since := func(before []int64) []int64 {
		n := counts()
		for i := range n {
			n[i] -= before[i]
		}
		return n
	}

	for i := range 400 {
		if _, err := echoCall(ctx, cl, fmt.Append(nil, i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := counts(); !slices.Equal(n, []int64{100, 100, 100, 100}) {
		t.Fatalf("sequential calls per connection %v, want 100 each", n)
	}

	// 400 calls held in flight at once: each new one sees the others'
	// load. Two goroutines picking at the same instant may both take the
	// same connection, hence the small tolerance.
	before := counts()
	var wg sync.WaitGroup
	for range 400 {
		wg.Go(func() {
			if _, err := echoCall(ctx, cl, []byte("hold"), nil); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, "400 held requests", func() bool { return sum(since(before)) == 400 })
	held := since(before)
	open()
	wg.Wait()
	t.Logf("calls held in flight per connection: %v", held)
	for _, k := range held {
		if k < 90 || k > 110 {
			t.Fatalf("calls held in flight per connection %v, want 100 ± 10 each", held)
		}
	}

	// Under load, how the calls spread depends on how fast each
	// connection is answered (the policy sends more to the faster ones),
	// and so on scheduling: only check that none is starved.
	before = counts()
	hammer(t, cl, 32, 250)
	n := since(before)
	t.Logf("concurrent calls per connection: %v", n)
	for _, k := range n {
		if k < 2000/4 {
			t.Fatalf("concurrent calls per connection %v: one is starved", n)
		}
	}
}

func sum(n []int64) (s int64) {
	for _, k := range n {
		s += k
	}
	return s
}

// TestTLS: calls over TLS, with a certificate made by the test.
func TestTLS(t *testing.T) { forEachMode(t, testTLS) }

func testTLS(t *testing.T, loops *client.Loops) {
	cert, roots := wktest.SelfSigned(t)
	ln := tls.NewListener(listen(t), &tls.Config{Certificates: []tls.Certificate{cert}})
	srv := startServerOn(t, ln, orders.Framing(), nil)
	cl := dial(t, srv, client.Config{Loops: loops, Conns: 2, TLSConfig: &tls.Config{RootCAs: roots}})
	hammer(t, cl, 4, 50)

	// Without the root, the handshake fails and so does Dial.
	_, err := client.Dial(testCtx(t, 5*time.Second), "tcp", srv.addr(),
		client.Config{Framing: orders.Framing(), TLSConfig: &tls.Config{}})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("dial without the root: got %v, want an unknown authority error", err)
	}
}

// TestCloseInFlight: Close fails the calls in flight with ErrClosed, and
// later calls too.
func TestCloseInFlight(t *testing.T) { forEachMode(t, testCloseInFlight) }

func testCloseInFlight(t *testing.T, loops *client.Loops) {
	handle, received := holdAll()
	srv := startServer(t, orders.Framing(), handle)
	cl := dial(t, srv, client.Config{Loops: loops, Conns: 2})
	ctx := testCtx(t, 10*time.Second)
	errs := make(chan error, 10)
	for i := range 10 {
		callAsync(ctx, cl, echoRequest(fmt.Sprint(i)), errs)
	}
	waitFor(t, "10 requests", func() bool { return received() == 10 })
	start := time.Now()
	cl.Close()
	for range 10 {
		if err := <-errs; !errors.Is(err, client.ErrClosed) {
			t.Fatalf("got %v, want ErrClosed", err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close and the calls took %v", d)
	}
	if _, err := echoCall(ctx, cl, nil, nil); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("call after Close: got %v, want ErrClosed", err)
	}
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFramingError: a response the framing refuses (bad checksum) kills the
// connection: the calls in flight fail with an error that wraps the
// *frame.Error.
func TestFramingError(t *testing.T) { forEachMode(t, testFramingError) }

func testFramingError(t *testing.T, loops *client.Loops) {
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		if c.index > 0 {
			echo(c, f)
			return
		}
		if c.requests.Load() < 3 {
			return
		}
		b, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoResponse, ID: f.ID}, f.Payload)
		b[len(b)-1] ^= 1
		c.writeRaw(b)
	})
	cl := dial(t, srv, client.Config{Loops: loops})
	ctx := testCtx(t, 10*time.Second)
	errs := make(chan error, 3)
	for i := range 3 {
		callAsync(ctx, cl, echoRequest(fmt.Sprint(i)), errs)
	}
	for range 3 {
		err := <-errs
		var fe *frame.Error
		if !errors.Is(err, client.ErrConnLost) || !errors.Is(err, frame.BadChecksum) || !errors.As(err, &fe) {
			t.Fatalf("got %v, want ErrConnLost wrapping a BadChecksum *frame.Error", err)
		}
	}
	if _, err := echoCall(ctx, cl, []byte("x"), nil); err != nil {
		t.Fatalf("after the redial: %v", err)
	}
}

// TestUnmatched: a response with an id no call has is dropped and counted;
// a server sending hundreds is logged at Warn once, not hundreds of times.
func TestUnmatched(t *testing.T) { forEachMode(t, testUnmatched) }

func testUnmatched(t *testing.T, loops *client.Loops) {
	const strays = 500
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		for i := range strays {
			c.queue(f.ID+1000+uint64(i), orders.TypeEchoResponse, []byte("stray"))
		}
		echo(c, f)
	})
	var warns, debugs atomic.Int64
	cl := dial(t, srv, client.Config{Loops: loops, Logger: slog.New(levelCounter{"matches no call", &warns, &debugs})})
	got, err := echoCall(testCtx(t, 5*time.Second), cl, []byte("mine"), nil)
	if err != nil || string(got) != "mine" {
		t.Fatalf("got %q, %v", got, err)
	}
	if s := cl.Stats(); s.Unmatched != strays || s.ConnsLost != 0 {
		t.Fatalf("stats %+v: want %d unmatched and no connection lost", s, strays)
	}
	if w, d := warns.Load(), debugs.Load(); w != 1 || d != strays-1 {
		t.Errorf("%d warnings and %d debug records of unmatched responses, want 1 and %d", w, d, strays-1)
	}
}

// levelCounter counts the log records whose message contains msg, at Warn
// and at Debug.
type levelCounter struct {
	msg         string
	warn, debug *atomic.Int64
}

func (h levelCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h levelCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h levelCounter) WithGroup(string) slog.Handler            { return h }
func (h levelCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.msg) {
		switch r.Level {
		case slog.LevelWarn:
			h.warn.Add(1)
		case slog.LevelDebug:
			h.debug.Add(1)
		}
	}
	return nil
}

// TestMaxPending: with MaxPending calls in flight, the next call waits, and
// fails with its context without sending anything.
func TestMaxPending(t *testing.T) { forEachMode(t, testMaxPending) }

func testMaxPending(t *testing.T, loops *client.Loops) {
	handle, received := holdAll()
	srv := startServer(t, orders.Framing(), handle)
	cl := dial(t, srv, client.Config{Loops: loops, MaxPending: 2})
	errs := make(chan error, 2)
	for i := range 2 {
		callAsync(testCtx(t, 10*time.Second), cl, echoRequest(fmt.Sprint(i)), errs)
	}
	waitFor(t, "2 requests", func() bool { return received() == 2 })
	_, err := echoCall(testCtx(t, 50*time.Millisecond), cl, []byte("third"), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third call: got %v, want context.DeadlineExceeded", err)
	}
	time.Sleep(10 * time.Millisecond)
	if n := received(); n != 2 {
		t.Fatalf("the server received %d requests, want 2", n)
	}
	cl.Close()
	for range 2 {
		<-errs
	}
}

// TestWaitForConn: while no connection is up, a call waits for one, bounded
// by its context.
func TestWaitForConn(t *testing.T) { forEachMode(t, testWaitForConn) }

func testWaitForConn(t *testing.T, loops *client.Loops) {
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		if c.index == 0 {
			c.nc.Close()
			return
		}
		echo(c, f)
	})
	var refuse atomic.Bool
	cl := dial(t, srv, client.Config{Loops: loops, Dialer: refusing(&refuse)})
	refuse.Store(true)
	if _, err := echoCall(testCtx(t, 5*time.Second), cl, []byte("lost"), nil); !errors.Is(err, client.ErrConnLost) {
		t.Fatalf("got %v, want ErrConnLost", err)
	}
	start := time.Now()
	_, err := echoCall(testCtx(t, 100*time.Millisecond), cl, []byte("waits"), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call while down: got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("call while down returned after %v: it did not wait", d)
	}
	waitFor(t, "failed redials", func() bool { return cl.Stats().DialErrors >= 2 })

	errs := make(chan error, 1)
	callAsync(testCtx(t, 5*time.Second), cl, echoRequest("later"), errs)
	time.Sleep(20 * time.Millisecond)
	refuse.Store(false)
	if err := <-errs; err != nil {
		t.Fatalf("call made while down, once the server is back: %v", err)
	}
}

// TestDialErrors: Dial fails on a bad configuration and on a port nobody
// listens on.
func TestDialErrors(t *testing.T) {
	ctx := testCtx(t, 5*time.Second)
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close()
	if _, err := client.Dial(ctx, "tcp", addr, client.Config{Framing: orders.Framing()}); err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	for _, cfg := range []client.Config{
		{},
		{Framing: orders.Framing(), IDWidth: 3},
		{Framing: orders.Framing(), IDWidth: 9},
		{Framing: orders.Framing(), IDWidth: -1},
		{Framing: orders.Framing(), MaxPending: 1<<16 + 1},
		{Framing: orders.Framing(), Conns: -1},
		{Framing: orders.Framing(), IDWidth: 1, MaxPending: 128},
		{Framing: orders.Framing(), Backoff: client.Backoff{Min: time.Second, Max: time.Millisecond}},
		{Framing: orders.Framing(), Backoff: client.Backoff{Multiplier: 0.5}},
	} {
		if _, err := client.Dial(ctx, "tcp", addr, cfg); err == nil {
			t.Errorf("Dial accepted %+v", cfg)
		}
	}
}

// TestRefusedRequest: a request the framing refuses fails with the
// framing's error, nothing is sent and the connection goes on.
func TestRefusedRequest(t *testing.T) { forEachMode(t, testRefusedRequest) }

func testRefusedRequest(t *testing.T, loops *client.Loops) {
	srv := startServer(t, orders.Framing(), nil)
	cl := dial(t, srv, client.Config{Loops: loops})
	ctx := testCtx(t, 5*time.Second)
	_, err := echoCall(ctx, cl, make([]byte, orders.MaxPayload+1), nil)
	if !errors.Is(err, frame.TooLarge) || errors.Is(err, client.ErrConnLost) {
		t.Fatalf("got %v, want a frame.TooLarge error", err)
	}
	if got, err := echoCall(ctx, cl, []byte("next"), nil); err != nil || string(got) != "next" {
		t.Fatalf("next call: %q, %v", got, err)
	}
	if n := srv.conn(0).requests.Load(); n != 1 {
		t.Fatalf("the server got %d requests, want 1", n)
	}

	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := echoCall(done, cl, []byte("never"), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("call with an ended context: got %v, want context.Canceled", err)
	}
}
