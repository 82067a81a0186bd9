package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/wirekit/wirekit/bench/internal/wk"
)

// wkDriver drives a WK orders v1 server over TCP, one goroutine per
// connection. The requests are built once: Depth frames with the request ids
// 1..Depth, which the lane sends in turn, so that sending is a copy. Since a
// WK server answers in order, the answer to the oldest request in flight is
// always the next to arrive: its id and a ring of send times are all the
// bookkeeping a lane needs.
type wkDriver struct {
	cfg    *Config
	dialer *Dialer
	frames [][]byte
	conns  []net.Conn
	rsize  int // read buffer size
}

func newWKDriver(cfg *Config, d *Dialer) *wkDriver {
	w := &wkDriver{cfg: cfg, dialer: d, conns: make([]net.Conn, cfg.Conns)}
	tag := []byte("bench")
	for i := range cfg.Depth {
		id := uint32(i + 1)
		f := wk.Begin(nil, wk.TypeNewOrder, id)
		if cfg.Echo > 0 {
			f[3] = wk.TypeEchoRequest
			for j := range cfg.Echo {
				f = append(f, byte(j))
			}
		} else {
			f = wk.AppendOrder(f, &wk.Order{OrderID: uint64(id), Instrument: 1001, Side: 1, TIF: 1, Price: 12_345_000_000, Qty: 100, Tag: tag})
		}
		w.frames = append(w.frames, wk.Finish(f, 0))
	}
	// Room for every answer in flight twice over, so that a read never
	// waits for buffer space; at least 4 KiB, like a socket read.
	w.rsize = max(4<<10, 2*cfg.Depth*(max(cfg.Echo, 32)+wk.Overhead))
	return w
}

func (w *wkDriver) setup(ctx context.Context, i int) error {
	c, err := w.dialer.DialContext(ctx, "tcp", w.cfg.Addr)
	if err != nil {
		return err
	}
	w.conns[i] = c
	// One round trip checks the server before the clock starts.
	return w.roundTrip(c, make([]byte, w.rsize), nil)
}

func (w *wkDriver) close() {
	for _, c := range w.conns {
		if c != nil {
			c.Close()
		}
	}
}

func (w *wkDriver) run(ctx context.Context, i int, l *lane) error {
	c := w.conns[i]
	stop := context.AfterFunc(ctx, func() { c.Close() }) // unblocks a read
	defer stop()
	if w.cfg.Rate > 0 {
		in := make([]byte, w.rsize)
		return openLoop(ctx, w.cfg.Rate, func() error { return w.roundTrip(c, in, l) })
	}
	return w.closed(c, l)
}

// closed keeps Depth requests in flight: each read's answers are counted,
// and as many new requests go out, in one write.
func (w *wkDriver) closed(c net.Conn, l *lane) error {
	depth := len(w.frames)
	in := make([]byte, w.rsize)
	out := make([]byte, 0, depth*len(w.frames[0]))
	sent := make([]time.Duration, depth) // send time of each slot, since base
	base := time.Now()
	now := time.Since(base)
	for k := range depth {
		out = append(out, w.frames[k]...)
		sent[k] = now
	}
	head := 0 // the slot of the oldest request in flight
	r, n := 0, 0
	for {
		if _, err := c.Write(out); err != nil {
			return err
		}
		out = out[:0]
		for len(out) == 0 {
			if n == len(in) { // a partial answer at the end: move it to the front
				// (check made sure that it fits)
				n = copy(in, in[r:n])
				r = 0
			}
			m, err := c.Read(in[n:])
			if err != nil {
				return err
			}
			n += m
			now = time.Since(base)
			for {
				fl, err := w.check(in[r:n], head)
				if err != nil {
					return err
				}
				if fl == 0 {
					break
				}
				r += fl
				l.answered(now - sent[head])
				out = append(out, w.frames[head]...)
				sent[head] = now
				head = (head + 1) % depth
			}
			if r == n {
				r, n = 0, 0
			}
		}
	}
}

// roundTrip sends the first request and waits for its answer, which it
// counts in l if l is not nil.
func (w *wkDriver) roundTrip(c net.Conn, in []byte, l *lane) error {
	start := time.Now()
	if _, err := c.Write(w.frames[0]); err != nil {
		return err
	}
	n := 0
	for {
		m, err := c.Read(in[n:])
		if err != nil {
			return err
		}
		n += m
		fl, err := w.check(in[:n], 0)
		if err != nil {
			return err
		}
		if fl > 0 {
			if l != nil {
				l.answered(time.Since(start))
			}
			return nil
		}
	}
}

var errBadAnswer = errors.New("wrong answer")

// check looks for the answer to slot's request at the start of b: it
// returns its length, or 0 if it has not fully arrived, or an error if it is
// not the right answer.
func (w *wkDriver) check(b []byte, slot int) (int, error) {
	n, code := wk.Split(b)
	if code != 0 {
		return 0, fmt.Errorf("broken answer: error code %d", code)
	}
	if n == 0 {
		if len(b) >= wk.HeaderLen && wk.FrameLen(b) > w.rsize {
			return 0, fmt.Errorf("%w: %d bytes", errBadAnswer, wk.FrameLen(b))
		}
		return 0, nil
	}
	f := b[:n]
	if id := wk.ID(f); id != uint32(slot+1) {
		return 0, fmt.Errorf("%w: id %d, want %d", errBadAnswer, id, slot+1)
	}
	if w.cfg.Echo > 0 {
		if wk.Type(f) != wk.TypeEchoResponse || len(f) != len(w.frames[slot]) {
			return 0, fmt.Errorf("%w: type %d, %d bytes", errBadAnswer, wk.Type(f), len(f))
		}
		return n, nil
	}
	var a wk.Ack
	if wk.Type(f) != wk.TypeOrderAck || !wk.DecodeAck(wk.Payload(f), &a) || a.Status != 0 || a.OrderID != uint64(slot+1) {
		return 0, fmt.Errorf("%w: type %d, ack %+v", errBadAnswer, wk.Type(f), a)
	}
	return n, nil
}
