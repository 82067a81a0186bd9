package dgram_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/wirekit/wirekit/dgram"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// The orders service over UDP: the server answers each frame of a datagram,
// and the client's Call matches the answer by request id.
func Example() {
	srv := &dgram.Server{
		Framing: orders.Framing(),
		Handler: dgram.HandlerFunc(func(w *dgram.Writer, req *frame.Frame) {
			r := orders.Answer(*req, uint64(time.Now().UnixNano()))
			buf, m := w.Begin(r.Meta)
			if err := w.Finish(r.AppendBody(buf), m); err != nil {
				fmt.Println("answer refused:", err)
			}
		}),
	}
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		fmt.Println(err)
		return
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(pc) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := dgram.Dial(ctx, pc.LocalAddr().String(), orders.Framing(), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	order := orders.NewOrder{OrderID: 42, Instrument: 1001, Side: orders.Sell, TIF: orders.IOC, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}
	f, err := c.Call(ctx, frame.Meta{Type: orders.TypeNewOrder, ID: 7}, order.Append(nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	var ack orders.OrderAck
	if err := ack.Decode(f.Payload); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("id %d: order %d accepted=%v\n", f.ID, ack.OrderID, ack.Status == orders.Accepted)

	// A frame larger than a datagram cannot be sent.
	err = c.WriteFrame(frame.Meta{Type: orders.TypeEchoRequest, ID: 8}, make([]byte, 2000))
	fmt.Println(errors.Is(err, frame.TooLarge), err)

	srv.Shutdown(ctx)
	fmt.Println(<-served)
	// Output:
	// id 7: order 42 accepted=true
	// true dgram: a 2016-byte frame does not fit in a datagram of at most 1472 bytes
	// dgram: Server closed
}
