package stream

import (
	"io"
	"testing"

	"github.com/wirekit/wirekit/frame"
)

// framesOf returns n frames of tf, size bytes each, back to back.
func framesOf(n, size int) []byte {
	var wire []byte
	for i := range n {
		wire = appendFrame(wire, payloadN(size-testOverhead, i))
	}
	return wire
}

// TestZeroAllocs checks that in the steady state (buffers taken, the first
// reads done) reading and writing allocate nothing.
func TestZeroAllocs(t *testing.T) {
	// 100-byte frames do not divide 4 KiB reads: reads end inside frames,
	// so the buffer is compacted too.
	c := New(readWriter{Reader: &loopReader{data: framesOf(1000, 100)}, Writer: io.Discard}, tf, Config{})
	big := make([]byte, 10000)
	body := payloadN(64, 0)
	round := func() {
		for range 200 {
			_, ok, err := c.TryReadFrame()
			if !ok && err == nil {
				_, err = c.ReadFrame()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		for range 16 {
			buf, m := c.Begin(frame.Meta{})
			if err := c.Finish(append(buf, body...), m); err != nil {
				t.Fatal(err)
			}
		}
		buf, m := c.Begin(frame.Meta{})
		if err := c.FinishRef(buf, m, big); err != nil {
			t.Fatal(err)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteFrame(frame.Meta{}, body); err != nil {
			t.Fatal(err)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Fatalf("%v allocations per round of 200 frames read, 18 written and 2 flushes; want 0", n)
	}
}

// BenchmarkReadFrame reads 64-byte frames, many per read.
func BenchmarkReadFrame(b *testing.B) {
	c := New(readWriter{Reader: &loopReader{data: framesOf(1000, 64)}}, tf, Config{})
	b.SetBytes(64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ReadFrame(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteFlush queues batches of 16 64-byte frames and flushes each
// batch with one write; an op is one frame.
func BenchmarkWriteFlush(b *testing.B) {
	c := New(readWriter{Writer: io.Discard}, tf, Config{})
	body := payloadN(64-testOverhead, 0)
	b.SetBytes(64)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf, m := c.Begin(frame.Meta{})
		if err := c.Finish(append(buf, body...), m); err != nil {
			b.Fatal(err)
		}
		if i++; i%16 == 0 {
			if err := c.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
