package server_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/examples/orders/ordersvc"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/server"
)

// BenchmarkServePath runs the reference service's per-request path (read
// and split a frame, decode, check, answer, checksum, queue, flush once per
// batch) over an in-memory connection that hands out batches of 16
// pipelined orders: the server's user-space CPU per request with no system
// call in the way. One op is one request answered.
//
//	go test ./server -run '^$' -bench ServePath -benchmem -count 10 -cpu 1
func BenchmarkServePath(b *testing.B) {
	var batch []byte
	for i := range 16 {
		o := orderspb.NewOrder{OrderID: uint64(i + 1), Instrument: 1001, Price: 100_00000000, Qty: 10, Tag: []byte("bench")}
		batch, _ = orderspb.AppendFrame(batch, frame.Meta{ID: uint64(i + 1)}, &o)
	}
	srv := ordersvc.NewServer()
	srv.Engine = server.EngineGoroutine // any net.Conn: the in-memory one too
	closed := make(chan struct{})
	srv.ConnState = func(_ net.Conn, st server.ConnState) {
		if st == server.StateClosed {
			close(closed)
		}
	}
	mc := &memConn{batch: batch, batches: (b.N + 15) / 16}
	ln := &oneConnListener{c: mc, done: make(chan struct{})}
	b.ReportAllocs()
	b.ResetTimer()
	go srv.Serve(ln)
	<-closed
	b.StopTimer()
	srv.Close()
	if want := mc.batches * 16 * orderspb.Framing().Overhead(); mc.written < want {
		b.Fatalf("%d bytes answered, want at least %d", mc.written, want)
	}
}

// memConn serves batches of requests until it has served batches of them,
// then reads EOF; it counts what it is written.
type memConn struct {
	batch   []byte
	off     int
	batches int
	written int
}

func (c *memConn) Read(p []byte) (int, error) {
	if c.batches == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.batch[c.off:])
	if c.off += n; c.off == len(c.batch) {
		c.off = 0
		c.batches--
	}
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error)      { c.written += len(p); return len(p), nil }
func (c *memConn) Close() error                     { return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7070} }
func (c *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// oneConnListener accepts c once, then waits until it is closed.
type oneConnListener struct {
	c    net.Conn
	once sync.Once
	done chan struct{}
	took bool
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	if !l.took {
		l.took = true
		return l.c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *oneConnListener) Addr() net.Addr { return l.c.LocalAddr() }
