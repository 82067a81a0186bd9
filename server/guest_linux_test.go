package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	wk "github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// proxy returns a handler that forwards each frame through cl and answers
// with the response, as a proxy or a gateway does; it declares every frame
// blocking, as a handler waiting on its own loop's guests must.
func proxy(cl *wk.Client) BlockingHandler {
	return Blocking(HandlerFunc(func(w *Writer, req *Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
		defer cancel()
		resp, err := cl.Call(ctx, wk.Request{Meta: frame.Meta{Version: req.Version, Type: req.Type}, Body: req.Payload}, nil)
		if err != nil {
			w.WriteFrame(frame.Meta{Type: orders.TypeError, ID: req.ID}, []byte(err.Error()))
			return
		}
		resp.Meta.ID = req.ID
		w.WriteFrame(resp.Meta, resp.Payload)
	}))
}

// asyncProxy returns a handler that forwards each frame through cl and
// answers later, from the call's function: on guest loops, that runs on
// the server's loop, and no goroutine waits for the backend.
func asyncProxy(cl *wk.Client) Handler {
	return HandlerFunc(func(w *Writer, req *Request) {
		r, id := w.Defer(), req.ID
		err := cl.Go(context.Background(), wk.Request{Meta: frame.Meta{Version: req.Version, Type: req.Type}, Body: req.Payload}, nil, func(resp wk.Response, err error) {
			if err != nil {
				r.WriteFrame(frame.Meta{Type: orders.TypeError, ID: id}, []byte(err.Error()))
			} else {
				resp.Meta.ID = id
				r.WriteFrame(resp.Meta, resp.Payload)
			}
			r.Done()
		})
		if err != nil {
			r.WriteFrame(frame.Meta{Type: orders.TypeError, ID: id}, []byte(err.Error()))
			r.Done()
		}
	})
}

// clientLoopGoroutines counts the goroutines running client event loops of
// their own.
func clientLoopGoroutines() int {
	return goroutinesCreatedBy("client.NewLoops", "client.(*loop).alight")
}

// goroutinesCreatedBy counts the goroutines that the functions of package
// client named started. Counted by creator: a goroutine not started yet
// shows only a wrapper of its function.
func goroutinesCreatedBy(fns ...string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			count := 0
			for _, fn := range fns {
				count += bytes.Count(buf[:n], []byte("created by github.com/wirekit/wirekit/"+fn+" "))
			}
			return count
		}
		buf = make([]byte, 2*len(buf))
	}
}

// guestSetup starts a backend orders server and a client of it on two
// event loops, both closed when the test ends.
func guestSetup(t *testing.T) (*wk.Loops, *wk.Client) {
	backend := serveTCP(t, &Server{Engine: EnginePoll})
	ls, err := wk.NewLoops(2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := wk.Dial(ctx, "tcp", backend, wk.Config{Framing: orders.Framing(), Loops: ls, Conns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	if n := clientLoopGoroutines(); n != 2 {
		t.Fatalf("%d client loop goroutines before hosting, want 2: the count proves nothing", n)
	}
	// The connections run on the loops, not on a reader and a writer each.
	if n := goroutinesCreatedBy("client.(*Client).attach"); n != 0 {
		t.Fatalf("%d goroutines of client connections: they did not go onto the loops", n)
	}
	return ls, cl
}

// TestGuests: a proxy whose handlers call a backend through a client on
// its guest loops runs them on its own loops: while it serves, the client
// loops have no goroutine, and calls through the proxy from 8 connections,
// pipelined, all come back right, with a blocking handler or one that
// answers from client.Go's function; closing the proxy gives the loops
// their goroutines back, and the client still calls.
func TestGuests(t *testing.T) {
	for name, h := range map[string]func(*wk.Client) Handler{
		"blocking": func(cl *wk.Client) Handler { return proxy(cl) },
		"async":    asyncProxy,
	} {
		t.Run(name, func(t *testing.T) { testGuests(t, h) })
	}
}

func testGuests(t *testing.T, handler func(*wk.Client) Handler) {
	ls, cl := guestSetup(t)
	px := &Server{Engine: EnginePoll, Loops: 2, Handler: handler(cl), Guests: []Guest{ls}, HandlerBudget: -1}
	addr := serveTCP(t, px)
	eventually(t, "the guest loops boarded", func() bool { return clientLoopGoroutines() == 0 })
	px.mu.Lock()
	e := px.poll
	px.mu.Unlock()
	<-e.started
	for _, l := range e.loops {
		if len(l.guests) != 1 { // set before the loops started
			t.Fatalf("a proxy loop hosts %d guest loops, want 1 each", len(l.guests))
		}
	}
	if ls.Board() != nil {
		t.Fatal("a second host boarded loops that have one")
	}

	const conns, calls, depth = 8, 200, 8
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		c := dial(t, "tcp", addr)
		wg.Go(func() {
			for k := 0; k < calls; k += depth {
				for j := range depth {
					c.queue(orders.TypeEchoRequest, uint64(k+j+1), fmt.Sprintf("conn %d call %d", i, k+j))
				}
				c.flush()
				for j := range depth {
					f, err := c.sc.ReadFrame()
					want := fmt.Sprintf("conn %d call %d", i, k+j)
					switch {
					case err != nil:
						errs <- err
						return
					case f.Type != orders.TypeEchoResponse || f.ID != uint64(k+j+1) || string(f.Payload) != want:
						errs <- fmt.Errorf("got type %d id %d %q, want the echo of %q, id %d", f.Type, f.ID, f.Payload, want, k+j+1)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := cl.Stats().Writes; got == 0 {
		t.Fatal("the client wrote nothing: the calls did not go through it")
	}

	px.Close()
	guestsBack(t, cl)
}

// guestsBack checks that the loops of guestSetup, their host closed, are
// back on goroutines of their own, and that cl calls on over them.
func guestsBack(t *testing.T, cl *wk.Client) {
	t.Helper()
	eventually(t, "the guest loops back on their goroutines", func() bool { return clientLoopGoroutines() == 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cl.Call(ctx, wk.Request{Meta: frame.Meta{Type: orders.TypeEchoRequest}, Body: []byte("after")}, nil)
	if err != nil || string(resp.Payload) != "after" {
		t.Fatalf("call after the host closed: %q, %v", resp.Payload, err)
	}
}

// TestGuestsClosed: closing guest loops while a server hosts them ends
// them there (Close returns; their calls fail with ErrLoopsClosed), and the
// server serves on.
func TestGuestsClosed(t *testing.T) {
	ls, cl := guestSetup(t)
	px := &Server{Engine: EnginePoll, Loops: 1, Guests: []Guest{ls}}
	addr := serveTCP(t, px)
	eventually(t, "the guest loops boarded", func() bool { return clientLoopGoroutines() == 0 })
	c := dial(t, "tcp", addr)
	c.roundTrip(1, "before")

	cl.Close()
	closed := make(chan struct{})
	go func() { ls.Close(); close(closed) }()
	within(t, "Loops.Close while hosted", closed)
	c.roundTrip(2, "after")
	if clientLoopGoroutines() != 0 {
		t.Fatal("a closed guest loop got a goroutine")
	}

	// A client dialed on the closed loops fails with ErrLoopsClosed.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := wk.Dial(ctx, "tcp", addr, wk.Config{Framing: orders.Framing(), Loops: ls})
	if !errors.Is(err, wk.ErrLoopsClosed) {
		t.Fatalf("dial on closed loops: %v, want ErrLoopsClosed", err)
	}
}

// TestGuestClosesHostWhileBoarding: a client.Go function running on a
// guest loop as its server starts, and boards that loop, may close or shut
// down the server: boarding waits for the function without the server's
// lock, which Close and Shutdown take. The server then stops, and the
// guest loops go back to goroutines of their own and call on.
func TestGuestClosesHostWhileBoarding(t *testing.T) {
	for name, stop := range map[string]func(*Server) error{
		"Close":    (*Server).Close,
		"Shutdown": func(s *Server) error { return s.Shutdown(context.Background()) },
	} {
		t.Run(name, func(t *testing.T) {
			ls, cl := guestSetup(t)
			px := &Server{Engine: EnginePoll, Loops: 1, Framing: orders.Framing(), Handler: HandlerFunc(answer), Guests: []Guest{ls}}
			entered, proceed := make(chan struct{}), make(chan struct{})
			stopped := make(chan error, 1)
			err := cl.Go(context.Background(), wk.Request{Meta: frame.Meta{Type: orders.TypeEchoRequest}, Body: []byte("x")}, nil, func(wk.Response, error) {
				close(entered)
				<-proceed
				stopped <- stop(px)
			})
			if err != nil {
				t.Fatal(err)
			}
			<-entered
			served := make(chan error, 1)
			go func() { served <- px.Serve(listen(t, "tcp")) }()
			// Let Serve reach the boarding, which waits for the function.
			time.Sleep(50 * time.Millisecond)
			close(proceed)
			if err := within(t, name+" called by a guest's function while the server boards it", stopped); err != nil {
				t.Fatal(err)
			}
			if err := within(t, "Serve to return", served); err != ErrServerClosed {
				t.Fatalf("Serve returned %v, want ErrServerClosed", err)
			}
			guestsBack(t, cl)
		})
	}
}

// BenchmarkProxy serves BenchmarkServerOrders' load (64 connections x 16
// pipelined orders) through a proxy to a backend, both poll engine
// servers in this process, the proxy's client on 4 connections over event
// loops, three ways:
//   - blocking: a BlockingHandler waits in Client.Call, the client's loops
//     on goroutines of their own;
//   - async: the handler answers from Client.Go's function, on the
//     client's loops;
//   - async-hosted: the same, the client's loops the proxy's guests.
//
// cpu-ns/req is the whole process's CPU time per request: load, proxy and
// backend together.
//
//	go test ./server -run '^$' -bench Proxy -count 6 -benchmem
func BenchmarkProxy(b *testing.B) {
	for _, bc := range []struct {
		name    string
		handler func(*wk.Client) Handler
		hosted  bool
	}{
		{"blocking", func(cl *wk.Client) Handler { return proxy(cl) }, false},
		{"async", asyncProxy, false},
		{"async-hosted", asyncProxy, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			backend := serveTCP(b, &Server{Engine: EnginePoll, Framing: orders.Framing(), Handler: HandlerFunc(answer)})
			ls, err := wk.NewLoops(0)
			if err != nil {
				b.Fatal(err)
			}
			defer ls.Close()
			cl, err := wk.Dial(context.Background(), "tcp", backend, wk.Config{Framing: orders.Framing(), Loops: ls, Conns: 4, MaxPending: 1024})
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			px := &Server{Engine: EnginePoll, Framing: orders.Framing(), Handler: bc.handler(cl), Logger: slog.New(slog.DiscardHandler)}
			if bc.hosted {
				px.Guests = []Guest{ls}
			}
			ln, writes := countWrites(b, px)
			benchOrders(b, ln, writes, func() func() {
				done := make(chan struct{})
				go func() { px.Serve(ln); close(done) }()
				return func() { px.Close(); <-done }
			})
		})
	}
}

// TestGuestsGoroutineEngine: a server on the goroutine engine has no loop
// to host guests on: they keep their goroutines, and serve its handlers.
func TestGuestsGoroutineEngine(t *testing.T) {
	ls, cl := guestSetup(t)
	px := &Server{Engine: EngineGoroutine, Handler: asyncProxy(cl), Guests: []Guest{ls}}
	c := dial(t, "tcp", serveTCP(t, px))
	c.roundTrip(1, "through the proxy")
	if n := clientLoopGoroutines(); n != 2 {
		t.Fatalf("%d client loop goroutines, want their 2: a goroutine engine server boarded them", n)
	}
}
