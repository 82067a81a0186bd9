package stream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/wirekit/wirekit/frame"
)

// readAll reads frames until an error and returns clones of their payloads.
func readAll(c *Conn) ([][]byte, error) {
	var got [][]byte
	for {
		f, err := c.ReadFrame()
		if err != nil {
			return got, err
		}
		got = append(got, f.Clone().Payload)
	}
}

func TestManyFramesFromOneRead(t *testing.T) {
	var wire []byte
	var want [][]byte
	for i := range 100 {
		p := payloadN(10, i)
		want = append(want, p)
		wire = appendFrame(wire, p)
	}
	r := &chunkReader{data: wire, size: len(wire)}
	c := New(readWriter{Reader: r}, tf, Config{})
	for i := range want {
		f, err := c.ReadFrame()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(f.Payload, want[i]) {
			t.Fatalf("frame %d: payload %x, want %x", i, f.Payload, want[i])
		}
		if r.reads != 1 {
			t.Fatalf("frame %d took %d reads, want all 100 frames from 1", i, r.reads)
		}
	}
	if _, err := c.ReadFrame(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func TestTryReadFrameNeverReads(t *testing.T) {
	wire := appendFrame(appendFrame(nil, []byte("one")), []byte("two"))
	wire = append(wire, goodMagic, 0) // the start of a third frame
	r := &chunkReader{data: wire, size: len(wire)}
	c := New(readWriter{Reader: r}, tf, Config{})

	if _, ok, err := c.TryReadFrame(); ok || err != nil {
		t.Fatalf("TryReadFrame on an empty buffer = %v, %v; want false, nil", ok, err)
	}
	f, err := c.ReadFrame()
	if err != nil || string(f.Payload) != "one" {
		t.Fatalf("ReadFrame = %q, %v", f.Payload, err)
	}
	f, ok, err := c.TryReadFrame()
	if !ok || err != nil || string(f.Payload) != "two" {
		t.Fatalf("TryReadFrame = %q, %v, %v; want \"two\"", f.Payload, ok, err)
	}
	if _, ok, err := c.TryReadFrame(); ok || err != nil {
		t.Fatalf("TryReadFrame with a partial frame = %v, %v; want false, nil", ok, err)
	}
	if r.reads != 1 {
		t.Fatalf("%d reads, want 1", r.reads)
	}
	if n := c.InboundBuffered(); n != 2 {
		t.Fatalf("InboundBuffered = %d, want the 2 bytes of the partial frame", n)
	}
}

// TestChunkings reads the same stream, with frames both smaller and larger
// than ReadSize and frames to skip, cut into reads of many sizes.
func TestChunkings(t *testing.T) {
	var wire []byte
	var want [][]byte
	for i, n := range []int{0, 1, 10, 57, 58, 59, 200, 1000, 3, 5000, 64} {
		p := payloadN(n, i)
		want = append(want, p)
		wire = appendFrame(wire, p)
		wire = appendSkipped(wire, payloadN(n/2, i))
	}
	for _, size := range []int{1, 2, 3, 7, 64, 100, 1 << 20} {
		t.Run(fmt.Sprint("chunk", size), func(t *testing.T) {
			c := New(readWriter{Reader: &chunkReader{data: wire, size: size}}, tf, Config{ReadSize: 64})
			var got [][]byte
			var skipped int
			for {
				f, err := c.ReadFrame()
				if err == io.EOF {
					break
				}
				if err != nil {
					if fe := mustFrameError(t, err); fe.Fatal || fe.Kind != frame.BadVersion {
						t.Fatalf("error %v, want a non-fatal bad version", err)
					}
					skipped++
					continue
				}
				got = append(got, f.Clone().Payload)
			}
			if skipped != len(want) {
				t.Errorf("%d frames skipped, want %d", skipped, len(want))
			}
			if len(got) != len(want) {
				t.Fatalf("%d frames, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("frame %d: %d bytes %x..., want %d bytes", i, len(got[i]), got[i][:min(8, len(got[i]))], len(want[i]))
				}
			}
			if len(c.in) > 8192 {
				t.Errorf("buffer grew to %d bytes for frames of at most 5006", len(c.in))
			}
		})
	}
}

func TestOneByteReader(t *testing.T) {
	var wire []byte
	for i := range 20 {
		wire = appendFrame(wire, payloadN(i*13, i))
	}
	c := New(readWriter{Reader: iotest.OneByteReader(bytes.NewReader(wire))}, tf, Config{ReadSize: 16})
	got, err := readAll(c)
	if err != io.EOF || len(got) != 20 {
		t.Fatalf("%d frames, then %v; want 20, then io.EOF", len(got), err)
	}
	for i, p := range got {
		if !bytes.Equal(p, payloadN(i*13, i)) {
			t.Fatalf("frame %d is wrong", i)
		}
	}
}

func TestBufferGrowsByDoubling(t *testing.T) {
	wire := appendFrame(nil, payloadN(1000, 1))
	c := New(readWriter{Reader: bytes.NewReader(wire)}, tf, Config{ReadSize: 64, MaxInbound: 4096})
	f, err := c.ReadFrame()
	if err != nil || len(f.Payload) != 1000 {
		t.Fatalf("ReadFrame = %d bytes, %v", len(f.Payload), err)
	}
	if len(c.in) != 1024 {
		t.Errorf("buffer of %d bytes for a 1006-byte frame, want 64 doubled to 1024", len(c.in))
	}
}

func TestMaxInbound(t *testing.T) {
	const max = 1024
	exact := appendFrame(nil, payloadN(max-testOverhead, 1))
	over := appendFrame(nil, payloadN(max-testOverhead+1, 2))
	r := &chunkReader{data: append(exact, over...), size: 100}
	c := New(readWriter{Reader: r}, tf, Config{ReadSize: 64, MaxInbound: max})

	f, err := c.ReadFrame()
	if err != nil || len(f.Raw) != max {
		t.Fatalf("a frame of exactly MaxInbound bytes: %d bytes, %v", len(f.Raw), err)
	}
	_, err = c.ReadFrame()
	fe := mustFrameError(t, err)
	if fe.Kind != frame.TooLarge || !fe.Fatal || fe.Offset != max {
		t.Fatalf("a frame of MaxInbound+1 bytes: %+v, want a fatal TooLarge at offset %d", fe, max)
	}
	if !errors.Is(err, frame.TooLarge) {
		t.Errorf("errors.Is(%v, frame.TooLarge) is false", err)
	}
	if n := cap(*c.inBox); n > max {
		t.Errorf("buffer of %d bytes, over MaxInbound", n)
	}
	reads := r.reads
	if _, err2 := c.ReadFrame(); err2 != err {
		t.Errorf("second ReadFrame: %v, want the same error", err2)
	}
	if _, _, err2 := c.TryReadFrame(); err2 != err {
		t.Errorf("TryReadFrame: %v, want the same error", err2)
	}
	if r.reads != reads {
		t.Errorf("reads went on after a fatal error")
	}
}

// TestHugeLengthField: a peer announces a 1 GiB frame, which the framing
// allows, and keeps sending. The Conn buffers no more than MaxInbound.
func TestHugeLengthField(t *testing.T) {
	const max = 64 << 10
	hdr := []byte{goodMagic, 0x40, 0, 0, 0} // 1 GiB
	zeros := &loopReader{data: make([]byte, 1000)}
	counted := &countReader{r: io.MultiReader(bytes.NewReader(hdr), zeros)}
	c := New(readWriter{Reader: counted}, testFraming{max: 1 << 31}, Config{MaxInbound: max})

	_, err := c.ReadFrame()
	fe := mustFrameError(t, err)
	if fe.Kind != frame.TooLarge || !fe.Fatal || fe.Offset != 0 {
		t.Fatalf("got %+v, want a fatal TooLarge at offset 0", fe)
	}
	if n := cap(*c.inBox); n > max {
		t.Errorf("buffer capacity %d, over MaxInbound %d", n, max)
	}
	if counted.n > max {
		t.Errorf("read %d bytes, over MaxInbound %d", counted.n, max)
	}
}

type countReader struct {
	r io.Reader
	n int
}

func (r *countReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += n
	return n, err
}

func TestEOF(t *testing.T) {
	whole := appendFrame(nil, []byte("whole"))
	t.Run("between frames", func(t *testing.T) {
		c := New(readWriter{Reader: bytes.NewReader(whole)}, tf, Config{})
		got, err := readAll(c)
		if len(got) != 1 || err != io.EOF {
			t.Fatalf("%d frames, then %v; want 1, then io.EOF", len(got), err)
		}
	})
	t.Run("inside a frame", func(t *testing.T) {
		client, server := net.Pipe()
		defer server.Close()
		go func() {
			client.Write(whole)
			client.Write(whole[:7])
			client.Close()
		}()
		c := New(server, tf, Config{})
		got, err := readAll(c)
		if len(got) != 1 || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%d frames, then %v; want 1, then io.ErrUnexpectedEOF", len(got), err)
		}
		want := fmt.Sprintf("at offset %d, inside the frame at offset %d", len(whole)+7, len(whole))
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	})
	t.Run("inside a skipped frame", func(t *testing.T) {
		wire := appendSkipped(nil, payloadN(100, 0))[:50]
		c := New(readWriter{Reader: iotest.OneByteReader(bytes.NewReader(wire))}, tf, Config{ReadSize: 16})
		_, err := c.ReadFrame()
		if fe := mustFrameError(t, err); fe.Fatal {
			t.Fatalf("got %v, want the non-fatal error of the skipped frame", err)
		}
		_, err = c.ReadFrame()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("with the last data", func(t *testing.T) {
		c := New(readWriter{Reader: iotest.DataErrReader(bytes.NewReader(whole))}, tf, Config{})
		got, err := readAll(c)
		if len(got) != 1 || err != io.EOF {
			t.Fatalf("%d frames, then %v; want 1, then io.EOF", len(got), err)
		}
	})
}

// errAfterReader returns its data and err from the same Read call.
type errAfterReader struct {
	data []byte
	err  error
}

func (r *errAfterReader) Read(p []byte) (int, error) {
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, r.err
}

func TestReadErrorAfterFrames(t *testing.T) {
	boom := errors.New("boom")
	wire := appendFrame(appendFrame(nil, []byte("a")), []byte("b"))
	c := New(readWriter{Reader: &errAfterReader{data: wire, err: boom}}, tf, Config{})
	got, err := readAll(c)
	if len(got) != 2 || err != boom {
		t.Fatalf("%d frames, then %v; want the 2 frames that came with the error, then the error", len(got), err)
	}
	if _, err := c.ReadFrame(); err != boom {
		t.Fatalf("next read: %v, want the reader's error again", err)
	}
}

func TestNoProgress(t *testing.T) {
	c := New(readWriter{Reader: &errAfterReader{}}, tf, Config{})
	if _, err := c.ReadFrame(); err != io.ErrNoProgress {
		t.Fatalf("got %v, want io.ErrNoProgress", err)
	}
}

// TestFatalErrorOffset puts a broken frame at stream offset 1000 and reads
// it in chunks of many sizes: the error's offset counts from the start of
// the connection however the buffer moved.
func TestFatalErrorOffset(t *testing.T) {
	var good []byte
	for i := range 100 {
		good = appendFrame(good, payloadN(4, i)) // 10 bytes each
	}
	badSum := appendFrame(bytes.Clone(good), []byte("oops"))
	badSum[len(badSum)-1]++
	badMagic := append(bytes.Clone(good), 0xEE, 0, 0, 0, 0)
	for _, tc := range []struct {
		name   string
		wire   []byte
		kind   frame.Kind
		offset int64
	}{
		{"checksum", badSum, frame.BadChecksum, 1000 + testHdrLen + 4},
		{"magic", badMagic, frame.BadMagic, 1000},
	} {
		for _, size := range []int{1, 7, 64, 4096} {
			t.Run(fmt.Sprint(tc.name, "/chunk", size), func(t *testing.T) {
				c := New(readWriter{Reader: &chunkReader{data: tc.wire, size: size}}, tf, Config{ReadSize: 32})
				got, err := readAll(c)
				if len(got) != 100 {
					t.Fatalf("%d good frames, want 100", len(got))
				}
				fe := mustFrameError(t, err)
				if fe.Kind != tc.kind || fe.Offset != tc.offset || !fe.Fatal {
					t.Fatalf("got %+v, want a fatal %v at offset %d", fe, tc.kind, tc.offset)
				}
				if !errors.Is(err, tc.kind) {
					t.Errorf("errors.Is(err, %v) is false", tc.kind)
				}
				if _, again := c.ReadFrame(); again != err {
					t.Errorf("the next ReadFrame returned %v, want the same error", again)
				}
			})
		}
	}
}

func TestNonFatalError(t *testing.T) {
	wire := appendFrame(nil, []byte("first"))
	skipAt := len(wire)
	wire = appendSkipped(wire, []byte("skip me"))
	wire = appendFrame(wire, []byte("last"))
	c := New(readWriter{Reader: bytes.NewReader(wire)}, tf, Config{})

	f, err := c.ReadFrame()
	if err != nil || string(f.Payload) != "first" {
		t.Fatalf("ReadFrame = %q, %v", f.Payload, err)
	}
	_, err = c.ReadFrame()
	fe := mustFrameError(t, err)
	if fe.Fatal || fe.Kind != frame.BadVersion || fe.Offset != int64(skipAt) {
		t.Fatalf("got %+v, want a non-fatal bad version at offset %d", fe, skipAt)
	}
	f, err = c.ReadFrame()
	if err != nil || string(f.Payload) != "last" {
		t.Fatalf("after the skipped frame: %q, %v; want \"last\"", f.Payload, err)
	}
}

// errFraming's Split always fails with err.
type errFraming struct {
	testFraming
	err error
}

func (x errFraming) Split([]byte, *frame.Frame) (int, error) { return 0, x.err }

// TestErrorsMadeFatal: errors the Conn cannot step over stop the stream.
func TestErrorsMadeFatal(t *testing.T) {
	notFrame := errors.New("not a frame error")
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"skip nothing", &frame.Error{Kind: frame.BadVersion, Offset: 3}},
		{"resync without a Resyncer", &frame.Error{Kind: frame.TooLarge, Offset: 3, Skip: 1, Resync: true}},
		{"not a *frame.Error", notFrame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(readWriter{Reader: bytes.NewReader([]byte("xyz"))}, errFraming{err: tc.err}, Config{})
			c.pos = 1000
			_, err := c.ReadFrame()
			if tc.err == notFrame {
				if err != notFrame {
					t.Fatalf("got %v, want the framing's error as is", err)
				}
			} else if fe := mustFrameError(t, err); !fe.Fatal || fe.Offset != 1003 {
				t.Fatalf("got %+v, want it made fatal, at offset 1003", fe)
			}
			if _, again := c.ReadFrame(); again != err {
				t.Fatalf("the next ReadFrame returned %v, want the same error", again)
			}
		})
	}
}

func TestPoison(t *testing.T) {
	wire := appendFrame(appendFrame(nil, []byte("first")), []byte("second"))
	c := New(readWriter{Reader: bytes.NewReader(wire)}, tf, Config{Poison: true})

	kept, err := c.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	cloned := kept.Clone()
	second, err := c.ReadFrame()
	if err != nil || string(second.Payload) != "second" {
		t.Fatalf("second frame: %q, %v", second.Payload, err)
	}
	if want := bytes.Repeat([]byte{PoisonByte}, len("first")); !bytes.Equal(kept.Payload, want) {
		t.Errorf("a frame kept past the next ReadFrame reads %q, want poison %x", kept.Payload, want)
	}
	if string(cloned.Payload) != "first" {
		t.Errorf("the clone reads %q, want \"first\"", cloned.Payload)
	}
	c.Release()
	if second.Payload[0] != PoisonByte {
		t.Errorf("a frame kept past Release reads %q, want poison", second.Payload)
	}
}

func TestReadDeadline(t *testing.T) {
	client, server := tcpPair(t)
	c := New(server, tf, Config{})
	if err := c.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadFrame(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want os.ErrDeadlineExceeded", err)
	}
	// A deadline is not fatal: with a later one, reading goes on.
	if _, err := client.Write(appendFrame(nil, []byte("late"))); err != nil {
		t.Fatal(err)
	}
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	f, err := c.ReadFrame()
	if err != nil || string(f.Payload) != "late" {
		t.Fatalf("after extending the deadline: %q, %v", f.Payload, err)
	}
}

// TestReadFrameTo: ReadFrameTo fills the caller's frame as ReadFrame
// returns it, and zeroes it on an error.
func TestReadFrameTo(t *testing.T) {
	wire := appendFrame(appendFrame(nil, []byte("one")), []byte("two"))
	c := New(readWriter{Reader: &chunkReader{data: wire, size: 5}}, tf, Config{})
	var f frame.Frame
	for _, want := range []string{"one", "two"} {
		if err := c.ReadFrameTo(&f); err != nil || string(f.Payload) != want {
			t.Fatalf("got %q, %v; want %q", f.Payload, err, want)
		}
	}
	if err := c.ReadFrameTo(&f); err != io.EOF || f.Raw != nil {
		t.Errorf("at the end: %v, frame %+v; want io.EOF and a zero frame", err, f)
	}
}

// TestFill: Fill reads once, however little that brings, and
// TryReadFrameTo then takes the frames it completed; at the end of the
// input Fill reports the end like ReadFrame, inside a frame too.
func TestFill(t *testing.T) {
	wire := appendFrame(appendFrame(nil, payloadN(30, 1)), payloadN(30, 2))
	r := &chunkReader{data: wire, size: 20}
	c := New(readWriter{Reader: r}, tf, Config{})
	var f frame.Frame
	var got [][]byte
	for range 10 {
		if ok, err := c.TryReadFrameTo(&f); err != nil {
			t.Fatal(err)
		} else if ok {
			got = append(got, bytes.Clone(f.Payload))
			continue
		}
		reads := r.reads
		err := c.Fill()
		if r.reads != reads+1 {
			t.Fatalf("Fill made %d reads, want 1", r.reads-reads)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) || len(got) != 2 {
				t.Fatalf("Fill: %v after %d frames", err, len(got))
			}
			break
		}
	}
	if len(got) != 2 || !bytes.Equal(got[0], payloadN(30, 1)) || !bytes.Equal(got[1], payloadN(30, 2)) {
		t.Fatalf("frames %q", got)
	}

	half := &chunkReader{data: wire[:len(wire)/2+5], size: 1000}
	c = New(readWriter{Reader: half}, tf, Config{})
	if err := c.Fill(); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.TryReadFrameTo(&f); !ok || err != nil {
		t.Fatalf("first frame: %v %v", ok, err)
	}
	if ok, err := c.TryReadFrameTo(&f); ok || err != nil {
		t.Fatalf("half a frame: %v %v", ok, err)
	}
	if err := c.Fill(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Fill at the end inside a frame: %v, want ErrUnexpectedEOF", err)
	}
}

// TestAdaptiveReadSize: reads that fill their buffer make the next buffer
// taken twice as large, up to MaxAdaptiveRead; reads that bring little make
// it smaller again, down to ReadSize, after four in a row.
func TestAdaptiveReadSize(t *testing.T) {
	frames := framesOf(4000, 64) // 256 KB: every read fills its buffer, with whole frames
	c := New(readWriter{Reader: &chunkReader{data: frames, size: 1 << 20}}, tf, Config{ReadSize: 4096})
	var f frame.Frame
	var caps []int
	for range 6 {
		// Read what one fill brings, then give the buffer back: the next
		// fill takes a new one of the adapted size.
		if err := c.ReadFrameTo(&f); err != nil {
			t.Fatal(err)
		}
		caps = append(caps, c.BufferCap())
		for c.InboundBuffered() > 0 {
			if _, err := c.TryReadFrameTo(&f); err != nil {
				t.Fatal(err)
			}
		}
		c.Release()
	}
	t.Logf("buffer capacities: %v", caps)
	if caps[0] != 4096 || caps[1] != 8192 || caps[len(caps)-1] != MaxAdaptiveRead {
		t.Fatalf("buffer capacities %v, want 4096, 8192, ... up to %d", caps, MaxAdaptiveRead)
	}

	// Reads of one small frame each: after four, the size halves.
	small := &chunkReader{data: framesOf(20, 100), size: 100}
	c.Reset(readWriter{Reader: small}, 0)
	if c.adaptive != MaxAdaptiveRead {
		t.Fatalf("Reset dropped the adapted size: %d", c.adaptive)
	}
	for i := range 8 {
		if err := c.ReadFrameTo(&f); err != nil {
			t.Fatal(err)
		}
		if want := MaxAdaptiveRead >> ((i + 1) / 4); c.adaptive != want {
			t.Fatalf("after %d small reads the next buffer is %d, want %d", i+1, c.adaptive, want)
		}
	}

	// MaxInbound caps it.
	capped := New(readWriter{Reader: &chunkReader{data: frames, size: 1 << 20}}, tf, Config{ReadSize: 4096, MaxInbound: 8192})
	for range 4 {
		if err := capped.ReadFrameTo(&f); err != nil {
			t.Fatal(err)
		}
		for capped.InboundBuffered() > 0 {
			capped.TryReadFrameTo(&f)
		}
		capped.Release()
	}
	if capped.adaptive != 8192 {
		t.Fatalf("with MaxInbound 8192 the next buffer is %d", capped.adaptive)
	}
}

// TestFillFrom: FillFrom reads once from the reader it is given, not the
// Conn's, into the same buffer, and hands back that reader's errors as they
// are: a reader that never waits may say so with an error of its own.
func TestFillFrom(t *testing.T) {
	wire := appendFrame(appendFrame(nil, payloadN(30, 1)), payloadN(30, 2))
	own := &chunkReader{data: nil, size: 1000}
	c := New(readWriter{Reader: own}, tf, Config{})
	other := &chunkReader{data: wire[:40], size: 1000}
	if err := c.FillFrom(other); err != nil {
		t.Fatal(err)
	}
	var f frame.Frame
	if ok, err := c.TryReadFrameTo(&f); !ok || err != nil || !bytes.Equal(f.Payload, payloadN(30, 1)) {
		t.Fatalf("first frame: %v %v %q", ok, err, f.Payload)
	}
	wouldBlock := errors.New("nothing yet")
	if err := c.FillFrom(errReader{wouldBlock}); err != wouldBlock {
		t.Fatalf("FillFrom: %v, want the reader's own error", err)
	}
	other.data = wire[40:]
	if err := c.FillFrom(other); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.TryReadFrameTo(&f); !ok || err != nil || !bytes.Equal(f.Payload, payloadN(30, 2)) {
		t.Fatalf("second frame: %v %v %q", ok, err, f.Payload)
	}
	if own.reads != 0 {
		t.Errorf("the Conn's own reader was read %d times", own.reads)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
