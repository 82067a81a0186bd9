package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/examples/orders/ordersvc"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/server"
	"github.com/wirekit/wirekit/stream"
	"github.com/wirekit/wirekit/trace"
)

type demoConfig struct {
	duration time.Duration
	conns    int
	depth    int
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg demoConfig
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "how long to drive the load")
	fs.IntVar(&cfg.conns, "conns", 4, "client connections")
	fs.IntVar(&cfg.depth, "depth", 16, "requests in flight per connection (pipelined)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.conns < 1 || cfg.depth < 1 || cfg.duration <= 0 {
		fmt.Fprintln(stderr, "demo: -conns, -depth and -duration must be positive")
		return 2
	}
	if err := demo(cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	return 0
}

func demo(cfg demoConfig, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &demoServer{ln: ln}
	srv.start()
	defer srv.stop()
	fmt.Fprintf(out, "WK orders v1 server on %s (wirekit/server, one goroutine per connection)\n\n", ln.Addr())

	// One request, shown on the wire.
	c, err := dial(ln.Addr().String())
	if err != nil {
		return err
	}
	order := orderspb.NewOrder{OrderID: 42, Instrument: 1001, Side: orderspb.SideSell, Tif: orderspb.TifIoc, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}
	buf, m := c.Begin(frame.Meta{Type: orderspb.TypeNewOrder, ID: 7})
	if err := c.Finish(order.Append(buf), m); err != nil {
		return err
	}
	sent, _ := frame.Append(orderspb.Framing(), nil, frame.Meta{Type: orderspb.TypeNewOrder, ID: 7}, order.Append(nil))
	if err := c.Flush(); err != nil {
		return err
	}
	resp, err := c.ReadFrame()
	if err != nil {
		return err
	}
	var ack orderspb.OrderAck
	if err := ack.Decode(resp.Payload); err != nil {
		return err
	}
	fmt.Fprintf(out, "client → server: NewOrder id=7 order_id=%d instrument=%d %v %v price=%d qty=%d tag=%q (%d bytes)\n%s\n",
		order.OrderID, order.Instrument, order.Side, order.Tif, order.Price, order.Qty, order.Tag, len(sent), trace.Dump(sent))
	fmt.Fprintf(out, "server → client: OrderAck id=%d order_id=%d status=%v reason=%v server_time=%d (%d bytes)\n%s\n",
		resp.ID, ack.OrderID, ack.Status, ack.Reason, ack.ServerTime, len(resp.Raw), trace.Dump(resp.Raw))
	c.Close()

	// Then the load.
	fmt.Fprintf(out, "driving %d connections × %d pipelined orders for %v ...\n", cfg.conns, cfg.depth, cfg.duration)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.duration)
	defer cancel()
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, cfg.conns)
	start := time.Now()
	for range cfg.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := drive(ctx, ln.Addr().String(), cfg.depth)
			done.Add(n)
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	frames := done.Load()
	fmt.Fprintf(out, "%d requests answered in %.2fs: %.0f requests/s, %.0f frames/s (requests + responses)\n",
		frames, elapsed.Seconds(), float64(frames)/elapsed.Seconds(), 2*float64(frames)/elapsed.Seconds())
	fmt.Fprintln(out, "(client and server share this machine's cores: this is a demonstration, not a benchmark)")
	return nil
}

func dial(addr string) (*stream.Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return stream.New(nc, orderspb.Framing(), stream.Config{}), nil
}

// drive sends depth orders, flushes them in one write, reads the depth acks,
// and repeats until ctx ends. It returns the number of requests answered.
func drive(ctx context.Context, addr string, depth int) (int64, error) {
	c, err := dial(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	order := orderspb.NewOrder{Instrument: 1001, Side: orderspb.SideBuy, Tif: orderspb.TifDay, Price: 100_00000000, Qty: 10, Tag: []byte("demo")}
	var n int64
	var id uint64
	for ctx.Err() == nil {
		for range depth {
			id++
			order.OrderID = id
			buf, m := c.Begin(frame.Meta{Type: orderspb.TypeNewOrder, ID: id})
			if err := c.Finish(order.Append(buf), m); err != nil {
				return n, err
			}
		}
		if err := c.Flush(); err != nil {
			return n, err
		}
		for i := range depth {
			f, err := c.ReadFrame()
			if err != nil {
				return n, err
			}
			want := id - uint64(depth-1-i)
			if f.Type != orderspb.TypeOrderAck || f.ID != want {
				return n, fmt.Errorf("response type %d id %d, want an OrderAck for id %d", f.Type, f.ID, want)
			}
			n++
		}
	}
	return n, nil
}

// demoServer serves the reference protocol on ln: server.Server running
// the ordersvc handler.
type demoServer struct {
	ln   net.Listener
	srv  *server.Server
	done chan struct{}
}

func (s *demoServer) start() {
	s.srv = ordersvc.NewServer()
	s.srv.Logger = slog.New(slog.DiscardHandler)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.srv.Serve(s.ln)
	}()
}

func (s *demoServer) stop() {
	s.srv.Close()
	<-s.done
}
