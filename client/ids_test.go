package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// narrowIDs is a framing with a 1-byte request id: 255 usable ids, so that
// tests wrap around quickly.
var narrowIDs = func() frame.Framing {
	h, err := frame.NewHeader(frame.HeaderConfig{Magic: []byte("N"), TypeWidth: 1, IDWidth: 1, LengthWidth: 2, Checksum: frame.CRC32C()})
	if err != nil {
		panic(err)
	}
	return h
}()

// TestIDWraparound: the server holds the answer to one call while 1000
// more go through a 1-byte id space, four times around; the held id is never
// given to another call, and the held call gets its own answer.
func TestIDWraparound(t *testing.T) { forEachMode(t, testIDWraparound) }

func testIDWraparound(t *testing.T, loops *client.Loops) {
	const others = 1000
	release, open := gate(t)
	var (
		mu      sync.Mutex
		heldID  = -1
		reused  bool
		ids     = map[uint64]bool{}
		handled atomic.Int64
	)
	srv := startServer(t, narrowIDs, func(c *srvConn, f frame.Frame) {
		mu.Lock()
		defer mu.Unlock()
		ids[f.ID] = true
		if string(f.Payload) == "held" {
			heldID = int(f.ID)
			f = f.Clone()
			c.later(func() {
				<-release
				c.send(f.ID, f.Type+1, f.Payload)
			})
			return
		}
		if int(f.ID) == heldID {
			reused = true
		}
		handled.Add(1)
		echo(c, f)
	})
	cl := dial(t, srv, client.Config{Loops: loops, Framing: narrowIDs, IDWidth: 1, MaxPending: 8})
	ctx := testCtx(t, 10*time.Second)

	held := make(chan error, 1)
	go func() {
		got, err := echoCall(ctx, cl, []byte("held"), nil)
		if err == nil && string(got) != "held" {
			err = fmt.Errorf("held call got %q", got)
		}
		held <- err
	}()
	waitFor(t, "the held request", func() bool { mu.Lock(); defer mu.Unlock(); return heldID >= 0 })
	hammer(t, cl, 4, others/4)
	open()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if reused {
		t.Fatalf("id %d was given to another call while its call waited", heldID)
	}
	if ids[0] {
		t.Fatal("id 0 was sent")
	}
	// 1001 calls over at most 255 ids went around several times; the ids
	// that share the held id's table entry were skipped with it.
	if len(ids) < 200 {
		t.Fatalf("only %d distinct ids used, want most of the 255 of a 1-byte field", len(ids))
	}
}

// TestIDsExhausted: when calls that gave up hold every id of a connection
// (their responses never come), the connection is recycled.
func TestIDsExhausted(t *testing.T) { forEachMode(t, testIDsExhausted) }

func testIDsExhausted(t *testing.T, loops *client.Loops) {
	srv := startServer(t, narrowIDs, func(c *srvConn, f frame.Frame) {
		if c.index > 0 {
			echo(c, f)
		}
	})
	// MaxPending 2: each connection has an id table of 4 entries.
	cl := dial(t, srv, client.Config{Loops: loops, Framing: narrowIDs, IDWidth: 1, MaxPending: 2})
	for i := range 4 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		_, err := echoCall(ctx, cl, fmt.Append(nil, i), nil)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("call %d: got %v, want context.DeadlineExceeded", i, err)
		}
	}
	// No id is free on the first connection: the call is not sent there,
	// the connection is closed and the call goes to the next one.
	got, err := echoCall(testCtx(t, 5*time.Second), cl, []byte("fifth"), nil)
	if err != nil || !bytes.Equal(got, []byte("fifth")) {
		t.Fatalf("fifth call: %q, %v", got, err)
	}
	if n := srv.conn(0).requests.Load(); n != 4 {
		t.Fatalf("the first connection got %d requests, want 4", n)
	}
	if s := cl.Stats(); s.ConnsLost != 1 {
		t.Fatalf("stats %+v: want 1 connection lost", s)
	}
}

// TestIDsBusy: when calls that gave up and a call in flight hold every id
// of a connection, the connection stays: Go fails with ErrPoolFull, and a
// Call waits until the call in flight frees its id, then goes out there.
func TestIDsBusy(t *testing.T) { forEachMode(t, testIDsBusy) }

func testIDsBusy(t *testing.T, loops *client.Loops) {
	release, open := gate(t)
	srv := startServer(t, narrowIDs, echoHolding(release, func(p string) bool { return p != "now" }))
	// MaxPending 2: an id table of 4 entries.
	cl := dial(t, srv, client.Config{Loops: loops, Framing: narrowIDs, IDWidth: 1, MaxPending: 2})
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		_, err := echoCall(ctx, cl, fmt.Append(nil, "gives up ", i), nil)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("call %d: got %v, want context.DeadlineExceeded", i, err)
		}
	}
	inFlight := echoLater(testCtx(t, 10*time.Second), cl, "held")
	waitFor(t, "the held call", func() bool { return srv.conn(0).requests.Load() == 4 })

	if err := cl.Go(testCtx(t, 10*time.Second), echoRequest("now"), nil, func(client.Response, error) {
		t.Error("the function of a refused Go call ran")
	}); !errors.Is(err, client.ErrPoolFull) {
		t.Fatalf("Go with every id taken: %v, want ErrPoolFull", err)
	}
	waits := echoLater(testCtx(t, 10*time.Second), cl, "now")
	select {
	case err := <-waits:
		t.Fatalf("a call returned (%v) while no id was free", err)
	case <-time.After(50 * time.Millisecond):
	}
	if n := srv.conn(0).requests.Load(); n != 4 {
		t.Fatalf("the server got %d requests while no id was free, want 4", n)
	}
	open() // the held call and the late ones are answered: ids free
	for _, ch := range []<-chan error{inFlight, waits} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if s := cl.Stats(); s.ConnsLost != 0 || s.Dials != 1 {
		t.Fatalf("stats %+v: want the one connection kept", s)
	}
}

// TestTableGrowth: a connection's id table starts small and grows while
// calls pile up in flight; calls registered before a growth still get
// their responses, and those that gave up before it still have their late
// responses discarded.
func TestTableGrowth(t *testing.T) { forEachMode(t, testTableGrowth) }

func testTableGrowth(t *testing.T, loops *client.Loops) {
	const calls, giveUp = 200, 10 // every tenth call gives up
	var (
		mu   sync.Mutex
		held []frame.Frame
	)
	srv := startServer(t, orders.Framing(), func(c *srvConn, f frame.Frame) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, f.Clone())
		if len(held) < calls {
			return
		}
		for _, h := range slices.Backward(held) {
			c.queue(h.ID, orders.TypeEchoResponse, h.Payload)
		}
	})
	cl := dial(t, srv, client.Config{Loops: loops})
	errs := make(chan error, calls)
	for i := range calls {
		ctx := testCtx(t, 10*time.Second)
		if i%giveUp == 0 {
			ctx = testCtx(t, 300*time.Millisecond)
		}
		go func() {
			want := fmt.Append(nil, i)
			got, err := echoCall(ctx, cl, want, nil)
			switch {
			case i%giveUp == 0 && !errors.Is(err, context.DeadlineExceeded):
				err = fmt.Errorf("call %d should have given up: %q, %v", i, got, err)
			case i%giveUp == 0:
				err = nil
			case err == nil && !bytes.Equal(got, want):
				err = fmt.Errorf("call %d got %q", i, got)
			}
			errs <- err
		}()
		if i == calls-2 {
			// The last one comes once those that give up have given up:
			// their ids are abandoned, not free, when the answers come.
			time.Sleep(400 * time.Millisecond)
		}
	}
	for range calls {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	waitFor(t, "the late responses", func() bool { return cl.Stats().Late == calls/giveUp })
	if s := cl.Stats(); s.Unmatched != 0 || s.ConnsLost != 0 {
		t.Fatalf("stats %+v: want no unmatched response and no connection lost", s)
	}
}
