// Package ordersvc serves WK orders v1, wirekit's reference protocol
// (shared/spec/orders-v1.md), with package server and the code generated
// from examples/orders/orders.wire (package orderspb).
//
//	srv := ordersvc.NewServer()
//	err := srv.ListenAndServe("tcp", "127.0.0.1:7070")
//
// Every well-formed request gets exactly one answer, in request order (the
// server's default ordered mode; the handler answers synchronously anyway):
// an EchoResponse, an OrderAck, or an Error frame with code 5 (unknown type)
// or 6 (malformed payload), after which the connection stays open. Input the
// framing refuses gets an Error frame with code 1-4 (bad magic, bad version,
// bad checksum, frame too large) and then the connection closes.
package ordersvc

import (
	"errors"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/server"
)

// NewServer returns a server for the protocol: its framing, Handler and
// OnProtocolError. The caller may set the other fields (limits, timeouts,
// logger, metrics) before serving.
func NewServer() *server.Server {
	return &server.Server{
		Framing:         orderspb.Framing(),
		Handler:         Handler(),
		OnProtocolError: OnProtocolError,
	}
}

// Handler returns the protocol's request handler: the generated service
// dispatch with the spec's order checks behind it.
func Handler() server.Handler {
	return &orderspb.OrdersServer{Handler: &service{}, OnError: onError}
}

// service implements the Orders service of the schema. Its methods have
// pointer receivers, so that a call through the interface needs no wrapper
// copying the request once more.
type service struct{}

// Echo sends the payload back.
func (*service) Echo(_ *server.Request, req orderspb.EchoRequest) (orderspb.EchoResponse, error) {
	return orderspb.EchoResponse{Payload: req.Payload}, nil
}

// Place accepts or rejects an order with the spec's checks, those of package
// orders: the first that fails gives the reason.
func (*service) Place(_ *server.Request, o orderspb.NewOrder) (orderspb.OrderAck, error) {
	ack := orderspb.OrderAck{OrderID: o.OrderID, ServerTime: uint64(time.Now().UnixNano())}
	if ack.Reason = orderspb.Reason(orders.CheckOrder(o.Qty, o.Price, o.Instrument, orders.TIF(o.Tif))); ack.Reason != orderspb.ReasonNone {
		ack.Status = orderspb.StatusRejected
	}
	return ack, nil
}

// onError answers a request that is not one of the service's (code 5) or
// whose payload does not decode (code 6). The connection stays open.
func onError(w *server.Writer, r *server.Request, err error) {
	code := orderspb.ErrorCodeMalformed
	if errors.Is(err, orderspb.ErrNotRequest) {
		code = orderspb.ErrorCodeUnknownType
	}
	writeError(w, r.ID, code, err.Error())
}

// OnProtocolError answers input the framing refused with the protocol's
// Error frame, carrying the offending frame's id where it could be read,
// and closes the connection after codes 1-4, as the spec requires.
func OnProtocolError(w *server.Writer, err error) {
	var fe *frame.Error
	if !errors.As(err, &fe) {
		return
	}
	var code orderspb.ErrorCode
	switch fe.Kind {
	case frame.BadMagic:
		code = orderspb.ErrorCodeBadMagic
	case frame.BadVersion:
		code = orderspb.ErrorCodeBadVersion
	case frame.BadChecksum:
		code = orderspb.ErrorCodeBadChecksum
	case frame.TooLarge:
		code = orderspb.ErrorCodeFrameTooLarge
	default:
		return
	}
	var id uint64
	if fe.HasID {
		id = fe.ID
	}
	writeError(w, id, code, err.Error())
	w.CloseAfter()
}

func writeError(w *server.Writer, id uint64, code orderspb.ErrorCode, msg string) {
	e := orderspb.Error{Code: code, Message: []byte(msg)}
	buf, m := w.Begin(frame.Meta{Type: orderspb.TypeError, ID: id})
	// An Error frame is at most a few hundred bytes: never over the max.
	w.Finish(e.Append(buf), m)
}
