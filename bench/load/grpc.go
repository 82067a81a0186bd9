package load

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/wirekit/wirekit/bench/benchpb"
)

// grpcDriver drives the gRPC server with grpc-go's client, a ClientConn (one
// HTTP/2 connection) per lane, as gRPC's performance guide suggests for
// spreading load over connections. Unary: the lane's Depth callers each make
// one RPC at a time on the shared connection (HTTP/2 multiplexes them).
// Streaming: the lane opens one bidi stream and keeps Depth requests in
// flight on it, a sender and a receiver taking turns through Depth tokens.
type grpcDriver struct {
	cfg     *Config
	dialer  *Dialer
	stream  bool
	conns   []*grpc.ClientConn
	clients []benchpb.OrdersClient
	order   *benchpb.NewOrder
	echo    *benchpb.EchoRequest
}

func newGRPCDriver(cfg *Config, d *Dialer) *grpcDriver {
	g := &grpcDriver{
		cfg:     cfg,
		dialer:  d,
		stream:  cfg.Proto == ProtoGRPCStream,
		conns:   make([]*grpc.ClientConn, cfg.Conns),
		clients: make([]benchpb.OrdersClient, cfg.Conns),
		order: &benchpb.NewOrder{OrderId: 1, Instrument: 1001, Side: benchpb.Side_SIDE_SELL, Tif: benchpb.Tif_TIF_IOC,
			Price: 12_345_000_000, Qty: 100, Tag: "bench"},
	}
	if cfg.Echo > 0 {
		g.echo = &benchpb.EchoRequest{Payload: make([]byte, cfg.Echo)}
		for i := range g.echo.Payload {
			g.echo.Payload[i] = byte(i)
		}
	}
	return g
}

func (g *grpcDriver) setup(ctx context.Context, i int) error {
	cc, err := grpc.NewClient("passthrough:///"+g.cfg.Addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return g.dialer.DialContext(ctx, "tcp", addr)
		}))
	if err != nil {
		return err
	}
	g.conns[i], g.clients[i] = cc, benchpb.NewOrdersClient(cc)
	// One unary call connects and checks the server before the clock starts.
	return g.unary(ctx, g.clients[i])
}

func (g *grpcDriver) close() {
	for _, c := range g.conns {
		if c != nil {
			c.Close()
		}
	}
}

func (g *grpcDriver) run(ctx context.Context, i int, l *lane) error {
	c := g.clients[i]
	if !g.stream {
		call := func(ctx context.Context) error {
			start := time.Now()
			if err := g.unary(ctx, c); err != nil {
				return err
			}
			l.answered(time.Since(start))
			return nil
		}
		if g.cfg.Rate > 0 {
			return openLoop(ctx, g.cfg.Rate, func() error { return call(ctx) })
		}
		return callers(ctx, g.cfg.Depth, func(ctx context.Context, _ *bytes.Buffer) error { return call(ctx) })
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	send, recv, err := g.openStream(ctx, c)
	if err != nil {
		return err
	}
	if g.cfg.Rate > 0 {
		return openLoop(ctx, g.cfg.Rate, func() error {
			start := time.Now()
			if err := send(); err != nil {
				return err
			}
			if err := recv(); err != nil {
				return err
			}
			l.answered(time.Since(start))
			return nil
		})
	}
	return pipeline(ctx, cancel, g.cfg.Depth, send, recv, l)
}

// pipeline keeps depth requests in flight on a stream whose answers come in
// request order: the sender takes a token per request and notes its send
// time in the slot of its sequence number; the receiver gives a token back
// per answer, and the answer's latency is its slot's time to now.
func pipeline(ctx context.Context, cancel context.CancelFunc, depth int, send, recv func() error, l *lane) error {
	tokens := make(chan struct{}, depth)
	for range depth {
		tokens <- struct{}{}
	}
	sent := make([]atomic.Int64, depth) // written by the sender, read by the receiver
	base := time.Now()
	var wg sync.WaitGroup
	var sendErr error
	wg.Go(func() {
		defer cancel() // a failed send ends the receiver's wait too
		for i := 0; ; i = (i + 1) % depth {
			select {
			case <-tokens:
			case <-ctx.Done():
				return
			}
			sent[i].Store(int64(time.Since(base)))
			if sendErr = send(); sendErr != nil {
				return
			}
		}
	})
	var err error
	for i := 0; ; i = (i + 1) % depth {
		if err = recv(); err != nil {
			break
		}
		l.answered(time.Since(base) - time.Duration(sent[i].Load()))
		tokens <- struct{}{}
	}
	cancel()
	wg.Wait()
	if sendErr != nil {
		return sendErr // which broke the stream, and so made recv fail
	}
	return err
}

// unary makes one unary call and checks its answer.
func (g *grpcDriver) unary(ctx context.Context, c benchpb.OrdersClient) error {
	if g.echo != nil {
		r, err := c.Echo(ctx, g.echo)
		if err != nil {
			return err
		}
		return g.checkEcho(r)
	}
	a, err := c.Place(ctx, g.order)
	if err != nil {
		return err
	}
	return checkAck(a)
}

// openStream opens the lane's stream and returns its send and checked
// receive functions.
func (g *grpcDriver) openStream(ctx context.Context, c benchpb.OrdersClient) (send, recv func() error, err error) {
	if g.echo != nil {
		s, err := c.EchoStream(ctx)
		if err != nil {
			return nil, nil, err
		}
		var r benchpb.EchoResponse
		return func() error { return s.Send(g.echo) },
			func() error {
				if err := s.RecvMsg(&r); err != nil {
					return err
				}
				return g.checkEcho(&r)
			}, nil
	}
	s, err := c.PlaceStream(ctx)
	if err != nil {
		return nil, nil, err
	}
	var a benchpb.OrderAck
	return func() error { return s.Send(g.order) },
		func() error {
			if err := s.RecvMsg(&a); err != nil {
				return err
			}
			return checkAck(&a)
		}, nil
}

func checkAck(a *benchpb.OrderAck) error {
	if a.OrderId != 1 || a.Status != benchpb.Status_STATUS_ACCEPTED {
		return fmt.Errorf("%w: %v", errBadAnswer, a)
	}
	return nil
}

func (g *grpcDriver) checkEcho(r *benchpb.EchoResponse) error {
	if !bytes.Equal(r.Payload, g.echo.Payload) {
		return fmt.Errorf("%w: echo of %d bytes came back as %d", errBadAnswer, len(g.echo.Payload), len(r.Payload))
	}
	return nil
}
