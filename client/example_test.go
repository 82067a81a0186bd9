package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// Placing orders with the reference protocol over a pool of two
// connections. The request body and the response buffer are reused from
// call to call, so calls in the steady state allocate nothing; many
// goroutines may call at once.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := serve(ln, orders.Framing(), answerOrders) // a WK orders v1 server
	defer srv.stop()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "tcp", ln.Addr().String(), client.Config{
		Framing: orders.Framing(),
		Conns:   2,
	})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	var body, dst []byte
	for i, qty := range []uint32{100, 0} {
		order := orders.NewOrder{OrderID: uint64(42 + i), Instrument: 1001, Side: orders.Sell, TIF: orders.IOC, Price: 12_345_000_000, Qty: qty, Tag: []byte("abc")}
		body = order.Append(body[:0])
		resp, err := c.Call(ctx, client.Request{Meta: frame.Meta{Type: orders.TypeNewOrder}, Body: body}, dst[:0])
		if err != nil {
			panic(err)
		}
		dst = resp.Payload // keep the grown buffer for the next call
		var ack orders.OrderAck
		if resp.Meta.Type != orders.TypeOrderAck || ack.Decode(resp.Payload) != nil {
			panic("not an OrderAck")
		}
		fmt.Printf("order %d: status %d reason %d\n", ack.OrderID, ack.Status, ack.Reason)
	}
	// Output:
	// order 42: status 0 reason 0
	// order 43: status 1 reason 1
}

// When a connection dies, the calls in flight on it fail with a
// *client.ConnError, unless they are idempotent: those are sent again once
// the client has redialed.
func ExampleRequest_idempotent() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	// This server drops its first two connections as soon as a request
	// arrives on them.
	srv := serve(ln, orders.Framing(), func(c *srvConn, f frame.Frame) {
		if c.index < 2 {
			c.nc.Close()
			return
		}
		answerOrders(c, f)
	})
	defer srv.stop()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "tcp", ln.Addr().String(), client.Config{
		Framing: orders.Framing(),
		Backoff: client.Backoff{Min: 10 * time.Millisecond},
	})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	ping := client.Request{Meta: frame.Meta{Type: orders.TypeEchoRequest}, Body: []byte("ping")}
	_, err = c.Call(ctx, ping, nil)
	var ce *client.ConnError
	fmt.Println("lost:", errors.Is(err, client.ErrConnLost), errors.As(err, &ce))

	// The call waits for the second connection, loses it too, and is sent
	// again on the third.
	ping.Idempotent = true
	resp, err := c.Call(ctx, ping, nil)
	fmt.Printf("%s %v, retries: %d\n", resp.Payload, err, c.Stats().Retries)
	// Output:
	// lost: true true
	// ping <nil>, retries: 1
}

// Many connections, to two servers, on two shared event loops: no
// goroutine per connection (on Linux; elsewhere they run on goroutines).
// Close the loops after the clients.
func ExampleNewLoops() {
	loops, err := client.NewLoops(2)
	if err != nil {
		panic(err)
	}
	defer loops.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		srv := serve(ln, orders.Framing(), echo)
		defer srv.stop()
		c, err := client.Dial(ctx, "tcp", ln.Addr().String(), client.Config{
			Framing: orders.Framing(),
			Conns:   100,
			Loops:   loops,
		})
		if err != nil {
			panic(err)
		}
		defer c.Close()
		resp, err := c.Call(ctx, client.Request{Meta: frame.Meta{Type: orders.TypeEchoRequest}, Body: fmt.Appendf(nil, "hello %d", i)}, nil)
		if err != nil {
			panic(err)
		}
		fmt.Printf("server %d: %s\n", i, resp.Payload)
	}
	// Output:
	// server 0: hello 0
	// server 1: hello 1
}

// A latency-sensitive client, one call at a time: its loop polls for the
// answer for up to 50 µs before it waits, instead of putting its thread
// to sleep between the request and the answer (see Loops.SetSpin for what
// that costs the rest of the process).
func ExampleLoops_SetSpin() {
	loops, err := client.NewLoops(1)
	if err != nil {
		panic(err)
	}
	defer loops.Close()
	loops.SetSpin(50 * time.Microsecond)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := serve(ln, orders.Framing(), echo)
	defer srv.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "tcp", ln.Addr().String(), client.Config{Framing: orders.Framing(), Loops: loops})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	var dst []byte
	for i := range 3 {
		resp, err := c.Call(ctx, client.Request{Meta: frame.Meta{Type: orders.TypeEchoRequest}, Body: fmt.Appendf(nil, "tick %d", i)}, dst[:0])
		if err != nil {
			panic(err)
		}
		dst = resp.Payload
		fmt.Printf("%s\n", resp.Payload)
	}
	// Output:
	// tick 0
	// tick 1
	// tick 2
}
