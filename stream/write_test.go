package stream

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/wirekit/wirekit/frame"
)

func TestFlushIsOneWrite(t *testing.T) {
	w := &stallWriter{limit: -1}
	c := New(readWriter{Writer: w}, tf, Config{})
	var want []byte
	for i := range 16 {
		p := payloadN(40, i)
		want = appendFrame(want, p)
		if err := c.WriteFrame(frame.Meta{}, p); err != nil {
			t.Fatal(err)
		}
	}
	if w.writes != 0 {
		t.Fatalf("%d writes before Flush, want none", w.writes)
	}
	if n := c.OutboundBuffered(); n != len(want) {
		t.Fatalf("OutboundBuffered = %d, want %d", n, len(want))
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if w.writes != 1 || !bytes.Equal(w.got, want) {
		t.Fatalf("%d writes of %d bytes, want 1 write of the %d queued", w.writes, len(w.got), len(want))
	}
	if err := c.Flush(); err != nil || w.writes != 1 {
		t.Fatalf("an empty Flush: %v, %d writes; want no write", err, w.writes)
	}
	if n := c.OutboundBuffered(); n != 0 {
		t.Fatalf("OutboundBuffered = %d after Flush", n)
	}
}

func TestBeginAppendFinish(t *testing.T) {
	w := &stallWriter{limit: -1}
	c := New(readWriter{Writer: w}, tf, Config{})
	buf, m := c.Begin(frame.Meta{})
	buf = append(buf, "body"...)
	if err := c.Finish(buf, m); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := appendFrame(nil, []byte("body")); !bytes.Equal(w.got, want) {
		t.Fatalf("wrote %x, want %x", w.got, want)
	}
}

func TestFinishRefusedFrameLeavesNoTrace(t *testing.T) {
	w := &stallWriter{limit: -1}
	c := New(readWriter{Writer: w}, testFraming{max: 8}, Config{})
	if err := c.WriteFrame(frame.Meta{}, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	err := c.WriteFrame(frame.Meta{}, []byte("far too long"))
	if !errors.Is(err, frame.TooLarge) {
		t.Fatalf("got %v, want frame.TooLarge", err)
	}
	buf, m := c.Begin(frame.Meta{})
	err = c.FinishRef(buf, m, []byte("far too long"))
	if !errors.Is(err, frame.TooLarge) {
		t.Fatalf("FinishRef: got %v, want frame.TooLarge", err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := appendFrame(nil, []byte("ok")); !bytes.Equal(w.got, want) {
		t.Fatalf("wrote %x, want only the first frame %x", w.got, want)
	}
}

// queueMixed queues frames with and without attached payloads on c and
// returns the bytes they make on the wire.
func queueMixed(t *testing.T, c *Conn) []byte {
	t.Helper()
	var want []byte
	for i, n := range []int{3, 0, 20, 1, 7} {
		head := payloadN(i+1, 100+i)
		ref := payloadN(n, i)
		want = appendFrame(want, append(bytes.Clone(head), ref...))
		buf, m := c.Begin(frame.Meta{})
		if err := c.FinishRef(append(buf, head...), m, ref); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

func TestFinishRefDoesNotCopy(t *testing.T) {
	c := New(readWriter{Writer: io.Discard}, tf, Config{})
	big := payloadN(1<<16, 0)
	buf, m := c.Begin(frame.Meta{})
	if err := c.FinishRef(append(buf, "head"...), m, big); err != nil {
		t.Fatal(err)
	}
	if len(c.out) != testOverhead+len("head") {
		t.Errorf("outbound buffer holds %d bytes, want %d: the payload must not be copied", len(c.out), testOverhead+len("head"))
	}
	if n := c.OutboundBuffered(); n != testOverhead+len("head")+len(big) {
		t.Errorf("OutboundBuffered = %d, want it to count the attached payload", n)
	}
}

// TestFinishRefTCP sends frames with attached payloads over TCP, where
// Flush is one writev, and checks the bytes that arrive.
func TestFinishRefTCP(t *testing.T) {
	client, server := tcpPair(t)
	c := New(client, tf, Config{})
	want := queueMixed(t, c)
	big := payloadN(200_000, 9)
	buf, m := c.Begin(frame.Meta{})
	if err := c.FinishRef(append(buf, "head"...), m, big); err != nil {
		t.Fatal(err)
	}
	want = appendFrame(want, append([]byte("head"), big...))
	if err := c.WriteFrame(frame.Meta{}, []byte("after")); err != nil {
		t.Fatal(err)
	}
	want = appendFrame(want, []byte("after"))

	got := make(chan []byte)
	go func() {
		b := make([]byte, len(want))
		server.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := io.ReadFull(server, b)
		if err != nil {
			t.Errorf("after %d bytes: %v", n, err)
		}
		got <- b[:n]
	}()
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("received %d bytes that differ from the %d sent", len(b), len(want))
	}
	if c.OutboundBuffered() != 0 || len(c.refs) != 0 {
		t.Fatalf("%d bytes, %d refs still queued after Flush", c.OutboundBuffered(), len(c.refs))
	}
}

// TestPartialWrite stops the writer after every possible byte count and
// checks that the next Flush sends the rest, each byte exactly once.
func TestPartialWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		queue func(*testing.T, *Conn) []byte
	}{
		{"copied", func(t *testing.T, c *Conn) []byte {
			var want []byte
			for i := range 4 {
				p := payloadN(i*5, i)
				want = appendFrame(want, p)
				if err := c.WriteFrame(frame.Meta{}, p); err != nil {
					t.Fatal(err)
				}
			}
			return want
		}},
		{"attached", queueMixed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			total := len(tc.queue(t, New(readWriter{Writer: io.Discard}, tf, Config{})))
			for k := range total {
				w := &stallWriter{limit: k}
				c := New(readWriter{Writer: w}, tf, Config{})
				want := tc.queue(t, c)
				if err := c.Flush(); !errors.Is(err, errStalled) {
					t.Fatalf("stalled after %d bytes: Flush = %v, want errStalled", k, err)
				}
				if n := c.OutboundBuffered(); n != total-k {
					t.Fatalf("stalled after %d bytes: %d queued, want %d", k, n, total-k)
				}
				w.limit = -1
				if err := c.Flush(); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(w.got, want) {
					t.Fatalf("stalled after %d bytes, then flushed: wrote\n%x\nwant\n%x", k, w.got, want)
				}
			}
		})
	}
}

// shortWriter breaks the io.Writer contract: it writes less than asked
// without an error.
type shortWriter struct{ got []byte }

func (w *shortWriter) Write(p []byte) (int, error) {
	n := (len(p) + 1) / 2
	w.got = append(w.got, p[:n]...)
	return n, nil
}

func TestShortWrite(t *testing.T) {
	w := &shortWriter{}
	c := New(readWriter{Writer: w}, tf, Config{})
	want := appendFrame(nil, []byte("0123456789"))
	if err := c.WriteFrame(frame.Meta{}, []byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != io.ErrShortWrite {
		t.Fatalf("got %v, want io.ErrShortWrite", err)
	}
	for c.OutboundBuffered() > 0 {
		c.Flush()
	}
	if !bytes.Equal(w.got, want) {
		t.Fatalf("wrote %x, want %x", w.got, want)
	}
}

// TestWriteDeadline fills the socket buffers of a TCP connection whose peer
// does not read, so that Flush stops at its deadline after a partial write;
// once the peer reads, a second Flush sends exactly the rest.
func TestWriteDeadline(t *testing.T) {
	client, server := tcpPair(t)
	// Small socket buffers, so that a few MiB are sure to fill them.
	if err := client.(*net.TCPConn).SetWriteBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	if err := server.(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	big := payloadN(4<<20, 3)
	f := testFraming{max: len(big) + 4}
	want, err := frame.Append(f, nil, frame.Meta{}, append([]byte("head"), big...))
	if err != nil {
		t.Fatal(err)
	}
	c := New(client, f, Config{})
	buf, m := c.Begin(frame.Meta{})
	if err := c.FinishRef(append(buf, "head"...), m, big); err != nil {
		t.Fatal(err)
	}

	if err := c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Flush to a peer that does not read: %v, want os.ErrDeadlineExceeded", err)
	}
	if left := c.OutboundBuffered(); left == 0 || left == len(want) {
		t.Fatalf("%d of %d bytes left, want a partial write", left, len(want))
	}

	got := make(chan []byte)
	go func() {
		b := make([]byte, len(want))
		server.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := io.ReadFull(server, b)
		if err != nil {
			t.Errorf("after %d bytes: %v", n, err)
		}
		got <- b[:n]
	}()
	if err := c.SetWriteDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("received %d bytes that differ from the %d sent", len(b), len(want))
	}
}

func TestWritable(t *testing.T) {
	w := &stallWriter{limit: -1}
	c := New(readWriter{Writer: w}, tf, Config{HighWater: 100, LowWater: 40})
	body := payloadN(20-testOverhead, 0) // 20-byte frames
	queue := func(frames int) {
		for range frames {
			if err := c.WriteFrame(frame.Meta{}, body); err != nil {
				t.Fatal(err)
			}
		}
	}
	flushTo := func(left int) {
		w.limit = c.OutboundBuffered() - left
		c.Flush()
	}
	steps := []struct {
		do     func()
		queued int
		want   bool
	}{
		{func() { queue(5) }, 100, true},  // at the high mark, not above
		{func() { queue(1) }, 120, false}, // above
		{func() { flushTo(60) }, 60, false},
		{func() { flushTo(41) }, 41, false},
		{func() { queue(2) }, 81, false}, // still between the marks
		{func() { flushTo(40) }, 40, true},
		{func() { queue(3) }, 100, true}, // between the marks, from below
		{func() { queue(1) }, 120, false},
		{func() { w.limit = -1; c.Flush() }, 0, true},
	}
	for i, s := range steps {
		s.do()
		if n := c.OutboundBuffered(); n != s.queued {
			t.Fatalf("step %d: %d bytes queued, want %d", i, n, s.queued)
		}
		if c.Writable() != s.want {
			t.Fatalf("step %d: %d bytes queued, Writable = %v, want %v", i, s.queued, c.Writable(), s.want)
		}
	}
}

func TestWaterMarkDefaults(t *testing.T) {
	for _, tc := range []struct {
		cfg        Config
		high, low  int
		read, maxi int
	}{
		{Config{}, DefaultHighWater, DefaultHighWater / 2, DefaultReadSize, DefaultMaxInbound},
		{Config{HighWater: 1000}, 1000, 500, DefaultReadSize, DefaultMaxInbound},
		{Config{HighWater: 1000, LowWater: 2000}, 1000, 1000, DefaultReadSize, DefaultMaxInbound},
		{Config{ReadSize: 1 << 20, MaxInbound: 1000}, DefaultHighWater, DefaultHighWater / 2, 1000, 1000},
	} {
		c := New(readWriter{}, tf, tc.cfg)
		if c.highWater != tc.high || c.lowWater != tc.low || c.readSize != tc.read || c.maxInbound != tc.maxi {
			t.Errorf("%+v: high %d, low %d, read %d, max %d; want %d, %d, %d, %d", tc.cfg,
				c.highWater, c.lowWater, c.readSize, c.maxInbound, tc.high, tc.low, tc.read, tc.maxi)
		}
	}
}

// buffersWriter is a writer with WriteBuffers: it records the calls.
type buffersWriter struct {
	stallWriter
	vectored int
}

func (w *buffersWriter) WriteBuffers(v [][]byte) (int, error) {
	w.vectored++
	n := 0
	for _, b := range v {
		w.got = append(w.got, b...)
		n += len(b)
	}
	return n, nil
}

// TestFlushUsesBuffersWriter: with payloads attached, Flush hands every
// segment to WriteBuffers in one call.
func TestFlushUsesBuffersWriter(t *testing.T) {
	w := &buffersWriter{stallWriter: stallWriter{limit: -1}}
	c := New(struct {
		io.Reader
		*buffersWriter
	}{bytes.NewReader(nil), w}, tf, Config{})
	big := bytes.Repeat([]byte("p"), 1000)
	buf, m := c.Begin(frame.Meta{})
	if err := c.FinishRef(append(buf, "head"...), m, big); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteFrame(frame.Meta{}, []byte("after")); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	want := appendFrame(nil, append([]byte("head"), big...))
	want = appendFrame(want, []byte("after"))
	if w.vectored != 1 || w.writes != 0 || !bytes.Equal(w.got, want) {
		t.Errorf("%d WriteBuffers and %d Write calls, wire %q; want one WriteBuffers and the frames", w.vectored, w.writes, w.got)
	}
}
