package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/examples/orders/orderspb"
)

// The orders service over HTTP/1.1 + JSON, as a team would first write it
// with the standard library: net/http's server and client (keep-alive on,
// their default) and encoding/json.
//
//	POST /order  {"order_id":42,"instrument":1001,"side":"sell","tif":"ioc",
//	              "price":12345000000,"qty":100,"tag":"abc"}
//	         ->  {"order_id":42,"status":"accepted","reason":"none",
//	              "server_time":1700000000000000000}
//
// Enums travel as their names in the schema. A tif that is not one of them is
// WK's invalid tif 3 (rejected with bad_tif); a body that is not an order gets
// 400 Bad Request.

// httpOrder is a NewOrder in JSON.
type httpOrder struct {
	OrderID    uint64 `json:"order_id"`
	Instrument uint32 `json:"instrument"`
	Side       string `json:"side"`
	Tif        string `json:"tif"`
	Price      int64  `json:"price"`
	Qty        uint32 `json:"qty"`
	Tag        string `json:"tag"`
}

// httpAck is an OrderAck in JSON.
type httpAck struct {
	OrderID    uint64 `json:"order_id"`
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	ServerTime uint64 `json:"server_time"`
}

func orderToJSON(o *orderspb.NewOrder) httpOrder {
	return httpOrder{
		OrderID: o.OrderID, Instrument: o.Instrument, Side: o.Side.String(), Tif: o.Tif.String(),
		Price: o.Price, Qty: o.Qty, Tag: string(o.Tag),
	}
}

// ordersHTTP returns the server's handler.
func ordersHTTP() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /order", placeJSON)
	return mux
}

// placeJSON applies the spec's order checks, those of package orders, which
// ordersvc runs for the wirekit server too.
func placeJSON(w http.ResponseWriter, r *http.Request) {
	var req httpOrder
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if _, ok := enumNamed(req.Side, orderspb.SideBuy, orderspb.SideSell); !ok {
		http.Error(w, fmt.Sprintf("side %q is not buy or sell", req.Side), http.StatusBadRequest)
		return
	}
	tif, ok := enumNamed(req.Tif, orderspb.TifDay, orderspb.TifIoc, orderspb.TifFok)
	if !ok {
		tif = 3
	}
	reason := orderspb.Reason(orders.CheckOrder(req.Qty, req.Price, req.Instrument, orders.TIF(tif)))
	status := orderspb.StatusAccepted
	if reason != orderspb.ReasonNone {
		status = orderspb.StatusRejected
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(&httpAck{
		OrderID: req.OrderID, Status: status.String(), Reason: reason.String(),
		ServerTime: uint64(time.Now().UnixNano()),
	})
}

// enumNamed returns the one of values whose name is name.
func enumNamed[E fmt.Stringer](name string, values ...E) (E, bool) {
	for _, v := range values {
		if v.String() == name {
			return v, true
		}
	}
	var zero E
	return zero, false
}

// driveHTTP is a load connection of the HTTP side: one keep-alive connection
// with one request in flight, since net/http's client does not pipeline. It
// places loadOrder, each time with a new order_id, until lc stops.
func driveHTTP(ctx context.Context, addr string, _ demoConfig, lc *loadConn) error {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return lc.dial(ctx, addr)
		},
		MaxIdleConnsPerHost: 1,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := "http://" + addr + "/order"
	order := orderToJSON(&loadOrder)
	for !lc.stopping() {
		measuring := lc.measuring()
		order.OrderID++
		body, err := json.Marshal(&order)
		if err != nil {
			return err
		}
		sent := time.Now()
		ack, err := postOrder(ctx, client, url, body)
		if err != nil {
			return err
		}
		if measuring {
			lc.lat.record(time.Since(sent))
		}
		if ack.OrderID != order.OrderID || ack.Status != "accepted" {
			return fmt.Errorf("order %d answered with %+v", order.OrderID, ack)
		}
		lc.answered.Add(1)
	}
	return nil
}

func postOrder(ctx context.Context, client *http.Client, url string, body []byte) (httpAck, error) {
	var ack httpAck
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return ack, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return ack, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return ack, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	err = json.NewDecoder(resp.Body).Decode(&ack)
	// The connection goes back to the pool only once its body is read to
	// the end: the newline after the JSON value.
	io.Copy(io.Discard, resp.Body)
	return ack, err
}
