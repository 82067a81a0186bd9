package orderspb

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// desk implements OrdersHandler with the spec's order checks.
type desk struct{}

func (desk) Echo(_ *server.Request, req EchoRequest) (EchoResponse, error) {
	return EchoResponse(req), nil
}

func (desk) Place(_ *server.Request, o NewOrder) (OrderAck, error) {
	ack := OrderAck{OrderID: o.OrderID, ServerTime: 1}
	switch {
	case o.Qty == 0:
		ack.Reason = ReasonBadQty
	case o.Price <= 0:
		ack.Reason = ReasonBadPrice
	case o.Instrument == 0:
		ack.Reason = ReasonBadInstrument
	case !o.Tif.Valid():
		ack.Reason = ReasonBadTif
	}
	if ack.Reason != ReasonNone {
		ack.Status = StatusRejected
	}
	return ack, nil
}

// errorReply answers what the service cannot, as the spec says: an Error
// with code 5 or 6.
func errorReply(w *server.Writer, r *server.Request, err error) {
	e := Error{Code: ErrorCodeMalformed, Message: []byte(err.Error())}
	if errors.Is(err, ErrNotRequest) {
		e.Code = ErrorCodeUnknownType
	}
	buf, mark := w.Begin(frame.Meta{Type: TypeError, ID: r.ID})
	_ = w.Finish(e.Append(buf), mark)
}

func TestService(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{Framing: Framing(), Handler: &OrdersServer{Handler: desk{}, OnError: errorReply}}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		<-done
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl, err := client.Dial(ctx, "tcp", ln.Addr().String(), client.Config{Framing: Framing()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c := OrdersClient{Client: cl}

	var ack OrderAck
	buf, err := c.Place(ctx, &specOrder, &ack, nil)
	if err != nil || ack != (OrderAck{OrderID: 42, ServerTime: 1}) {
		t.Fatalf("Place: %+v %v", ack, err)
	}
	bad := specOrder
	bad.Qty = 0
	if buf, err = c.Place(ctx, &bad, &ack, buf); err != nil || ack.Status != StatusRejected || ack.Reason != ReasonBadQty {
		t.Fatalf("Place without qty: %+v %v", ack, err)
	}
	var echo EchoResponse
	if _, err := c.Echo(ctx, &EchoRequest{Payload: []byte("ping")}, &echo, buf); err != nil || string(echo.Payload) != "ping" {
		t.Fatalf("Echo: %q %v", echo.Payload, err)
	}

	// A tag that is not UTF-8 does not decode: the server answers with an
	// Error, which the client reports as an unexpected response.
	bad = specOrder
	bad.Tag = []byte{0xff}
	_, err = c.Place(ctx, &bad, &ack, nil)
	var ur *UnexpectedResponse
	if !errors.As(err, &ur) || ur.Meta.Type != TypeError {
		t.Fatalf("malformed order: %v", err)
	}
	var e Error
	if err := e.Decode(ur.Payload); err != nil || e.Code != ErrorCodeMalformed {
		t.Errorf("error reply %+v %v", e, err)
	}
}
