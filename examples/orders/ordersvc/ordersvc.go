// Package ordersvc serves WK orders v1, wirekit's reference protocol
// (shared/spec/orders-v1.md), with package server.
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
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/server"
)

// NewServer returns a server for the protocol: its framing, Handler and
// OnProtocolError. The caller may set the other fields (limits, timeouts,
// logger, metrics) before serving.
func NewServer() *server.Server {
	return &server.Server{
		Framing:         orders.Framing(),
		Handler:         Handler(),
		OnProtocolError: OnProtocolError,
	}
}

// Handler returns the protocol's handler: it answers each request with
// orders.Answer, written in place in the connection's outbound buffer.
func Handler() server.Handler { return handler{} }

type handler struct{}

func (handler) ServeFrame(w *server.Writer, req *server.Request) {
	r := orders.Answer(req.Frame, uint64(time.Now().UnixNano()))
	buf, m := w.Begin(r.Meta)
	// The answers are at most a few hundred bytes, or an echo of a payload
	// the framing accepted: never over the framing's maximum.
	w.Finish(r.AppendBody(buf), m)
}

// OnProtocolError answers input the framing refused with the protocol's
// Error frame: the code orders.CodeFor gives, and the offending frame's
// request id if the framing could read it, else 0. After codes 1-4 the
// connection closes once the frame is sent. Errors the protocol has no code
// for get no frame (the server closes the connection if they are fatal).
func OnProtocolError(w *server.Writer, err error) {
	code, ok := orders.CodeFor(err)
	if !ok {
		return
	}
	var id uint64
	var fe *frame.Error
	if errors.As(err, &fe) && fe.HasID {
		id = fe.ID
	}
	r := orders.ErrorResponse(id, code, err.Error())
	buf, m := w.Begin(r.Meta)
	w.Finish(r.AppendBody(buf), m)
	if code.Closes() {
		w.CloseAfter()
	}
}
