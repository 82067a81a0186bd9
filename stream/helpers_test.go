package stream

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/wirekit/wirekit/frame"
)

// testFraming is a small framing whose errors the tests control:
//
//	+-------+------------+- - - - -+-----+
//	| magic | length u32 | payload | sum |
//	+-------+------------+- - - - -+-----+
//	  1 B     big-endian   length    1 B: payload bytes added mod 256
//
// Magic goodMagic is a frame. Magic skipMagic is a frame the framing refuses
// without losing its place: a non-fatal error that skips the whole frame,
// reported as soon as the header is in. Any other first byte is a fatal
// BadMagic, a length over max a fatal TooLarge, a wrong sum a fatal
// BadChecksum.
type testFraming struct {
	max int
}

const (
	goodMagic    = 0xA5
	skipMagic    = 0x5A
	testHdrLen   = 5
	testOverhead = testHdrLen + 1
)

func (t testFraming) Split(b []byte, f *frame.Frame) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if b[0] != goodMagic && b[0] != skipMagic {
		return 0, &frame.Error{Kind: frame.BadMagic, Fatal: true}
	}
	if len(b) < testHdrLen {
		return 0, nil
	}
	length := binary.BigEndian.Uint32(b[1:])
	if uint64(length) > uint64(t.max) {
		return 0, &frame.Error{Kind: frame.TooLarge, Offset: 1, Fatal: true}
	}
	end := testHdrLen + int(length)
	if b[0] == skipMagic {
		return 0, &frame.Error{Kind: frame.BadVersion, Skip: end + 1}
	}
	if len(b) <= end {
		return 0, nil
	}
	if sum(b[testHdrLen:end], nil) != b[end] {
		return 0, &frame.Error{Kind: frame.BadChecksum, Offset: int64(end), Fatal: true}
	}
	*f = frame.Frame{Raw: b[: end+1 : end+1], Payload: b[testHdrLen:end:end]}
	return end + 1, nil
}

func (t testFraming) Begin(dst []byte, h frame.Meta) ([]byte, frame.Mark) {
	dst = append(dst, goodMagic, 0, 0, 0, 0)
	return dst, frame.NewMark(len(dst)-testHdrLen, len(dst))
}

func (t testFraming) Finish(dst []byte, m frame.Mark, tail []byte) ([]byte, error) {
	start := m.Body() - testHdrLen
	n := len(dst) - m.Body() + len(tail)
	if n > t.max {
		return dst[:start], &frame.Error{Kind: frame.TooLarge, Fatal: true}
	}
	binary.BigEndian.PutUint32(dst[start+1:], uint32(n))
	return append(dst, sum(dst[m.Body():], tail)), nil
}

func sum(a, b []byte) byte {
	var s byte
	for _, c := range a {
		s += c
	}
	for _, c := range b {
		s += c
	}
	return s
}

var tf = testFraming{max: 1 << 20}

// appendFrame appends a frame of tf with the given payload.
func appendFrame(dst []byte, payload []byte) []byte {
	dst, err := frame.Append(tf, dst, frame.Meta{}, payload)
	if err != nil {
		panic(err)
	}
	return dst
}

// appendSkipped appends a frame that tf refuses with a non-fatal error.
func appendSkipped(dst []byte, payload []byte) []byte {
	start := len(dst)
	dst = appendFrame(dst, payload)
	dst[start] = skipMagic
	return dst
}

// payloadN returns n bytes that differ from frame to frame.
func payloadN(n, seed int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(seed + i)
	}
	return p
}

// chunkReader returns at most size bytes per Read, and counts the reads.
type chunkReader struct {
	data  []byte
	size  int
	reads int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	r.reads++
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.size)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// loopReader serves data over and over, as much as each Read asks for.
type loopReader struct {
	data []byte
	off  int
}

func (r *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.data[r.off:])
		n += k
		r.off = (r.off + k) % len(r.data)
	}
	return n, nil
}

var errStalled = errors.New("stalled")

// stallWriter accepts limit bytes, then fails with errStalled; a negative
// limit accepts everything. It counts Write calls.
type stallWriter struct {
	got    []byte
	limit  int
	writes int
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.limit < 0 {
		w.got = append(w.got, p...)
		return len(p), nil
	}
	n := min(len(p), w.limit)
	w.got = append(w.got, p[:n]...)
	w.limit -= n
	if n < len(p) {
		return n, errStalled
	}
	return n, nil
}

// readWriter joins a reader and a writer into an io.ReadWriter without
// deadlines or Close.
type readWriter struct {
	io.Reader
	io.Writer
}

// tcpPair returns the two ends of a TCP connection on the loopback
// interface. They are closed when the test ends.
func tcpPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	client, err = net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		client.Close()
		t.FailNow()
	}
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}

// mustFrameError returns err as a *frame.Error, or fails the test.
func mustFrameError(t *testing.T, err error) *frame.Error {
	t.Helper()
	var fe *frame.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *frame.Error", err, err)
	}
	return fe
}
