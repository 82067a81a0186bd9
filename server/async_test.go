package server

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// deferring answers "sync" requests at once and defers the others into h.
func deferring(h *held) Handler {
	return HandlerFunc(func(w *Writer, req *Request) {
		if string(req.Payload) == "sync" {
			answer(w, req)
			return
		}
		h.add(w.Defer(), req.ID)
	})
}

// TestOrderedRepliesKeepRequestOrder: replies completed in reverse order,
// each from a goroutine of its own, still go out in request order, and so
// do the synchronous answers queued behind them.
func TestOrderedRepliesKeepRequestOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		const n = 8
		var h held
		c := dial(t, "tcp", serveTCP(t, &Server{Engine: e, Handler: deferring(&h)}))
		for i := range n {
			c.queue(orders.TypeEchoRequest, uint64(i), "deferred")
		}
		c.queue(orders.TypeEchoRequest, n, "sync")
		c.flush()
		eventually(t, "the requests", func() bool { return h.len() == n })
		replies, ids := h.take()
		var wg sync.WaitGroup
		for i := n - 1; i >= 0; i-- {
			wg.Add(1)
			go func() {
				defer wg.Done()
				doneEcho(replies[i], ids[i], fmt.Sprint("reply ", ids[i]))
			}()
			wg.Wait() // strictly reverse order
		}
		for i := range n {
			c.expect(orders.TypeEchoResponse, uint64(i), fmt.Sprint("reply ", i))
		}
		c.expect(orders.TypeEchoResponse, n, "sync")
		c.roundTrip(n+1, "sync")
	})
}

// TestUnorderedRepliesGoOutAsTheyComplete: with Unordered, each reply is
// sent when it is Done, ahead of those still pending.
func TestUnorderedRepliesGoOutAsTheyComplete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		const n = 6
		var h held
		c := dial(t, "tcp", serveTCP(t, &Server{Engine: e, Unordered: true, Handler: deferring(&h)}))
		for i := range n {
			c.queue(orders.TypeEchoRequest, uint64(i), "deferred")
		}
		c.flush()
		eventually(t, "the requests", func() bool { return h.len() == n })
		replies, ids := h.take()
		for i := n - 1; i >= 0; i-- {
			go doneEcho(replies[i], ids[i], "done")
			c.expect(orders.TypeEchoResponse, ids[i], "done") // before the next is Done
		}
		// A synchronous answer does not wait for pending replies either.
		c.echo(100, "deferred")
		eventually(t, "the request", func() bool { return h.len() == 1 })
		c.roundTrip(101, "sync")
		replies, ids = h.take()
		doneEcho(replies[0], ids[0], "last")
		c.expect(orders.TypeEchoResponse, 100, "last")
	})
}

// TestPipelinedAnswersAreBatched counts the server's write calls under
// pipelined load: one per batch the client sent, not one per answer.
func TestPipelinedAnswersAreBatched(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		const batches, depth = 200, 16
		s := &Server{Engine: e}
		ln, counted := countWrites(t, s)
		c := dial(t, "tcp", start(t, s, ln))
		order := orders.NewOrder{Instrument: 1, Price: 1, Qty: 1}
		for b := range batches {
			for i := range depth {
				id := uint64(b*depth + i)
				order.OrderID = id
				buf, m := c.sc.Begin(frame.Meta{Type: orders.TypeNewOrder, ID: id})
				c.sc.Finish(order.Append(buf), m)
			}
			c.flush()
			for i := range depth {
				f, err := c.sc.ReadFrame()
				if err != nil || f.ID != uint64(b*depth+i) {
					t.Fatalf("answer %+v %v", f.Meta, err)
				}
			}
		}
		writes := counted()
		ratio := float64(writes) / (batches * depth)
		t.Logf("%d answers in %d writes: %.4f writes per answer", batches*depth, writes, ratio)
		if writes > batches+batches/10 {
			t.Errorf("%d writes for %d batches of %d", writes, batches, depth)
		}
	})
}

// TestUnorderedRepliesDoneTogetherShareOneWrite: replies that become Done
// while the connection is busy go out together, in one write.
func TestUnorderedRepliesDoneTogetherShareOneWrite(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		const n = 100
		var h held
		s := &Server{Engine: e, Unordered: true, Handler: HandlerFunc(func(w *Writer, req *Request) {
			if string(req.Payload) != "release" {
				h.add(w.Defer(), req.ID)
				return
			}
			// Done from this handler: the connection's goroutine is busy, so
			// the replies wait for its next write.
			replies, ids := h.take()
			for i, r := range replies {
				doneEcho(r, ids[i], "batched")
			}
			answer(w, req)
		})}
		ln, counted := countWrites(t, s)
		c := dial(t, "tcp", start(t, s, ln))
		for i := range n {
			c.queue(orders.TypeEchoRequest, uint64(i), "deferred")
		}
		c.flush()
		eventually(t, "the requests", func() bool { return h.len() == n })
		before := counted()
		c.echo(n, "release")
		seen := make(map[uint64]bool)
		for range n + 1 { // unordered: in any order
			f, err := c.sc.ReadFrame()
			if err != nil || seen[f.ID] || f.ID > n {
				t.Fatalf("answer id %d (seen before: %v), %v", f.ID, seen[f.ID], err)
			}
			seen[f.ID] = true
		}
		if w := counted() - before; w != 1 {
			t.Errorf("%d replies and an answer in %d writes, want 1", n+1, w)
		}
	})
}

// TestDeferredRepliesFromManyGoroutines stresses the handing over of
// replies: many goroutines finish replies while the client pipelines, in
// both modes; every request gets one answer, in order when ordered.
func TestDeferredRepliesFromManyGoroutines(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		for _, unordered := range []bool{false, true} {
			t.Run(fmt.Sprint("unordered=", unordered), func(t *testing.T) {
				const n = 3000
				s := &Server{Engine: e, Unordered: unordered, MaxInFlight: 64, Handler: HandlerFunc(func(w *Writer, req *Request) {
					if req.ID%3 == 0 {
						answer(w, req)
						return
					}
					r, id := w.Defer(), req.ID
					go func() {
						time.Sleep(time.Duration(id%5) * 10 * time.Microsecond)
						doneEcho(r, id, "x")
					}()
				})}
				c := dial(t, "tcp", serveTCP(t, s))
				go func() {
					for i := range n {
						c.queue(orders.TypeEchoRequest, uint64(i), "x")
						if i%32 == 31 {
							if c.sc.Flush() != nil {
								return
							}
						}
					}
					c.sc.Flush()
				}()
				seen := make([]bool, n)
				for i := range n {
					f, err := c.sc.ReadFrame()
					if err != nil {
						t.Fatal(err)
					}
					if f.ID >= n || seen[f.ID] || (!unordered && f.ID != uint64(i)) {
						t.Fatalf("answer %d: id %d (seen before: %v)", i, f.ID, f.ID < n && seen[f.ID])
					}
					seen[f.ID] = true
				}
			})
		}
	})
}
