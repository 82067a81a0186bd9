package dgram

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

// BenchmarkUDPOrders measures the orders service over loopback UDP: 4 client
// sockets, each keeping 32 datagrams in flight, each datagram carrying 1 or
// 8 NewOrders, on the single-datagram and the batched I/O paths. One op is
// one request; allocs/op counts the server and the clients, all in this
// process. The clients share the machine with the server, so req/s is
// bounded by all of them together, and cpu-ns/req is the CPU time of the
// whole process, clients, server and the kernel's loopback delivery, per
// request: the clients' share is the same on both paths, so the difference
// is the server's.
//
//	go test ./dgram -run '^$' -bench UDPOrders -benchmem -count 5
func BenchmarkUDPOrders(b *testing.B) {
	const peers, window = 4, 32
	for _, e := range engines {
		for _, k := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/%d-per-datagram", e.name, k), func(b *testing.B) {
				s := &Server{Framing: orders.Framing(), Handler: answer, Batch: e.batch}
				addr := start(b, s)
				conns := make([]*Conn, peers)
				for i := range conns {
					conns[i] = dial(b, addr, 0)
				}
				body := newOrder(1)
				datagrams := (b.N + k - 1) / k
				var wg sync.WaitGroup
				errs := make(chan error, peers)
				b.ReportAllocs()
				b.ResetTimer()
				begin := time.Now()
				cpu := processCPU()
				for p, c := range conns {
					quota := datagrams / peers
					if p < datagrams%peers {
						quota++
					}
					wg.Go(func() { errs <- pump(c, body, quota, window, k) })
				}
				wg.Wait()
				elapsed := time.Since(begin)
				b.StopTimer()
				if cpu >= 0 {
					b.ReportMetric(float64(processCPU()-cpu)/float64(datagrams*k), "cpu-ns/req")
				}
				close(errs)
				for err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(datagrams*k)/elapsed.Seconds(), "req/s")
			})
		}
	}
}

// pump sends n datagrams of k NewOrders on c, keeping up to window of them
// unanswered, and reads every answer.
func pump(c *Conn, body []byte, n, window, k int) error {
	sent, answers := 0, 0
	for answers < n*k {
		for sent < n && sent-answers/k < window {
			for j := range k {
				if err := c.WriteFrame(frame.Meta{Type: orders.TypeNewOrder, ID: uint64(sent*k + j)}, body); err != nil {
					return err
				}
			}
			if err := c.Flush(); err != nil {
				return err
			}
			sent++
		}
		if answers%256 == 0 {
			// A lost datagram fails the benchmark instead of hanging it.
			c.NetConn().SetReadDeadline(time.Now().Add(5 * time.Second))
		}
		if _, err := c.ReadFrame(); err != nil {
			return err
		}
		answers++
	}
	return nil
}
