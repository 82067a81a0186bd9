package stream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream/streamtest"
)

// chunkings are the read patterns the tests with frame's framings run under.
func chunkings() map[string]func() streamtest.Chunking {
	return map[string]func() streamtest.Chunking{
		"all":      func() streamtest.Chunking { return streamtest.All },
		"onebyte":  func() streamtest.Chunking { return streamtest.OneByte },
		"fixed7":   func() streamtest.Chunking { return streamtest.Fixed(7) },
		"random1":  func() streamtest.Chunking { return streamtest.Random(1, 100) },
		"random2":  func() streamtest.Chunking { return streamtest.Random(2, 3000) },
		"sizes1-5": func() streamtest.Chunking { return streamtest.Sizes(1, 5, 300) },
	}
}

// roundTrip writes frames with bodies through a Conn of f, some attached by
// reference, then reads them back through another under every chunking.
func roundTrip(t *testing.T, f frame.Framing, bodies [][]byte) {
	out := streamtest.NewOpenConn(nil)
	w := New(out, f, Config{})
	for i, body := range bodies {
		buf, m := w.Begin(frame.Meta{Type: 3, ID: uint64(i)})
		var err error
		if i%2 == 0 {
			err = w.Finish(append(buf, body...), m)
		} else {
			half := len(body) / 2
			err = w.FinishRef(append(buf, body[:half]...), m, body[half:])
		}
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	wire := out.Written()
	for name, chunking := range chunkings() {
		t.Run(name, func(t *testing.T) {
			c := New(streamtest.NewConn(wire, chunking()), f, Config{ReadSize: 64})
			got, err := readAll(c)
			if err != io.EOF {
				t.Fatalf("after %d frames: %v", len(got), err)
			}
			if len(got) != len(bodies) {
				t.Fatalf("%d frames, want %d", len(got), len(bodies))
			}
			for i := range bodies {
				if !bytes.Equal(got[i], bodies[i]) {
					t.Fatalf("frame %d: %q, want %q", i, got[i], bodies[i])
				}
			}
		})
	}
}

func testBodies() [][]byte {
	var bodies [][]byte
	for i, n := range []int{0, 1, 5, 63, 64, 65, 500, 4000, 2} {
		bodies = append(bodies, []byte(strings.Repeat(string(rune('a'+i)), n)))
	}
	return bodies
}

func TestLengthFieldRoundTrip(t *testing.T) {
	f, err := frame.NewLengthField(frame.LengthFieldConfig{Width: 2})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, f, testBodies())
}

// TestHeaderRoundTrip uses a checksum trailer: frames whose payload was
// attached by reference read back only if the payload went on the wire
// between the header and the trailer.
func TestHeaderRoundTrip(t *testing.T) {
	f, err := frame.NewHeader(frame.HeaderConfig{
		Magic:     []byte("WK"),
		Versions:  []uint8{1},
		TypeWidth: 1, IDWidth: 4,
		Checksum: frame.CRC32C(),
	})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, f, testBodies())
}

func TestDelimitedRoundTrip(t *testing.T) {
	roundTrip(t, frame.Lines(), [][]byte{[]byte("hello"), nil, []byte("a\rb"), []byte(strings.Repeat("x", 3000))})
}

// TestDelimitedDiscard drops over-long lines, whose end may arrive many
// reads after the error, through frame.Resyncer.
func TestDelimitedDiscard(t *testing.T) {
	lines, err := frame.NewDelimited(frame.DelimitedConfig{Max: 10, Discard: true})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("L", 500)
	input := "short\n" + long + "\r\n" + "ok\r\n" + long + "\n" + "end\n"
	wantOffsets := []int64{6 + 10, int64(6 + len(long) + 2 + 4 + 10)}
	for name, chunking := range chunkings() {
		t.Run(name, func(t *testing.T) {
			c := New(streamtest.NewConn([]byte(input), chunking()), lines, Config{ReadSize: 16})
			var got []string
			var offsets []int64
			for {
				f, err := c.ReadFrame()
				if err == io.EOF {
					break
				}
				if err != nil {
					fe := mustFrameError(t, err)
					if fe.Fatal || fe.Kind != frame.TooLarge {
						t.Fatalf("got %v, want a non-fatal TooLarge", err)
					}
					offsets = append(offsets, fe.Offset)
					continue
				}
				got = append(got, string(f.Payload))
			}
			if fmt.Sprint(got) != "[short ok end]" {
				t.Errorf("lines %q, want short, ok, end", got)
			}
			if fmt.Sprint(offsets) != fmt.Sprint(wantOffsets) {
				t.Errorf("errors at offsets %v, want %v", offsets, wantOffsets)
			}
			if len(c.in) > 64 {
				t.Errorf("the buffer grew to %d bytes to drop long lines", len(c.in))
			}
		})
	}
	t.Run("eof", func(t *testing.T) {
		c := New(streamtest.NewConn([]byte("ok\n"+long), streamtest.Fixed(20)), lines, Config{})
		if f, err := c.ReadFrame(); err != nil || string(f.Payload) != "ok" {
			t.Fatalf("first line: %q, %v", f.Payload, err)
		}
		if _, err := c.ReadFrame(); !errors.Is(err, frame.TooLarge) {
			t.Fatalf("got %v, want TooLarge", err)
		}
		if _, err := c.ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("got %v, want io.ErrUnexpectedEOF inside the line being dropped", err)
		}
	})
}

// TestStreamtest runs the server loop of DESIGN decision 3 on streamtest's
// in-memory connection (flush when no complete request is left: one read,
// one write for 50 requests), then a read deadline on its fake clock.
func TestStreamtest(t *testing.T) {
	var wire []byte
	for i := range 50 {
		wire = appendFrame(wire, payloadN(i, i))
	}
	nc := streamtest.NewOpenConn(nil)
	c := New(nc, tf, Config{})
	nc.Feed(wire)
	f, err := c.ReadFrame()
	for n := 1; ; n++ {
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteFrame(f.Meta, f.Payload); err != nil {
			t.Fatal(err)
		}
		var ok bool
		if f, ok, err = c.TryReadFrame(); !ok && err == nil {
			if n != 50 {
				t.Fatalf("no complete frame left after %d of 50", n)
			}
			break
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if nc.Reads() != 1 || nc.Writes() != 1 || !bytes.Equal(nc.Written(), wire) {
		t.Fatalf("%d reads, %d writes of %d bytes; want 1 read, 1 write of %d", nc.Reads(), nc.Writes(), len(nc.Written()), len(wire))
	}

	clk := nc.Clock()
	if err := c.SetReadDeadline(clk.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := c.ReadFrame()
		done <- err
	}()
	clk.Advance(2 * time.Second)
	if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want os.ErrDeadlineExceeded", err)
	}
}
