package stream

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/wirekit/wirekit/frame"
)

func TestRelease(t *testing.T) {
	wire := appendFrame(nil, []byte("frame"))
	wire = append(wire, goodMagic) // the start of the next frame
	r := &chunkReader{data: wire, size: len(wire)}
	w := &stallWriter{limit: 0}
	c := New(readWriter{Reader: r, Writer: w}, tf, Config{})

	c.Release()
	if c.inBox != nil || c.outBox != nil {
		t.Fatal("a new Conn holds buffers")
	}
	if _, err := c.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteFrame(frame.Meta{}, []byte("reply")); err != nil {
		t.Fatal(err)
	}
	c.Flush() // stalls: the reply stays queued
	c.Release()
	if c.inBox == nil {
		t.Error("Release dropped the inbound buffer holding a partial frame")
	}
	if c.outBox == nil {
		t.Error("Release dropped the outbound buffer holding a queued frame")
	}

	r.data = appendFrame(nil, []byte("next"))[1:]
	if f, err := c.ReadFrame(); err != nil || string(f.Payload) != "next" {
		t.Fatalf("after Release: %q, %v", f.Payload, err)
	}
	w.limit = -1
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if c.inBox != nil || c.outBox != nil {
		t.Fatal("an idle Conn holds buffers after Release")
	}
	if want := appendFrame(nil, []byte("reply")); !bytes.Equal(w.got, want) {
		t.Fatalf("wrote %x, want %x", w.got, want)
	}
}

func TestReleaseAfterClose(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	c := New(server, tf, Config{})
	go client.Write([]byte{goodMagic, 0, 0})
	if _, ok, _ := c.TryReadFrame(); ok {
		t.Fatal("a frame from nowhere")
	}
	done := make(chan error)
	go func() {
		_, err := c.ReadFrame()
		done <- err
	}()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("ReadFrame unblocked by Close: %v, want io.ErrClosedPipe", err)
	}
	if err := c.WriteFrame(frame.Meta{}, []byte("unsent")); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if c.inBox != nil || c.outBox != nil || c.OutboundBuffered() != 0 {
		t.Fatal("a closed Conn kept its buffers after Release")
	}
}

func TestNoDeadlines(t *testing.T) {
	c := New(readWriter{Reader: bytes.NewReader(nil), Writer: io.Discard}, tf, Config{})
	for name, set := range map[string]func(time.Time) error{
		"SetDeadline":      c.SetDeadline,
		"SetReadDeadline":  c.SetReadDeadline,
		"SetWriteDeadline": c.SetWriteDeadline,
	} {
		if err := set(time.Now()); err != os.ErrNoDeadline {
			t.Errorf("%s = %v, want os.ErrNoDeadline", name, err)
		}
	}
	if c.NetConn() != nil {
		t.Error("NetConn of an io.ReadWriter is not nil")
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close of a Conn over a non-Closer: %v", err)
	}
}

func TestNetConn(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	c := New(server, tf, Config{})
	if c.NetConn() != server {
		t.Fatal("NetConn is not the connection given to New")
	}
	c.Close()
	if _, err := client.Write([]byte{1}); err == nil {
		t.Fatal("Close did not close the underlying connection")
	}
}

// TestFullDuplex runs a Conn's reading and writing sides in two goroutines
// against an echo server over TCP, under the race detector.
func TestFullDuplex(t *testing.T) {
	client, server := tcpPair(t)
	deadline := time.Now().Add(10 * time.Second)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)

	const frames = 2000
	var wg sync.WaitGroup
	wg.Go(func() { echo(t, New(server, tf, Config{ReadSize: 256, HighWater: 1024})) })

	c := New(client, tf, Config{ReadSize: 128, HighWater: 512})
	wg.Go(func() {
		for i := range frames {
			if err := c.WriteFrame(frame.Meta{}, payloadN(i%50, i)); err != nil {
				t.Error(err)
				return
			}
			if !c.Writable() || i == frames-1 {
				if err := c.Flush(); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	for i := range frames {
		f, err := c.ReadFrame()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(f.Payload, payloadN(i%50, i)) {
			t.Fatalf("frame %d: wrong payload", i)
		}
	}
	client.Close()
	wg.Wait()
}

// echo sends every frame back, flushing when no complete frame is left, as a
// server does (DESIGN decision 3). It returns when the connection ends.
func echo(t *testing.T, c *Conn) {
	f, err := c.ReadFrame()
	for err == nil {
		if err = c.WriteFrame(f.Meta, f.Payload); err != nil {
			break
		}
		var ok bool
		if f, ok, err = c.TryReadFrame(); !ok && err == nil {
			if err = c.Flush(); err == nil {
				c.Release()
				f, err = c.ReadFrame()
			}
		}
	}
	if err != io.EOF {
		t.Errorf("echo: %v", err)
	}
	c.Close()
}

func TestPoolSizes(t *testing.T) {
	var p Pool
	for _, tc := range []struct{ size, cap int }{{0, 1}, {1, 1}, {2, 2}, {3, 4}, {1000, 1024}, {4096, 4096}, {4097, 8192}} {
		b := p.Get(tc.size)
		if len(*b) != 0 || cap(*b) != tc.cap {
			t.Errorf("Get(%d): len %d, cap %d; want 0, %d", tc.size, len(*b), cap(*b), tc.cap)
		}
	}
	grown := make([]byte, 10, 6000)
	p.Put(&grown)
	if len(grown) != 0 {
		t.Errorf("Put left the length at %d", len(grown))
	}
	// sync.Pool may drop what it holds at any time; when it keeps the
	// buffer, a request its capacity covers gets it.
	if b := p.Get(4096); cap(*b) < 4096 {
		t.Errorf("Get(4096) returned capacity %d", cap(*b))
	}
	p.Put(new([]byte)) // a zero-capacity buffer is not kept
}

// TestResetCarriesOffset: an idle Conn reset for the next stretch of a
// connection reports errors at offsets that count from the connection's
// start, and serves frames as a new Conn would.
func TestResetCarriesOffset(t *testing.T) {
	first := appendFrame(nil, []byte("one"))
	c := New(readWriter{Reader: &chunkReader{data: first, size: len(first)}, Writer: &stallWriter{limit: -1}}, tf, Config{})
	if !c.Idle() {
		t.Error("a new Conn is not Idle")
	}
	if _, err := c.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	if c.Idle() {
		t.Error("Idle while holding the inbound buffer")
	}
	c.Release()
	if !c.Idle() || c.Offset() != int64(len(first)) {
		t.Fatalf("after Release: Idle %v, Offset %d, want true and %d", c.Idle(), c.Offset(), len(first))
	}

	bad := append(appendFrame(nil, []byte("two")), 0x00) // then a bad magic
	w := &stallWriter{limit: -1}
	c.Reset(readWriter{Reader: &chunkReader{data: bad, size: len(bad)}, Writer: w}, c.Offset())
	if f, err := c.ReadFrame(); err != nil || string(f.Payload) != "two" {
		t.Fatalf("after Reset: %q, %v", f.Payload, err)
	}
	_, err := c.ReadFrame()
	if fe := mustFrameError(t, err); fe.Offset != int64(len(first)+len(bad)-1) {
		t.Errorf("error at offset %d, want %d", fe.Offset, len(first)+len(bad)-1)
	}
	if c.Idle() {
		t.Error("Idle after a fatal error")
	}
	if err := c.WriteFrame(frame.Meta{}, []byte("out")); err != nil || c.Flush() != nil {
		t.Fatal("writing after Reset failed")
	}
	if want := appendFrame(nil, []byte("out")); !bytes.Equal(w.got, want) {
		t.Errorf("wrote %x, want %x", w.got, want)
	}
}
