package dissect_test

import (
	"encoding/hex"
	"fmt"
	"os"

	"github.com/wirekit/wirekit/schema"
	"github.com/wirekit/wirekit/schema/dissect"
)

func ExampleProtocol_Frame() {
	f, err := schema.ParseFile("../../examples/orders/orders.wire")
	if err != nil {
		panic(err)
	}
	p, err := dissect.New(f, dissect.Options{})
	if err != nil {
		panic(err)
	}
	// The test vector of shared/spec/orders-v1.md, its checksum spoiled.
	b, _ := hex.DecodeString("574b0103000000070000001d000000000000002a000003e9a000000002dfd1c0400000006403616263e6b5c778")
	fr := p.Frame(b)
	fmt.Println(fr.Summary)
	fr.Root.WriteText(os.Stdout)
	// Output:
	// NewOrder id=7 order_id=42 instrument=1001 sell ioc price=12345000000 qty=100 tag="abc" [bad checksum]
	// 0     orders                           WK (orders.wire)
	// 0       orders.magic                   0x574b
	// 2       orders.version                 1
	// 3       orders.type                    3 (NewOrder)
	// 4       orders.id                      7
	// 8       orders.length                  29
	// 12      orders.new_order               NewOrder
	// 12        orders.new_order.order_id    42
	// 20        orders.new_order.instrument  1001
	// 24        orders.new_order.side        1 (sell)
	// 24        orders.new_order.tif         1 (ioc)
	// 24        orders.new_order.reserved    0
	// 25        orders.new_order.price       12345000000
	// 33        orders.new_order.qty         100
	// 37        orders.new_order.tag.length  3
	// 38        orders.new_order.tag         "abc"
	// 41      orders.crc                     0xe6b5c778
	//           ! orders.crc.bad: bad checksum: 0xe6b5c778, computed 0xe6b5c777
	// 41        orders.crc.status            0 (Bad)
}

func ExampleProtocol_FrameLen() {
	f, _ := schema.ParseFile("../../examples/orders/orders.wire")
	p, _ := dissect.New(f, dissect.Options{})
	// Cut a stream into frames: the header says how long each is.
	stream, _ := hex.DecodeString("574b0101000000010000000268690b3c69f1" + "574b01010000")
	for len(stream) > 0 {
		n, err := p.FrameLen(stream)
		if err != nil || n > len(stream) {
			fmt.Println("need more bytes:", err)
			break
		}
		fmt.Println(p.Frame(stream[:n]).Summary)
		stream = stream[n:]
	}
	// Output:
	// EchoRequest id=1 payload=2 bytes [bad checksum]
	// need more bytes: dissect: incomplete frame header
}
