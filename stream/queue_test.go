package stream

import (
	"bytes"
	"testing"

	"github.com/wirekit/wirekit/frame"
)

func TestQueueRawKeepsOrderAndWaterMarks(t *testing.T) {
	var out bytes.Buffer
	c := New(readWriter{Reader: bytes.NewReader(nil), Writer: &out}, tf, Config{HighWater: 100, LowWater: 10})
	first := appendFrame(nil, []byte("one"))
	built := appendFrame(nil, bytes.Repeat([]byte("x"), 120)) // another goroutine's frame
	if err := c.WriteFrame(frame.Meta{}, []byte("one")); err != nil {
		t.Fatal(err)
	}
	c.QueueRaw(built)
	if c.Writable() {
		t.Error("Writable after queueing past the high-water mark")
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := append(first, built...); !bytes.Equal(out.Bytes(), want) {
		t.Errorf("wire\n%x\nwant\n%x", out.Bytes(), want)
	}
	if !c.Writable() {
		t.Error("not Writable after the flush")
	}
}

func TestBufferCapAfterRelease(t *testing.T) {
	wire := framesOf(3, 50)
	c := New(readWriter{Reader: bytes.NewReader(wire), Writer: new(bytes.Buffer)}, tf, Config{})
	if c.BufferCap() != 0 {
		t.Fatalf("new Conn holds %d bytes", c.BufferCap())
	}
	for range 3 {
		if _, err := c.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	}
	c.QueueRaw(wire[:50])
	if c.BufferCap() < 2*DefaultReadSize {
		t.Errorf("BufferCap %d with both buffers taken", c.BufferCap())
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if c.BufferCap() != 0 {
		t.Errorf("BufferCap %d after Release of a drained Conn", c.BufferCap())
	}
}
