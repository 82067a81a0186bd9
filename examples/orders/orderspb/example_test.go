package orderspb_test

import (
	"fmt"

	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/frame"
)

// Frames are written with AppendFrame, split with the framing, and decoded
// into a caller-owned Messages, which allocates nothing.
func Example() {
	order := orderspb.NewOrder{OrderID: 42, Instrument: 1001, Side: orderspb.SideSell, Tif: orderspb.TifIoc,
		Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}
	wire, err := orderspb.AppendFrame(nil, frame.Meta{ID: 7}, &order)
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", wire[:12])

	var fr frame.Frame
	if _, err := orderspb.Framing().Split(wire, &fr); err != nil {
		panic(err)
	}
	var ms orderspb.Messages
	msg, err := ms.Decode(&fr)
	if err != nil {
		panic(err)
	}
	switch m := msg.(type) {
	case *orderspb.NewOrder:
		fmt.Println(fr.ID, m.OrderID, m.Side, m.Tif, m.Price, string(m.Tag))
	case *orderspb.Raw:
		fmt.Println("unknown type", m.Type)
	}
	// Output:
	// 57 4b 01 03 00 00 00 07 00 00 00 1d
	// 7 42 sell ioc 12345000000 abc
}
