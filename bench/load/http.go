package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/wirekit/wirekit/bench/peers/httppeer"
)

// httpDriver drives the HTTP/1.1 + JSON server with net/http's client.
// Each lane has a Transport of its own holding one keep-alive connection
// (MaxConnsPerHost and MaxIdleConnsPerHost 1), shared by the lane's Depth
// callers: HTTP/1.1 has no pipelining, so they take turns. That gives the
// server exactly Conns connections, as with the other peers, also when the
// load is so light that one pooled Transport would need only a few.
type httpDriver struct {
	cfg     *Config
	dialer  *Dialer
	url     string
	body    []byte
	ctype   string
	clients []*http.Client
}

func newHTTPDriver(cfg *Config, d *Dialer) *httpDriver {
	h := &httpDriver{cfg: cfg, dialer: d, clients: make([]*http.Client, cfg.Conns)}
	if cfg.Echo > 0 {
		h.url, h.ctype = "http://"+cfg.Addr+"/echo", "application/octet-stream"
		h.body = make([]byte, cfg.Echo)
		for i := range h.body {
			h.body[i] = byte(i)
		}
	} else {
		h.url, h.ctype = "http://"+cfg.Addr+"/order", "application/json"
		h.body, _ = json.Marshal(&httppeer.Order{OrderID: 1, Instrument: 1001, Side: "sell", TIF: "ioc", Price: 12_345_000_000, Qty: 100, Tag: "bench"})
	}
	return h
}

func (h *httpDriver) setup(ctx context.Context, i int) error {
	h.clients[i] = &http.Client{Transport: &http.Transport{
		DialContext:         h.dialer.DialContext,
		MaxConnsPerHost:     1,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     time.Minute,
	}}
	return h.call(ctx, h.clients[i], new(bytes.Buffer))
}

func (h *httpDriver) close() {
	for _, c := range h.clients {
		if c != nil {
			c.CloseIdleConnections()
		}
	}
}

func (h *httpDriver) run(ctx context.Context, i int, l *lane) error {
	c := h.clients[i]
	if h.cfg.Rate > 0 {
		return openLoop(ctx, h.cfg.Rate, func() error {
			start := time.Now()
			if err := h.call(ctx, c, new(bytes.Buffer)); err != nil {
				return err
			}
			l.answered(time.Since(start))
			return nil
		})
	}
	return callers(ctx, h.cfg.Depth, func(ctx context.Context, buf *bytes.Buffer) error {
		start := time.Now()
		if err := h.call(ctx, c, buf); err != nil {
			return err
		}
		l.answered(time.Since(start))
		return nil
	})
}

// call makes one request and checks its answer, read into buf.
func (h *httpDriver) call(ctx context.Context, c *http.Client, buf *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(h.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", h.ctype)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s: %s", errBadAnswer, resp.Status, buf.Bytes())
	}
	if h.cfg.Echo > 0 {
		if !bytes.Equal(buf.Bytes(), h.body) {
			return fmt.Errorf("%w: echo of %d bytes came back as %d", errBadAnswer, len(h.body), buf.Len())
		}
		return nil
	}
	var a httppeer.Ack
	if err := json.Unmarshal(buf.Bytes(), &a); err != nil || a.Status != "accepted" || a.OrderID != 1 {
		return fmt.Errorf("%w: %s", errBadAnswer, buf.Bytes())
	}
	return nil
}
