// Package grpcpeer is the gRPC peer of the benchmark: the orders service of
// benchpb (WK orders v1's messages in protobuf) on grpc-go, over plaintext
// HTTP/2. It serves both shapes the benchmark compares:
//
//   - unary: Place(NewOrder) returns OrderAck, one RPC per order, many RPCs
//     in flight on each connection (HTTP/2 streams);
//   - bidi streaming: PlaceStream, one long-lived stream per connection on
//     which the client pipelines orders and the server answers in order, as
//     gRPC's performance guide recommends for a long-lived flow of messages
//     (grpc.io/docs/guides/performance).
//
// The server keeps grpc-go's defaults otherwise (the shared write buffer,
// the pooled receive buffers and BDP-based flow-control windows are on by
// default in this version).
package grpcpeer

import (
	"context"
	"net"
	"time"

	"google.golang.org/grpc"

	"github.com/wirekit/wirekit/bench/benchpb"
	"github.com/wirekit/wirekit/bench/internal/wk"
)

// Server is a running gRPC server.
type Server struct {
	srv *grpc.Server
	ln  net.Listener
}

// Start listens on the TCP address addr and serves in the background.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{srv: grpc.NewServer(), ln: ln}
	benchpb.RegisterOrdersServer(s.srv, service{})
	go s.srv.Serve(ln)
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server and closes its connections.
func (s *Server) Close() error {
	s.srv.Stop()
	return nil
}

type service struct {
	benchpb.UnimplementedOrdersServer
}

// Answer returns the OrderAck for o by the spec's checks, with the server
// time now.
func Answer(o *benchpb.NewOrder) *benchpb.OrderAck {
	wo := wk.Order{Instrument: o.Instrument, TIF: uint8(o.Tif), Price: o.Price, Qty: o.Qty}
	ack := &benchpb.OrderAck{OrderId: o.OrderId, ServerTime: uint64(time.Now().UnixNano())}
	if r := wo.Check(); r != wk.ReasonNone {
		ack.Status = benchpb.Status_STATUS_REJECTED
		ack.Reason = benchpb.Reason(r)
	}
	return ack
}

func (service) Place(_ context.Context, o *benchpb.NewOrder) (*benchpb.OrderAck, error) {
	return Answer(o), nil
}

func (service) Echo(_ context.Context, r *benchpb.EchoRequest) (*benchpb.EchoResponse, error) {
	return &benchpb.EchoResponse{Payload: r.Payload}, nil
}

// PlaceStream answers each order of the stream in turn. It receives into one
// message, which Unmarshal resets, but sends a new ack each time: grpc-go
// does not allow a message to be changed after SendMsg (stats handlers may
// read it later).
func (service) PlaceStream(s grpc.BidiStreamingServer[benchpb.NewOrder, benchpb.OrderAck]) error {
	var o benchpb.NewOrder
	for {
		if err := s.RecvMsg(&o); err != nil {
			return nil // the client closed the stream, or the connection died
		}
		if err := s.Send(Answer(&o)); err != nil {
			return err
		}
	}
}

func (service) EchoStream(s grpc.BidiStreamingServer[benchpb.EchoRequest, benchpb.EchoResponse]) error {
	for {
		r, err := s.Recv()
		if err != nil {
			return nil
		}
		if err := s.Send(&benchpb.EchoResponse{Payload: r.Payload}); err != nil {
			return err
		}
	}
}
