package server

import (
	"bufio"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// The load of BenchmarkServerOrders: 64 connections, each sending 16
// pipelined orders in one write and reading the 16 acks, over and over.
const (
	benchConns = 64
	benchDepth = 16
)

// BenchmarkServerOrders serves the reference protocol to the same client
// load with wirekit's server, on each engine, and with a hand-written net +
// bufio server (one goroutine per connection, 64 KiB buffers, a flush
// whenever the read buffer is drained). One op is one request answered;
// writes/req counts the servers' write calls; cpu-ns/req is the CPU time of
// the whole process, client included, per request. The client allocates
// nothing per request, so allocs/op is the server's.
//
//	go test ./server -run '^$' -bench Orders -count 6 -benchmem
func BenchmarkServerOrders(b *testing.B) {
	for _, e := range []Engine{EngineGoroutine, EnginePoll} {
		b.Run("server=wirekit-"+e.String(), func(b *testing.B) {
			if e == EnginePoll && !pollEngineRuns() {
				b.Skip("the poll engine runs on Linux")
			}
			s := &Server{Engine: e, Framing: orders.Framing(), Handler: HandlerFunc(answer)}
			ln, writes := countWrites(b, s)
			benchOrders(b, ln, writes, func() func() {
				done := make(chan struct{})
				go func() { s.Serve(ln); close(done) }()
				return func() { s.Close(); <-done }
			})
		})
	}
	b.Run("server=bufio", func(b *testing.B) {
		cl := &countingListener{Listener: listen(b, "tcp")}
		benchOrders(b, cl, cl.writes.Load, func() func() {
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					nc, err := cl.Accept()
					if err != nil {
						return
					}
					wg.Go(func() { serveBufio(nc) })
				}
			})
			return func() { cl.Close(); wg.Wait() }
		})
	})
}

// serveBufio is the hand-written server: the same framing and answers as
// wirekit's handler, read and written with bufio.
func serveBufio(nc net.Conn) {
	defer nc.Close()
	br := bufio.NewReaderSize(nc, 64<<10)
	bw := bufio.NewWriterSize(nc, 64<<10)
	fr := orders.Framing()
	var f frame.Frame
	for {
		hdr, err := br.Peek(fr.HeaderLen())
		if err != nil {
			return
		}
		size := fr.Overhead() + int(binary.BigEndian.Uint32(hdr[8:]))
		raw, err := br.Peek(size)
		if err != nil {
			return
		}
		if _, err := fr.Split(raw, &f); err != nil {
			return
		}
		r := orders.Answer(f, uint64(time.Now().UnixNano()))
		out, m := fr.Begin(bw.AvailableBuffer(), r.Meta)
		out, _ = fr.Finish(r.AppendBody(out), m, nil)
		bw.Write(out)
		br.Discard(size)
		if br.Buffered() == 0 {
			if bw.Flush() != nil {
				return
			}
		}
	}
}

// benchOrders drives the load against the server that serve starts on ln,
// whose write calls writes counts; serve returns the function that stops
// it.
func benchOrders(b *testing.B, ln net.Listener, writes func() int64, serve func() func()) {
	stop := serve()
	batch := orderBatch(benchDepth)
	clients := make([]*stream.Conn, benchConns)
	for i := range clients {
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = stream.New(nc, orders.Framing(), stream.Config{})
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for _, c := range clients {
		wg.Go(func() {
			nc := c.NetConn()
			for left.Add(-benchDepth) > -benchDepth {
				if _, err := nc.Write(batch); err != nil {
					failed.Store(err)
					return
				}
				for range benchDepth {
					f, err := c.ReadFrame()
					if err != nil || f.Type != orders.TypeOrderAck {
						failed.Store(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	// CPU time is steadier than wall time on a shared machine; the client's
	// share is the same for both servers.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/req")
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(writes())/float64(b.N), "writes/req")
	for _, c := range clients {
		c.Close()
	}
	stop()
}

// cpuTime returns the process's user and system CPU time so far, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
