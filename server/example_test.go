package server_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/server"
	"github.com/wirekit/wirekit/stream"
)

// A line protocol: every line is answered with its length, in place in the
// connection's outbound buffer.
func Example() {
	srv := &server.Server{
		Framing: frame.Lines(),
		Handler: server.HandlerFunc(func(w *server.Writer, req *server.Request) {
			buf, m := w.Begin(frame.Meta{})
			buf = fmt.Appendf(buf, "%d bytes", len(req.Payload))
			w.Finish(buf, m)
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprint(nc, "hello\nwirekit\n") // pipelined: two requests, one write
	c := stream.New(nc, frame.Lines(), stream.Config{})
	for range 2 {
		f, err := c.ReadFrame()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(f.Payload))
	}
	// Output:
	// 5 bytes
	// 7 bytes
}

// A handler that must wait answers with a Reply from another goroutine. The
// request's bytes are borrowed: what the goroutine needs is copied first.
// Answers stay in request order: "fast" waits behind "slow".
func ExampleWriter_Defer() {
	srv := &server.Server{
		Framing: frame.Lines(),
		Handler: server.HandlerFunc(func(w *server.Writer, req *server.Request) {
			if string(req.Payload) != "slow" {
				w.WriteFrame(frame.Meta{}, req.Payload)
				return
			}
			r := w.Defer()
			go func() {
				time.Sleep(10 * time.Millisecond) // a database, say
				r.WriteFrame(frame.Meta{}, []byte("slow, done"))
				r.Done()
			}()
		}),
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	nc, _ := net.Dial("tcp", ln.Addr().String())
	defer nc.Close()
	fmt.Fprint(nc, "slow\nfast\n")
	c := stream.New(nc, frame.Lines(), stream.Config{})
	for range 2 {
		f, _ := c.ReadFrame()
		fmt.Println(string(f.Payload))
	}
	// Output:
	// slow, done
	// fast
}

// OnProtocolError lets the protocol answer input the framing refuses.
func ExampleServer_OnProtocolError() {
	lines, _ := frame.NewDelimited(frame.DelimitedConfig{Max: 24, Discard: true})
	srv := &server.Server{
		Framing: lines,
		Handler: server.HandlerFunc(func(w *server.Writer, req *server.Request) {
			w.WriteFrame(frame.Meta{}, append([]byte("ok: "), req.Payload...))
		}),
		OnProtocolError: func(w *server.Writer, err error) {
			// Over-long lines are dropped (not fatal): say so and go on.
			w.WriteFrame(frame.Meta{}, []byte("error: too long"))
		},
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	nc, _ := net.Dial("tcp", ln.Addr().String())
	defer nc.Close()
	fmt.Fprint(nc, "short\nthis line is much too long for it\nshort again\n")
	c := stream.New(nc, lines, stream.Config{})
	for range 3 {
		f, _ := c.ReadFrame()
		fmt.Println(string(f.Payload))
	}
	// Output:
	// ok: short
	// error: too long
	// ok: short again
}

// Shutdown answers what was read, then closes; ctx bounds the wait.
func ExampleServer_Shutdown() {
	srv := &server.Server{
		Framing: frame.Lines(),
		Handler: server.HandlerFunc(func(w *server.Writer, req *server.Request) { w.WriteFrame(frame.Meta{}, req.Payload) }),
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-served)
	// Output:
	// server: Server closed
}

// A process that only serves, tuned for latency at one request in flight:
// its event loops poll for up to 50 µs before they wait (see LoopSpin for
// what that costs a process that also does other work).
func ExampleServer_loopSpin() {
	srv := &server.Server{
		Framing:  frame.Lines(),
		Engine:   server.EnginePoll,
		LoopSpin: 50 * time.Microsecond,
		Handler: server.HandlerFunc(func(w *server.Writer, req *server.Request) {
			buf, m := w.Begin(frame.Meta{})
			buf = append(append(buf, "pong "...), req.Payload...)
			w.Finish(buf, m)
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	c := stream.New(nc, frame.Lines(), stream.Config{})
	for i := range 2 {
		fmt.Fprintf(nc, "%d\n", i) // one request in flight at a time
		f, err := c.ReadFrame()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(f.Payload))
	}
	// Output:
	// pong 0
	// pong 1
}

// A gateway: each request is forwarded to a backend, and its response
// returned. The backend's client runs on event loops that the gateway's
// poll engine hosts (Guests), and each handler answers from the function
// of an asynchronous call (client.Go), which runs on the loop as the
// backend's response arrives: no goroutine waits for the backend.
func ExampleServer_Guests() {
	backend := &server.Server{Framing: orders.Framing(), Handler: server.HandlerFunc(func(w *server.Writer, req *server.Request) {
		w.WriteFrame(frame.Meta{Type: orders.TypeEchoResponse, ID: req.ID}, append([]byte("backend: "), req.Payload...))
	})}
	bln, _ := net.Listen("tcp", "127.0.0.1:0")
	go backend.Serve(bln)
	defer backend.Shutdown(context.Background())

	loops, _ := client.NewLoops(0)
	defer loops.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	be, err := client.Dial(ctx, "tcp", bln.Addr().String(), client.Config{Framing: orders.Framing(), Loops: loops, Conns: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer be.Close()

	gateway := &server.Server{
		Framing: orders.Framing(),
		Guests:  []server.Guest{loops},
		Handler: server.HandlerFunc(func(w *server.Writer, req *server.Request) {
			r, id := w.Defer(), req.ID
			err := be.Go(context.Background(), client.Request{Meta: frame.Meta{Type: req.Type}, Body: req.Payload}, nil, func(resp client.Response, err error) {
				if err != nil {
					r.WriteFrame(frame.Meta{Type: orders.TypeError, ID: id}, []byte(err.Error()))
				} else {
					r.WriteFrame(frame.Meta{Type: resp.Meta.Type, ID: id}, resp.Payload)
				}
				r.Done()
			})
			if err != nil { // no backend connection up, or all busy
				r.WriteFrame(frame.Meta{Type: orders.TypeError, ID: id}, []byte(err.Error()))
				r.Done()
			}
		}),
	}
	gln, _ := net.Listen("tcp", "127.0.0.1:0")
	go gateway.Serve(gln)
	defer gateway.Shutdown(context.Background())

	nc, _ := net.Dial("tcp", gln.Addr().String())
	defer nc.Close()
	c := stream.New(nc, orders.Framing(), stream.Config{})
	c.WriteFrame(frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, []byte("one"))
	c.WriteFrame(frame.Meta{Type: orders.TypeEchoRequest, ID: 2}, []byte("two"))
	c.Flush() // pipelined: answered in order
	for range 2 {
		f, _ := c.ReadFrame()
		fmt.Printf("%d: %s\n", f.ID, f.Payload)
	}
	// Output:
	// 1: backend: one
	// 2: backend: two
}
