package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// loadOrder is the order both loads place, each time with a new order_id.
// Its fields have fixed sizes, so every WK request frame is the same size.
var loadOrder = orderspb.NewOrder{
	Instrument: 1001, Side: orderspb.SideBuy, Tif: orderspb.TifDay,
	Price: 100_00000000, Qty: 10, Tag: []byte("demo"),
}

// driveWirekit is a load connection of the wirekit side: it queues
// cfg.depth NewOrders, sends them in one write, reads the cfg.depth acks, and
// repeats until lc stops. A request's latency runs from that write to its
// ack, decoded.
func driveWirekit(ctx context.Context, addr string, cfg demoConfig, lc *loadConn) error {
	nc, err := lc.dial(ctx, addr)
	if err != nil {
		return err
	}
	c := stream.New(nc, orderspb.Framing(), stream.Config{})
	defer c.Release()
	defer c.Close()
	// A run that is cancelled must not leave this goroutine blocked in a read.
	defer context.AfterFunc(ctx, func() { c.Close() })()

	order := loadOrder
	var ack orderspb.OrderAck
	var id uint64
	for !lc.stopping() {
		measuring := lc.measuring()
		first := id + 1
		for range cfg.depth {
			id++
			order.OrderID = id
			buf, m := c.Begin(frame.Meta{Type: orderspb.TypeNewOrder, ID: id})
			if err := c.Finish(order.Append(buf), m); err != nil {
				return err
			}
		}
		sent := time.Now()
		if err := c.Flush(); err != nil {
			return err
		}
		for want := first; want <= id; want++ {
			f, err := c.ReadFrame()
			if err != nil {
				return err
			}
			if f.Type != orderspb.TypeOrderAck || f.ID != want {
				return fmt.Errorf("answer of type %d id %d, want an OrderAck for id %d", f.Type, f.ID, want)
			}
			if err := ack.Decode(f.Payload); err != nil {
				return err
			}
			if ack.OrderID != want || ack.Status != orderspb.StatusAccepted {
				return fmt.Errorf("order %d answered with %+v", want, ack)
			}
			if measuring {
				lc.lat.record(time.Since(sent))
			}
		}
		lc.answered.Add(int64(cfg.depth))
	}
	return nil
}
