// Package traffic makes traffic of wirekit's test protocols over loopback,
// with wirekit's own servers and clients, for the tests of the tools that
// show frames; package protocoltest says what each frame holds.
package traffic

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/examples/orders/ordersvc"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/internal/protocoltest"
	"github.com/wirekit/wirekit/internal/tshark"
	"github.com/wirekit/wirekit/trace"
)

// A Conn is what one TCP connection carried: its client's port and the
// bytes each side sent.
type Conn struct {
	ClientPort     int
	Client, Server []byte
}

// OrdersOptions say how to record the traffic of Orders.
type OrdersOptions struct {
	// Listener wraps the server's listener (a trace.Tap's Listener).
	Listener func(net.Listener) net.Listener
	// Dial wraps each connection the client side dials (a trace.Tap's
	// ClientConn).
	Dial func(net.Conn) net.Conn
	// Listen, if set, is called with the server's port once it listens,
	// before any traffic: time to start a capture filtered on it.
	Listen func(port int)
}

// Orders serves the reference protocol with package server and
// examples/orders/ordersvc on 127.0.0.1 and drives it through two
// connections:
//
//  1. the generated client (orderspb.OrdersClient on package client):
//     orders and an echo, called concurrently, so pipelined;
//  2. a raw connection that writes, in one Write, several frames (an
//     order, an echo, a frame of unknown type 9 and an order with its
//     reserved bits set, which the server answers with Error frames and
//     carries on); then one frame in three Writes 20 ms apart, so that it
//     is cut across TCP segments; then an order whose checksum is wrong,
//     after which the server sends an Error frame and closes.
//
// It returns what each connection carried, each side's bytes in order.
func Orders(t testing.TB, opts OrdersOptions) []Conn {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Listener != nil {
		ln = opts.Listener(ln)
	}
	srv := ordersvc.NewServer()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		<-served
	}()
	if opts.Listen != nil {
		opts.Listen(ln.Addr().(*net.TCPAddr).Port)
	}

	var mu sync.Mutex
	var conns []*recorder
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		r := &recorder{Conn: nc}
		mu.Lock()
		conns = append(conns, r)
		mu.Unlock()
		if opts.Dial != nil {
			return opts.Dial(r), nil
		}
		return r, nil
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	generatedClient(t, ctx, addr, dial)
	rawClient(t, ctx, addr, dial)

	mu.Lock()
	defer mu.Unlock()
	var out []Conn
	for _, r := range conns {
		r.mu.Lock()
		out = append(out, Conn{ClientPort: r.LocalAddr().(*net.TCPAddr).Port, Client: r.wrote, Server: r.read})
		r.mu.Unlock()
	}
	return out
}

// generatedClient places orders and echoes through the generated client.
func generatedClient(t testing.TB, ctx context.Context, addr string, dial func(context.Context, string, string) (net.Conn, error)) {
	cl, err := client.Dial(ctx, "tcp", addr, client.Config{Framing: orderspb.Framing(), Dialer: dial})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	oc := orderspb.OrdersClient{Client: cl}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			order := &orderspb.NewOrder{OrderID: uint64(100 + i), Instrument: 1001, Side: orderspb.Side(i % 2),
				Tif: orderspb.Tif(i % 3), Price: int64(i) * 12_345_000_000, Qty: uint32(i * 10), Tag: []byte(fmt.Sprintf("tag-%d", i))}
			var ack orderspb.OrderAck
			if _, err := oc.Place(ctx, order, &ack, nil); err != nil {
				errs <- err
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		var resp orderspb.EchoResponse
		if _, err := oc.Echo(ctx, &orderspb.EchoRequest{Payload: []byte("hello, wire")}, &resp, nil); err != nil {
			errs <- err
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("generated client: %v", err)
	}
}

// rawClient writes frames as they are on the wire, some of them broken.
func rawClient(t testing.TB, ctx context.Context, addr string, dial func(context.Context, string, string) (net.Conn, error)) {
	nc, err := dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	readAll := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, nc)
		readAll <- err
	}()

	order := func(id uint64, o orderspb.NewOrder) []byte {
		b, err := orderspb.AppendFrame(nil, frame.Meta{ID: id}, &o)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	spec := orderspb.NewOrder{OrderID: 42, Instrument: 1001, Side: orderspb.SideSell, Tif: orderspb.TifIoc, Price: 12_345_000_000, Qty: 100, Tag: []byte("abc")}
	var batch []byte
	batch = append(batch, order(7, spec)...) // the spec's test vector
	echo, _ := orderspb.AppendFrame(nil, frame.Meta{ID: 8}, &orderspb.EchoRequest{Payload: []byte{0, 1, 2, 0xff}})
	batch = append(batch, echo...)
	batch = append(batch, protocoltest.OrdersFrame(9, 9, []byte("??"))...) // unknown type
	reserved := order(10, orderspb.NewOrder{OrderID: 43, Instrument: 7, Side: orderspb.SideBuy, Tif: orderspb.TifFok, Price: -5, Qty: 1, Tag: []byte("é")})
	reserved[24] |= 0x03 // reserved bits set
	batch = append(batch, protocoltest.RefreshCRC(reserved)...)
	write(t, nc, batch)

	split := order(11, orderspb.NewOrder{OrderID: 44, Instrument: 2, Side: orderspb.SideSell, Tif: orderspb.TifDay, Price: 1, Qty: 3, Tag: []byte("split across segments")})
	for _, part := range [][]byte{split[:5], split[5:30], split[30:]} {
		write(t, nc, part)
		time.Sleep(20 * time.Millisecond)
	}
	bad := order(12, spec)
	bad[len(bad)-1]++ // the checksum no longer matches
	write(t, nc, bad)
	if err := <-readAll; err != nil {
		t.Fatalf("raw client: reading until the server closes: %v", err)
	}
}

func write(t testing.TB, w io.Writer, b []byte) {
	t.Helper()
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
}

// recorder keeps what a client connection wrote and read.
type recorder struct {
	net.Conn
	mu          sync.Mutex
	wrote, read []byte
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.Conn.Write(p)
	r.mu.Lock()
	r.wrote = append(r.wrote, p[:n]...)
	r.mu.Unlock()
	return n, err
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.read = append(r.read, p[:n]...)
	r.mu.Unlock()
	return n, err
}

// A Recording is traffic of the reference protocol and the capture files
// that hold it.
type Recording struct {
	Conns      []Conn
	ServerPort int
	Files      []string
}

// OrdersTapped runs Orders recorded by trace.Tap into two files of a
// temporary directory: the client's side in segments of 7 bytes, so that
// every frame is cut across several, and the server's in segments of 1460,
// where one segment carries several pipelined frames.
func OrdersTapped(t testing.TB) Recording {
	t.Helper()
	dir := t.TempDir()
	rec := Recording{Files: []string{filepath.Join(dir, "client.pcapng"), filepath.Join(dir, "server.pcapng")}}
	var taps [2]*trace.Tap
	var files [2]*os.File
	for i, mss := range []int{7, trace.DefaultMSS} {
		var err error
		if files[i], err = os.Create(rec.Files[i]); err != nil {
			t.Fatal(err)
		}
		if taps[i], err = trace.NewTap(bufio.NewWriter(files[i]), trace.TapOptions{MSS: mss, MaxBytes: 64 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	rec.Conns = Orders(t, OrdersOptions{
		Listener: taps[1].Listener,
		Dial:     taps[0].ClientConn,
		Listen:   func(port int) { rec.ServerPort = port },
	})
	for i := range taps {
		if err := taps[i].Close(); err != nil {
			t.Fatal(err)
		}
		if err := files[i].Close(); err != nil {
			t.Fatal(err)
		}
	}
	return rec
}

// OrdersCaptured runs Orders while dumpcap captures it on the loopback
// interface, into one file; t is skipped if dumpcap cannot capture (see
// tshark.CaptureLoopback).
func OrdersCaptured(t testing.TB) Recording {
	t.Helper()
	var capture *tshark.Capture
	var rec Recording
	rec.Conns = Orders(t, OrdersOptions{Listen: func(port int) {
		rec.ServerPort = port
		capture = tshark.CaptureLoopback(t, fmt.Sprintf("tcp port %d", port))
	}})
	rec.Files = []string{capture.Stop(t)}
	return rec
}
