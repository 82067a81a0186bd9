package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// TestShutdownUnderPipelinedLoad: several connections pipeline orders as
// fast as they can; Shutdown comes in the middle. Each connection must then
// get exactly one complete answer, in order, to every request the server
// read, and end with a clean EOF.
func TestShutdownUnderPipelinedLoad(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		const conns, depth, maxPerConn = 8, 16, 40000
		var handled atomic.Int64
		s := &Server{Engine: e, Handler: HandlerFunc(func(w *Writer, req *Request) {
			handled.Add(1)
			answer(w, req)
		})}
		addr := serveTCP(t, s)

		type result struct {
			answered uint64
			err      error
		}
		var received atomic.Int64
		var started [conns]atomic.Bool // the connection is served, not in the listen backlog
		results := make(chan result, conns)
		for i := range conns {
			c := dial(t, "tcp", addr)
			stop := make(chan struct{})
			go func() { // writer: batches of depth orders, ids 1, 2, ...
				order := orders.NewOrder{Instrument: 7, Price: 1e8, Qty: 1, Tag: []byte("shutdown")}
				var batch []byte
				for id := uint64(1); id <= maxPerConn; {
					batch = batch[:0]
					for range depth {
						order.OrderID = id
						batch, _ = frame.Append(orders.Framing(), batch, frame.Meta{Type: orders.TypeNewOrder, ID: id}, order.Append(nil))
						id++
					}
					select {
					case <-stop:
						return
					default:
					}
					if _, err := c.nc.Write(batch); err != nil {
						return // the server closed
					}
				}
			}()
			go func() { // reader: every answer once, in order, then EOF
				defer c.nc.Close() // as a client does at EOF: the server's lingering close ends
				defer close(stop)
				var next uint64 = 1
				for {
					f, err := c.sc.ReadFrame()
					if err != nil {
						results <- result{next - 1, err}
						return
					}
					var ack orders.OrderAck
					if f.Type != orders.TypeOrderAck || f.ID != next || ack.Decode(f.Payload) != nil || ack.OrderID != next {
						results <- result{next - 1, fmt.Errorf("answer type %d id %d (order %d), want an OrderAck for %d", f.Type, f.ID, ack.OrderID, next)}
						return
					}
					next++
					received.Add(1)
					started[i].Store(true)
				}
			}()
		}
		eventually(t, "load", func() bool {
			for i := range started {
				if !started[i].Load() {
					return false
				}
			}
			return received.Load() >= 5000
		})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		var total uint64
		for range conns {
			r := <-results
			if r.err != io.EOF {
				t.Errorf("connection ended with %v after %d answers, want a clean EOF", r.err, r.answered)
			}
			total += r.answered
		}
		if h := handled.Load(); uint64(h) != total {
			t.Errorf("server handled %d requests, clients got %d answers", h, total)
		}
		t.Logf("%d requests answered across %d connections before Shutdown completed", total, conns)
	})
}

func TestShutdownWaitsForDeferredReplies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		var h held
		s := &Server{Engine: e, Handler: HandlerFunc(func(w *Writer, req *Request) { h.add(w.Defer(), req.ID) })}
		addr := serveTCP(t, s)
		c := dial(t, "tcp", addr)
		c.echo(1, "x")
		eventually(t, "the request", func() bool { return h.len() == 1 })
		done := make(chan error, 1)
		go func() { done <- s.Shutdown(t.Context()) }()
		time.Sleep(50 * time.Millisecond)
		select {
		case err := <-done:
			t.Fatalf("Shutdown returned %v with a reply pending", err)
		default:
		}
		replies, ids := h.take()
		doneEcho(replies[0], ids[0], "late but there")
		c.expect(orders.TypeEchoResponse, 1, "late but there")
		c.expectClosed()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestShutdownContextExpires(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		var h held
		s := &Server{Engine: e, Handler: HandlerFunc(func(w *Writer, req *Request) { h.add(w.Defer(), req.ID) })}
		addr := serveTCP(t, s)
		c := dial(t, "tcp", addr)
		c.echo(1, "never answered")
		eventually(t, "the request", func() bool { return h.len() == 1 })
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown returned %v, want context.DeadlineExceeded", err)
		}
		c.expectClosed()
		replies, ids := h.take()
		doneEcho(replies[0], ids[0], "too late") // safe on a closed connection
	})
}

func TestCloseIsImmediate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		var h held
		s := &Server{Engine: e, Handler: HandlerFunc(func(w *Writer, req *Request) { h.add(w.Defer(), req.ID) })}
		addr := serveTCP(t, s)
		pending, idle := dial(t, "tcp", addr), dial(t, "tcp", addr)
		pending.echo(1, "x")
		eventually(t, "the request", func() bool { return h.len() == 1 })
		start := time.Now()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("Close took %v", d)
		}
		pending.expectClosed()
		idle.expectClosed()
		replies, _ := h.take()
		replies[0].Done()
		if err := s.Serve(listen(t, "tcp")); err != ErrServerClosed {
			t.Errorf("Serve after Close returned %v", err)
		}
	})
}
