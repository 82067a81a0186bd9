package dgram

import (
	"net"
	"testing"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// TestZeroAllocs checks that in the steady state a round of 16 request
// datagrams, 2 NewOrders each, costs no allocation on either I/O path: the
// server's reads, handling and packed answers, and the client Conn's writes
// and reads.
func TestZeroAllocs(t *testing.T) {
	const datagrams, perDgram = 16, 2
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			s := &Server{Framing: orders.Framing(), Handler: answer, Batch: e.batch}
			pc := listen(t)
			defer pc.Close()
			ep, err := s.newEndpoint(pc)
			if err != nil {
				t.Fatal(err)
			}
			c := dial(t, pc.LocalAddr().(*net.UDPAddr).AddrPort(), 0)
			body := newOrder(1)
			round := func() {
				for i := range datagrams * perDgram {
					if err := c.WriteFrame(frame.Meta{Type: orders.TypeNewOrder, ID: uint64(i)}, body); err != nil {
						t.Fatal(err)
					}
					if i%perDgram == perDgram-1 {
						if err := c.Flush(); err != nil {
							t.Fatal(err)
						}
					}
				}
				for got := 0; got < datagrams; {
					n, err := ep.io.read(ep.msgs)
					if err != nil {
						t.Fatal(err)
					}
					ep.serve(ep.msgs[:n])
					got += n
				}
				for range datagrams * perDgram {
					if _, err := c.ReadFrame(); err != nil {
						t.Fatal(err)
					}
				}
			}
			round() // the first round sizes the buffers
			if n := testing.AllocsPerRun(100, round); n != 0 {
				t.Fatalf("%v allocations per round of %d datagrams; want 0", n, datagrams)
			}
		})
	}
}
