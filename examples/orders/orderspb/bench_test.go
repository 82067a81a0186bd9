package orderspb

import (
	"testing"

	"github.com/wirekit/wirekit/examples/orders"
)

// BenchmarkNewOrder measures Append then Decode of the spec's NewOrder, with
// the generated codec and the hand-written one in examples/orders side by
// side. Compare them with
//
//	go test ./examples/orders/orderspb -run '^$' -bench NewOrder -count 10 > bench.txt
//	benchstat -col /codec bench.txt
func BenchmarkNewOrder(b *testing.B) {
	b.Run("codec=generated", func(b *testing.B) {
		in := specOrder
		var out NewOrder
		buf := make([]byte, 0, 64)
		b.ReportAllocs()
		for b.Loop() {
			buf = in.Append(buf[:0])
			if err := out.Decode(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("codec=hand-written", func(b *testing.B) {
		in := orders.NewOrder{OrderID: 42, Instrument: 1001, Side: orders.Sell, TIF: orders.IOC, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}
		var out orders.NewOrder
		buf := make([]byte, 0, 64)
		b.ReportAllocs()
		for b.Loop() {
			buf = in.Append(buf[:0])
			if err := out.Decode(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}
