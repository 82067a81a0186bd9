// Command orders-client drives a WK orders v1 server (see
// shared/spec/orders-v1.md and cmd/orders-server) with pipelined requests
// and reports throughput and latency.
//
//	orders-client [-addr 127.0.0.1:7070] [-conns 1] [-depth 16]
//	              [-n COUNT | -duration 5s] [-echo SIZE] [-timeout 5s]
//	              [-tls [-ca FILE] [-insecure]] [-loops N [-loop-spin D]]
//
// It opens -conns connections and runs -conns × -depth goroutines, each
// making one call at a time, so about -depth requests are in flight on each
// connection. With -n it sends COUNT requests in all; otherwise it sends for
// -duration and then lets the calls in flight finish. With -loops the
// connections run on N event loops (client.Loops; Linux, not with -tls)
// rather than on two goroutines each: for thousands of connections; with
// -loop-spin the loops poll for up to D before they wait (Loops.SetSpin),
// for latency at one request in flight. Requests are NewOrders
// (each checked against its OrderAck's order id), or, with -echo, EchoRequests
// of SIZE bytes (each checked against its echo).
//
// The summary counts requests answered, errors (failed calls, Error frames,
// answers that do not match their request) and rejected orders, and gives
// requests/s and latency percentiles. The exit status is 1 if any request
// failed, 2 on bad flags.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	addr     string
	conns    int
	depth    int
	n        int64
	duration time.Duration
	echo     int
	timeout  time.Duration
	tls      bool
	ca       string
	insecure bool
	loops    int
	loopSpin time.Duration
}

// run runs the command; ctx ending (Ctrl-C) stops the load early and still
// prints the summary.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("orders-client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.addr, "addr", "127.0.0.1:7070", "server address")
	fs.IntVar(&o.conns, "conns", 1, "connections")
	fs.IntVar(&o.depth, "depth", 16, "requests in flight per connection")
	fs.Int64Var(&o.n, "n", 0, "requests to send in all; 0 means run for -duration")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long to send, unless -n is given")
	fs.IntVar(&o.echo, "echo", 0, "send EchoRequests of this many bytes instead of NewOrders")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "deadline of each request")
	fs.BoolVar(&o.tls, "tls", false, "connect over TLS")
	fs.StringVar(&o.ca, "ca", "", "with -tls: PEM file of the certificates to trust instead of the system's")
	fs.BoolVar(&o.insecure, "insecure", false, "with -tls: do not verify the server's certificate")
	fs.IntVar(&o.loops, "loops", 0, "run the connections on this many event loops; 0: on goroutines")
	fs.DurationVar(&o.loopSpin, "loop-spin", 0, "with -loops: how long, at most, an idle loop polls before it waits (client.Loops.SetSpin)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "orders-client: unexpected arguments %q\n", fs.Args())
		return 2
	case o.conns < 1 || o.depth < 1 || o.n < 0 || o.duration <= 0 || o.timeout <= 0 || o.loops < 0:
		fmt.Fprintln(stderr, "orders-client: -conns, -depth, -duration and -timeout must be positive, -n and -loops at least 0")
		return 2
	case o.echo < 0 || o.echo > orders.MaxPayload:
		fmt.Fprintf(stderr, "orders-client: -echo must be in [0, %d]\n", orders.MaxPayload)
		return 2
	}
	if err := load(ctx, o, stdout); err != nil {
		fmt.Fprintln(stderr, "orders-client:", err)
		return 1
	}
	return 0
}

// errFailed reports that some requests failed; the summary says which.
var errFailed = errors.New("some requests failed")

func load(ctx context.Context, o options, out io.Writer) error {
	cfg := client.Config{
		Framing:    orders.Framing(),
		Conns:      o.conns,
		MaxPending: max(client.DefaultMaxPending, o.depth),
	}
	if o.tls {
		tc, err := tlsConfig(o)
		if err != nil {
			return err
		}
		cfg.TLSConfig = tc
	}
	if o.loops > 0 {
		loops, err := client.NewLoops(o.loops)
		if err != nil {
			return err
		}
		defer loops.Close() // after the client's Close
		loops.SetSpin(o.loopSpin)
		cfg.Loops = loops
	}
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	c, err := client.Dial(dialCtx, "tcp", o.addr, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer c.Close()

	kind := "NewOrder"
	if o.echo > 0 {
		kind = fmt.Sprintf("EchoRequest of %d bytes", o.echo)
	}
	fmt.Fprintf(out, "%s: %s, %d conns × %d in flight\n", o.addr, kind, o.conns, o.depth)

	workers := make([]worker, o.conns*o.depth)
	var remaining atomic.Int64
	remaining.Store(o.n)
	deadline := time.Now().Add(o.duration)
	more := func() bool {
		if ctx.Err() != nil {
			return false
		}
		if o.n > 0 {
			return remaining.Add(-1) >= 0
		}
		return time.Now().Before(deadline)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.c, w.o, w.id = c, o, uint64(i)
		wg.Go(func() { w.run(more) })
	}
	wg.Wait()
	elapsed := time.Since(start)

	s := summarize(workers, elapsed)
	s.print(out)
	if s.errors > 0 {
		return errFailed
	}
	return nil
}

func tlsConfig(o options) (*tls.Config, error) {
	tc := &tls.Config{InsecureSkipVerify: o.insecure}
	if o.ca != "" {
		pem, err := os.ReadFile(o.ca)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", o.ca)
		}
	}
	return tc, nil
}

// worker makes one call at a time and records what came of it.
type worker struct {
	c  *client.Client
	o  options
	id uint64

	latencies []time.Duration // of the requests answered
	rejected  int64
	errors    int64
	firstErr  error
}

func (w *worker) run(more func() bool) {
	var body, dst []byte
	payload := make([]byte, w.o.echo)
	order := orders.NewOrder{Instrument: 1001, Side: orders.Buy, TIF: orders.Day, Price: 100_00000000, Qty: 10, Tag: []byte("orders-client")}
	for seq := uint64(1); more(); seq++ {
		req := client.Request{Meta: frame.Meta{Type: orders.TypeEchoRequest}, Body: payload}
		if w.o.echo == 0 {
			// Order ids are unique across workers: the worker in the high
			// bits, its sequence in the low ones.
			order.OrderID = w.id<<40 | seq
			body = order.Append(body[:0])
			req = client.Request{Meta: frame.Meta{Type: orders.TypeNewOrder}, Body: body}
		} else {
			payload[0], payload[len(payload)-1] = byte(seq), byte(seq>>8)
		}
		ctx, cancel := context.WithTimeout(context.Background(), w.o.timeout)
		start := time.Now()
		resp, err := w.c.Call(ctx, req, dst[:0])
		took := time.Since(start)
		cancel()
		if err == nil {
			dst = resp.Payload // keep the grown buffer
			err = w.check(resp, req, order.OrderID)
		}
		if err != nil {
			w.errors++
			if w.firstErr == nil {
				w.firstErr = err
			}
			continue
		}
		w.latencies = append(w.latencies, took)
	}
}

// check tells whether resp answers req, counting rejected orders.
func (w *worker) check(resp client.Response, req client.Request, orderID uint64) error {
	switch resp.Meta.Type {
	case orders.TypeError:
		var e orders.Error
		if err := e.Decode(resp.Payload); err != nil {
			return err
		}
		return fmt.Errorf("server error %d: %s", e.Code, e.Message)
	case orders.TypeOrderAck:
		var ack orders.OrderAck
		if err := ack.Decode(resp.Payload); err != nil {
			return err
		}
		if req.Meta.Type != orders.TypeNewOrder || ack.OrderID != orderID {
			return fmt.Errorf("OrderAck for order %d, want %d", ack.OrderID, orderID)
		}
		if ack.Status != orders.Accepted {
			w.rejected++
		}
		return nil
	case orders.TypeEchoResponse:
		if req.Meta.Type != orders.TypeEchoRequest || !bytes.Equal(resp.Payload, req.Body) {
			return errors.New("EchoResponse does not match its request")
		}
		return nil
	}
	return fmt.Errorf("response of type %d", resp.Meta.Type)
}

type summary struct {
	answered, errors, rejected int64
	firstErr                   error
	elapsed                    time.Duration
	latencies                  []time.Duration // sorted
}

func summarize(workers []worker, elapsed time.Duration) summary {
	s := summary{elapsed: elapsed}
	for i := range workers {
		w := &workers[i]
		s.latencies = append(s.latencies, w.latencies...)
		s.errors += w.errors
		s.rejected += w.rejected
		if s.firstErr == nil {
			s.firstErr = w.firstErr
		}
	}
	s.answered = int64(len(s.latencies))
	slices.Sort(s.latencies)
	return s
}

// percentile returns the latency that p percent of the answered requests
// did not exceed.
func (s summary) percentile(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(s.latencies)-1))
	return s.latencies[i].Round(time.Microsecond / 10)
}

func (s summary) print(out io.Writer) {
	fmt.Fprintf(out, "requests   %d answered, %d errors, %d orders rejected\n", s.answered, s.errors, s.rejected)
	fmt.Fprintf(out, "elapsed    %v\n", s.elapsed.Round(time.Microsecond))
	fmt.Fprintf(out, "throughput %.0f requests/s\n", float64(s.answered)/s.elapsed.Seconds())
	fmt.Fprintf(out, "latency    p50 %v  p90 %v  p99 %v  max %v\n",
		s.percentile(50), s.percentile(90), s.percentile(99), s.percentile(100))
	if s.firstErr != nil {
		fmt.Fprintf(out, "first error: %v\n", s.firstErr)
	}
}
