// Package httppeer is the HTTP/1.1 + JSON peer of the benchmark: the orders
// service as most teams would first write it, with the standard library's
// net/http server and encoding/json, keep-alive on (net/http's default).
//
//	POST /order   {"order_id":42,"instrument":1001,"side":"sell","tif":"ioc",
//	               "price":12345000000,"qty":100,"tag":"abc"}
//	          ->  {"order_id":42,"status":"accepted","reason":"none",
//	               "server_time":1700000000000000000}
//	POST /echo    any bytes -> the same bytes (application/octet-stream)
//
// A body that is not a valid order gets 400 with {"code":6,"message":...},
// the WK Error code for a malformed payload.
package httppeer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/wirekit/wirekit/bench/internal/wk"
)

// Order is a NewOrder in JSON. Side is "buy" or "sell"; TIF is "day", "ioc"
// or "fok" (anything else is rejected as a bad tif, like WK's tif 3).
type Order struct {
	OrderID    uint64 `json:"order_id"`
	Instrument uint32 `json:"instrument"`
	Side       string `json:"side"`
	TIF        string `json:"tif"`
	Price      int64  `json:"price"`
	Qty        uint32 `json:"qty"`
	Tag        string `json:"tag"`
}

// Ack is an OrderAck in JSON. Status is "accepted" or "rejected"; Reason is
// "none", "bad_qty", "bad_price", "bad_instrument" or "bad_tif".
type Ack struct {
	OrderID    uint64 `json:"order_id"`
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	ServerTime uint64 `json:"server_time"`
}

// Error is the body of a 400 answer.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

var reasons = [...]string{"none", "bad_qty", "bad_price", "bad_instrument", "bad_tif"}

var tifs = map[string]uint8{"day": 0, "ioc": 1, "fok": 2}

// Server is a running server.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Start listens on the TCP address addr and serves in the background.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /order", order)
	mux.HandleFunc("POST /echo", echo)
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln: ln}
	go s.srv.Serve(ln)
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close closes the listener and every connection.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.ln.Close() // in case Serve has not taken it over yet
	return err
}

func order(w http.ResponseWriter, r *http.Request) {
	var o Order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
		fail(w, err)
		return
	}
	var side uint8
	switch o.Side {
	case "buy":
	case "sell":
		side = 1
	default:
		fail(w, errors.New("side must be buy or sell"))
		return
	}
	tif, ok := tifs[o.TIF]
	if !ok {
		tif = 3
	}
	wo := wk.Order{OrderID: o.OrderID, Instrument: o.Instrument, Side: side, TIF: tif, Price: o.Price, Qty: o.Qty}
	ack := Ack{OrderID: o.OrderID, Status: "accepted", ServerTime: uint64(time.Now().UnixNano())}
	reason := wo.Check()
	if reason != wk.ReasonNone {
		ack.Status = "rejected"
	}
	ack.Reason = reasons[reason]
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(&ack)
}

func fail(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(&Error{Code: int(wk.CodeMalformed), Message: err.Error()})
}

// bufs keeps echo bodies' buffers from request to request.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func echo(w http.ResponseWriter, r *http.Request) {
	b := bufs.Get().(*bytes.Buffer)
	defer bufs.Put(b)
	b.Reset()
	if _, err := b.ReadFrom(io.LimitReader(r.Body, wk.MaxPayload)); err != nil {
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(b.Bytes())
}
