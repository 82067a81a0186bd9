package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPlaceJSON(t *testing.T) {
	h := ordersHTTP()
	for _, c := range []struct {
		body   string
		code   int
		status string
		reason string
	}{
		{`{"order_id":42,"instrument":1001,"side":"sell","tif":"ioc","price":12345000000,"qty":100,"tag":"abc"}`, 200, "accepted", "none"},
		{`{"order_id":1,"instrument":1,"side":"buy","tif":"day","price":1,"qty":0}`, 200, "rejected", "bad_qty"},
		// The checks run in the spec's order: qty, price, instrument, tif.
		{`{"order_id":1,"instrument":0,"side":"buy","tif":"gtc","price":0,"qty":1}`, 200, "rejected", "bad_price"},
		{`{"order_id":1,"instrument":0,"side":"buy","tif":"gtc","price":1,"qty":1}`, 200, "rejected", "bad_instrument"},
		{`{"order_id":1,"instrument":1,"side":"buy","tif":"gtc","price":1,"qty":1}`, 200, "rejected", "bad_tif"},
		{`{"order_id":1,"instrument":1,"side":"short","tif":"day","price":1,"qty":1}`, 400, "", ""},
		{`{"order_id":"x"}`, 400, "", ""},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/order", strings.NewReader(c.body)))
		if w.Code != c.code {
			t.Errorf("%s: status %d, want %d", c.body, w.Code, c.code)
			continue
		}
		if c.code != 200 {
			continue
		}
		var ack httpAck
		if err := json.Unmarshal(w.Body.Bytes(), &ack); err != nil || ack.Status != c.status || ack.Reason != c.reason || ack.ServerTime == 0 {
			t.Errorf("%s: answer %s (%v), want %s/%s", c.body, w.Body, err, c.status, c.reason)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/order", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /order: %d", w.Code)
	}
}
